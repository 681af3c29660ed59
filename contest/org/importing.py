"""CSV imports of the organisation tree and of pupil rosters (column reference: docs/imports.md).

Both run in one transaction: every line is checked first, and nothing is written when any line is
wrong. A dry run checks and counts exactly as a real run, then rolls back.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role, User
from contest.i18n import gettext as _
from contest.importing import ImportFailed, ImportReport, Problem, read_csv
from contest.org.models import District, Province, School, SchoolClass
from contest.org.scope import schools_query

ORG_COLUMNS = [
    "province_code", "province_name", "district_code", "district_name",
    "school_code", "school_name", "school_enrolment", "class_name", "grade", "class_enrolment",
]
PUPIL_COLUMNS = ["school_code", "class", "full_name", "pupil_number"]
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def _count(value: str, line: int, column: str, problems: list[Problem], *, low: int = 0, high: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        problems.append(Problem(line, column, _("“%(value)s” is not a whole number", value=value)))
        return 0
    if number < low or (high is not None and number > high):
        if high is None:
            message = _("must be at least %(low)d", low=low)
        else:
            message = _("must be between %(low)d and %(high)d", low=low, high=high)
        problems.append(Problem(line, column, message))
    return number


def _required(row: dict[str, str], columns: list[str], line: int, problems: list[Problem]) -> None:
    for column in columns:
        if not row.get(column):
            problems.append(Problem(line, column, _("is empty")))


def _code(row: dict[str, str], column: str, line: int, problems: list[Problem]) -> str:
    value = row.get(column, "")
    if value and not CODE_PATTERN.match(value):
        problems.append(Problem(line, column, _("codes use letters, digits, “.”, “-” and “_” only (at most 32)")))
    return value


def _consistent(seen: dict[str, tuple[int, str]], code: str, name: str, line: int, column: str, problems: list[Problem]) -> None:
    """The same code must carry the same name on every line of the file."""
    if code in seen and seen[code][1] != name:
        first_line, first_name = seen[code]
        problems.append(
            Problem(line, column, _("“%(name)s” differs from “%(first)s” on line %(first_line)d for the same code",
                                    name=name, first=first_name, first_line=first_line))
        )
    seen.setdefault(code, (line, name))


def _check_org_scope(user: CurrentUser | None, province_code: str, district: District | None, district_code: str,
                     user_province_code: str | None, line: int, problems: list[Problem]) -> None:
    if user is None:
        return  # the command line has every right
    if user.role is not Role.ORGANISER:
        problems.append(Problem(line, None, _("only organisers import the organisation tree")))
    elif user.district_id is not None and (district is None or district.id != user.district_id):
        problems.append(Problem(line, "district_code", _("district %(code)s is outside your district", code=district_code)))
    elif user_province_code is not None and province_code != user_province_code:
        problems.append(Problem(line, "province_code", _("province %(code)s is outside your province", code=province_code)))


async def import_org_tree(db: AsyncSession, data: bytes, *, user: CurrentUser | None = None,
                          dry_run: bool = False) -> ImportReport:
    rows = read_csv(data, ORG_COLUMNS)
    report = ImportReport(dry_run=dry_run)
    problems = report.problems
    provinces = {p.code: p for p in await db.scalars(select(Province))}
    districts = {d.code: d for d in await db.scalars(select(District))}
    schools = {s.code: s for s in await db.scalars(select(School))}
    user_province_code = None
    if user is not None and user.province_id is not None:
        user_province_code = next((p.code for p in provinces.values() if p.id == user.province_id), None)

    names: dict[str, dict[str, tuple[int, str]]] = {"province": {}, "district": {}, "school": {}}
    parents: dict[str, dict[str, tuple[int, str]]] = {"district": {}, "school": {}}
    classes_seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        _required(row, ORG_COLUMNS[:6], line, problems)
        province_code = _code(row, "province_code", line, problems)
        district_code = _code(row, "district_code", line, problems)
        school_code = _code(row, "school_code", line, problems)
        _consistent(names["province"], province_code, row["province_name"], line, "province_name", problems)
        _consistent(names["district"], district_code, row["district_name"], line, "district_name", problems)
        _consistent(names["school"], school_code, row["school_name"], line, "school_name", problems)
        _consistent(parents["district"], district_code, province_code, line, "province_code", problems)
        _consistent(parents["school"], school_code, district_code, line, "district_code", problems)
        if row.get("school_enrolment"):
            _count(row["school_enrolment"], line, "school_enrolment", problems)
        if row.get("class_name"):
            _count(row.get("grade", ""), line, "grade", problems, low=1, high=12)
            if row.get("class_enrolment"):
                _count(row["class_enrolment"], line, "class_enrolment", problems)
            key = (school_code, row["class_name"])
            if key in classes_seen:
                problems.append(Problem(line, "class_name", _("class %(name)s of school %(school)s is already on line %(first)d",
                                                              name=row["class_name"], school=school_code, first=classes_seen[key])))
            classes_seen.setdefault(key, line)
        _check_org_scope(user, province_code, districts.get(district_code), district_code, user_province_code, line, problems)
    if problems:
        raise ImportFailed(report)

    try:
        for _line, row in rows:
            province = provinces.get(row["province_code"])
            if province is None:
                province = provinces[row["province_code"]] = Province(code=row["province_code"], name=row["province_name"])
                db.add(province)
                report.count_created("provinces")
            elif province.name != row["province_name"]:
                province.name = row["province_name"]
                report.count_updated("provinces")
            district = districts.get(row["district_code"])
            if district is None:
                district = districts[row["district_code"]] = District(
                    code=row["district_code"], name=row["district_name"], province=province)
                db.add(district)
                report.count_created("districts")
            elif (district.name, district.province_id) != (row["district_name"], province.id):
                district.name, district.province = row["district_name"], province
                report.count_updated("districts")
            school = schools.get(row["school_code"])
            enrolment = int(row["school_enrolment"] or 0)
            if school is None:
                school = schools[row["school_code"]] = School(code=row["school_code"], name=row["school_name"],
                                                              enrolment=enrolment, district=district)
                db.add(school)
                report.count_created("schools")
            elif (school.name, school.enrolment, school.district_id) != (row["school_name"], enrolment, district.id):
                school.name, school.enrolment, school.district = row["school_name"], enrolment, district
                report.count_updated("schools")
            if row.get("class_name"):
                await db.flush()
                await _upsert_class(db, school, row, report)
        await db.flush()
    except BaseException:
        await db.rollback()
        raise
    await (db.rollback() if dry_run else db.commit())
    return report


async def _upsert_class(db: AsyncSession, school: School, row: dict[str, str], report: ImportReport) -> None:
    grade, enrolment = int(row["grade"]), int(row.get("class_enrolment") or 0)
    existing = await db.scalar(select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == row["class_name"]))
    if existing is None:
        db.add(SchoolClass(school=school, name=row["class_name"], grade=grade, enrolment=enrolment))
        report.count_created("classes")
    elif (existing.grade, existing.enrolment) != (grade, enrolment):
        existing.grade, existing.enrolment = grade, enrolment
        report.count_updated("classes")


def pupil_username(school_code: str, pupil_number: str) -> str:
    """Stable, typeable login names: school code and pupil number, ASCII lower case."""
    raw = f"{school_code}-{pupil_number}"
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9._-]", "", ascii_only.lower())[:64]


async def import_pupils(db: AsyncSession, data: bytes, *, user: CurrentUser | None = None,
                        dry_run: bool = False) -> ImportReport:
    rows = read_csv(data, PUPIL_COLUMNS)
    report = ImportReport(dry_run=dry_run)
    problems = report.problems
    school_query = select(School) if user is None else schools_query(user)
    schools = {s.code: s for s in await db.scalars(school_query)}
    classes = {(c.school_id, c.name): c for c in await db.scalars(select(SchoolClass))}
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        _required(row, PUPIL_COLUMNS, line, problems)
        school = schools.get(row["school_code"])
        if row["school_code"] and school is None:
            problems.append(Problem(line, "school_code", _("no school with code %(code)s in your scope", code=row["school_code"])))
        elif school is not None and row["class"] and (school.id, row["class"]) not in classes:
            problems.append(Problem(line, "class", _("school %(school)s has no class %(name)s; import the organisation tree first",
                                                     school=row["school_code"], name=row["class"])))
        key = (row["school_code"], row["pupil_number"])
        if row["pupil_number"] and key in seen:
            problems.append(Problem(line, "pupil_number", _("pupil number %(number)s is already on line %(first)d",
                                                            number=row["pupil_number"], first=seen[key])))
        seen.setdefault(key, line)
        if len(row["full_name"]) > 200:
            problems.append(Problem(line, "full_name", _("is longer than %(max)d characters", max=200)))
    if problems:
        raise ImportFailed(report)

    existing = {
        (u.school_id, u.pupil_number): u
        for u in await db.scalars(select(User).where(User.role == Role.PUPIL, User.school_id.in_([s.id for s in schools.values()])))
    }
    try:
        for _line, row in rows:
            school = schools[row["school_code"]]
            school_class = classes[(school.id, row["class"])]
            pupil = existing.get((school.id, row["pupil_number"]))
            if pupil is None:
                db.add(User(username=pupil_username(school.code, row["pupil_number"]), full_name=row["full_name"],
                            role=Role.PUPIL, school_id=school.id, class_id=school_class.id, pupil_number=row["pupil_number"]))
                report.count_created("pupils")
            elif (pupil.full_name, pupil.class_id) != (row["full_name"], school_class.id):
                pupil.full_name, pupil.class_id = row["full_name"], school_class.id
                report.count_updated("pupils")
        await db.flush()
    except BaseException:
        await db.rollback()
        raise
    await (db.rollback() if dry_run else db.commit())
    return report
