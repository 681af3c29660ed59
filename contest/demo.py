"""Demo data: one fictional province with 3 districts, 12 schools, 36 classes and 600 pupils.

The tree and the rosters go through the same CSV importers that organisers use, so running the demo
again changes nothing. Staff passwords and the pupils' card code are fixed and listed in README.md.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.cards import normalise_code
from contest.accounts.models import Role, User
from contest.accounts.passwords import hash_secret_async
from contest.org.importing import ORG_COLUMNS, PUPIL_COLUMNS, import_org_tree, import_pupils
from contest.contests.models import Contest, Round, Selection, Visibility
from contest.db import utcnow
from contest.org.models import District, Province, School

PROVINCE = ("MS", "Tỉnh Minh Sơn")
DISTRICTS = [  # code, name, short name for school names
    ("MS-TP", "Thành phố Minh Sơn", "Minh Sơn"),
    ("MS-HL", "Huyện Hồng Lĩnh", "Hồng Lĩnh"),
    ("MS-NS", "Huyện Ngọc Sơn", "Ngọc Sơn"),
]
SCHOOL_NAMES = [
    ("TH", "Trường Tiểu học Hoa Sen", (3, 4, 5)),
    ("TH", "Trường Tiểu học Bình Minh", (3, 4, 5)),
    ("THCS", "Trường THCS Kim Đồng", (6, 7, 8)),
    ("THPT", "Trường THPT Lê Quý Đôn", (10, 11, 12)),
]
PUPILS = 600
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Gia", "Bảo", "Hải", "Khánh", "Thanh", "Quốc"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Huy", "Khang", "Khoa",
         "Lan", "Linh", "Long", "Mai", "Minh", "My", "Nam", "Ngân", "Nhi", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm",
         "Thảo", "Thư", "Trang", "Trí", "Tú", "Uyên", "Vy", "Yến"]

ORGANISER_PASSWORD = "demo-organiser"
TEACHER_PASSWORD = "demo-teacher"
PUPIL_CARD_CODE = "DEMO-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    secret: str
    who: str


def _csv(columns: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _tree_rows() -> list[list[object]]:
    """One row per class; enrolment is the roster plus two pupils who never log in, as in real schools."""
    rows = []
    for district_code, district_name, short_name in DISTRICTS:
        for s, (level, school_name, grades) in enumerate(SCHOOL_NAMES, start=1):
            school_code = f"{district_code}-{level}{s}"
            for grade in grades:
                class_name = f"{grade}A" if grade < 10 else f"{grade}A1"
                rows.append([PROVINCE[0], PROVINCE[1], district_code, district_name, school_code,
                             f"{school_name} ({short_name})", 0, class_name, grade, 0])
    pupils_per_class = [len(range(n, PUPILS, len(rows))) for n in range(len(rows))]
    for row, pupils in zip(rows, pupils_per_class):
        row[9] = pupils + 2
    for row in rows:
        row[6] = sum(other[9] for other in rows if other[4] == row[4])
    return rows


def _pupil_rows(tree: list[list[object]]) -> list[list[object]]:
    rng = random.Random(2026)  # the same pupils every time
    classes = [(row[4], row[7]) for row in tree]
    rows = []
    for n in range(PUPILS):
        school_code, class_name = classes[n % len(classes)]
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        rows.append([school_code, class_name, name, f"{n + 1:04d}"])
    return rows


async def load_demo(db: AsyncSession) -> list[DemoLogin]:
    tree = _tree_rows()
    await import_org_tree(db, _csv(ORG_COLUMNS, tree))
    await import_pupils(db, _csv(PUPIL_COLUMNS, _pupil_rows(tree)))

    logins = [DemoLogin("sogd", ORGANISER_PASSWORD, "organiser, province")]
    province = await db.scalar(select(Province).where(Province.code == PROVINCE[0]))
    await _staff(db, "sogd", "Sở GD&ĐT Minh Sơn", Role.ORGANISER, province_id=province.id, can_review=True)
    for district in await db.scalars(select(District).where(District.province_id == province.id).order_by(District.code)):
        username = "pgd-" + district.code.split("-")[1].lower()
        await _staff(db, username, f"Phòng GD&ĐT {district.name}", Role.ORGANISER, district_id=district.id, can_review=True)
        logins.append(DemoLogin(username, ORGANISER_PASSWORD, f"organiser, {district.name}"))
    for school in await db.scalars(select(School).join(District).where(District.province_id == province.id).order_by(School.code)):
        username = "gv-" + school.code.lower()
        await _staff(db, username, f"Giáo viên {school.name}", Role.TEACHER, school_id=school.id, can_review=True)
        logins.append(DemoLogin(username, TEACHER_PASSWORD, f"teacher, {school.name}"))

    code_hash = await hash_secret_async(normalise_code(PUPIL_CARD_CODE))
    await db.execute(update(User).where(User.role == Role.PUPIL, User.card_code_hash.is_(None)).values(card_code_hash=code_hash))
    await db.commit()
    first_pupil = await db.scalar(select(User.username).where(User.role == Role.PUPIL).order_by(User.username))
    logins.append(DemoLogin(first_pupil, PUPIL_CARD_CODE, "pupil (every demo pupil has this card code)"))
    return logins


async def _staff(db: AsyncSession, username: str, full_name: str, role: Role, **scope) -> None:
    user = await db.scalar(select(User).where(User.username == username))
    if user is None:
        password = ORGANISER_PASSWORD if role is Role.ORGANISER else TEACHER_PASSWORD
        db.add(User(username=username, full_name=full_name, role=role, password_hash=await hash_secret_async(password), **scope))
        await db.flush()


DEMO_CONTEST_TITLE = "Hội thi Kỹ năng số và An toàn trên không gian mạng (demo)"


async def ensure_demo_contest(db: AsyncSession) -> Contest:
    """A province-wide contest of Lifelong Learning Week, open for three weeks, boards public and live."""
    contest = await db.scalar(select(Contest).where(Contest.title_vi == DEMO_CONTEST_TITLE))
    if contest is not None:
        return contest
    province = await db.scalar(select(Province).where(Province.code == PROVINCE[0]))
    now = utcnow()
    contest = Contest(
        title_vi=DEMO_CONTEST_TITLE, title_en="Digital skills and online safety contest (demo)",
        theme="Tuần lễ hưởng ứng học tập suốt đời", province_id=province.id,
        description_vi="Mỗi học sinh trả lời 10 câu hỏi ngẫu nhiên, 20 giây mỗi câu; trả lời đúng và nhanh được nhiều điểm hơn.",
        description_en="Each pupil answers 10 random questions, 20 seconds each; right and fast answers earn more points.",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=21), visibility=Visibility.LIVE, published=True,
    )
    db.add(contest)
    db.add(Round(contest=contest, position=1, title="Vòng thi chính", language="vi", selection=Selection.RANDOM,
                 question_count=10, domain_quotas={"4": 4, "1": 2}, seconds_per_question=20, scoring="speed"))
    await db.commit()
    return contest
