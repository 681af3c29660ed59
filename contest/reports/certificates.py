"""Certificates: who earns one, issuing them once with an unguessable code, and printing them.

Awards are places 1 to 3 of the contest's first round across the whole contest (the ceremony's
places, contest/leaderboards/reveal.py), by each pupil's counted attempt, and the best school of each
district as the schools' board ranks them (the contest's unit ranking); every pupil who finished a
round gets a participation certificate. Certificates are issued once the contest has closed.
Each carries a QR code of its public verification page (/verify/CODE), which names the holder,
their school and the award, and nothing else.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import segno
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import User
from contest.contests.models import Contest
from contest.db import utcnow
from contest.i18n import current_locale, format_date, gettext as _, lazy
from contest.leaderboards.boards import RoundBoards
from contest.leaderboards.reading import MAX_LIMIT, rows
from contest.org.models import District, School
from contest.play.models import Attempt
from contest.play.ranks import counted_attempts, key_of
from contest.reports.models import Award, Certificate, CertificateTemplate
from contest.reports.pdf import FONT, Document
from contest.reports.results import rounds_of

PLACES = (Award.FIRST, Award.SECOND, Award.THIRD)
AWARD_NAMES = {Award.FIRST: lazy("First prize"), Award.SECOND: lazy("Second prize"), Award.THIRD: lazy("Third prize"),
               Award.PARTICIPATION: lazy("For taking part"), Award.BEST_SCHOOL: lazy("Best school of the district")}
# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """As printed (XXXX-XXXX-XXXX-XXXX), whatever the case, spaces or dashes typed."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def award_name(award: Award) -> str:
    return _(AWARD_NAMES[award])


def verification_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{code}"


def closed(contest: Contest) -> bool:
    return utcnow() >= contest.closes_at


@dataclass(frozen=True)
class Earned:
    holder_key: str  # "pupil:ID" or "school:ID"
    school_id: int
    award: Award

    @property
    def pupil_id(self) -> int | None:
        kind, _sep, holder = self.holder_key.partition(":")
        return int(holder) if kind == "pupil" else None


async def _best_schools(db: AsyncSession, redis: Redis, contest: Contest, round_id: int) -> list[Earned]:
    """The first school of each district on the first round's schools' board (read as the boards read it)."""
    boards, best, offset, total = RoundBoards(redis, contest.id, round_id), {}, 0, 1
    while offset < total:
        schools, total = await rows(db, boards, contest, "schools", None, offset, MAX_LIMIT)
        for school in schools:  # best first: the first met in a district is its best
            best.setdefault(school.unit, school.id)
        offset += MAX_LIMIT
    return [Earned(f"school:{school_id}", school_id, Award.BEST_SCHOOL) for school_id in best.values()]


async def earned(db: AsyncSession, redis: Redis, contest: Contest, school_id: int | None = None) -> list[Earned]:
    """What the contest's pupils and schools (of one school, if given) have earned: places, best schools,
    then participation."""
    rounds = await rounds_of(db, contest)
    if not rounds:
        return []
    first = list(await db.scalars(select(Attempt).where(Attempt.round_id == rounds[0].id, Attempt.finished_at.is_not(None))))
    podium = [a for a in sorted(counted_attempts(first, rounds[0].counting).values(), key=key_of) if a.score > 0][:len(PLACES)]
    result = [Earned(f"pupil:{a.pupil_id}", a.school_id, award) for a, award in zip(podium, PLACES)]
    result += await _best_schools(db, redis, contest, rounds[0].id)
    finished = select(Attempt.pupil_id, Attempt.school_id).where(Attempt.contest_id == contest.id,
                                                                 Attempt.finished_at.is_not(None)).distinct()
    played = {pupil: school for pupil, school in await db.execute(finished)}  # a pupil who moved: their last school
    result += [Earned(f"pupil:{pupil}", school, Award.PARTICIPATION) for pupil, school in sorted(played.items())]
    return [e for e in result if school_id is None or e.school_id == school_id]


async def issue(db: AsyncSession, contest: Contest, wanted: list[Earned]) -> list[Certificate]:
    """The certificates for `wanted`, issuing those not issued yet (printing again keeps their codes)."""
    existing = {(c.holder_key, c.award): c for c in await db.scalars(
        select(Certificate).where(Certificate.contest_id == contest.id,
                                  Certificate.holder_key.in_({e.holder_key for e in wanted})))}
    pupils = {i: name for i, name in await db.execute(select(User.id, User.full_name).where(
        User.id.in_({e.pupil_id for e in wanted if e.pupil_id is not None})))}
    schools = {i: (name, district) for i, name, district in await db.execute(
        select(School.id, School.name, District.name).join(District).where(School.id.in_({e.school_id for e in wanted})))}
    certificates = []
    for e in wanted:
        certificate = existing.get((e.holder_key, e.award))
        if certificate is None:
            school, district = schools.get(e.school_id, ("", ""))
            holder, unit = (pupils.get(e.pupil_id, ""), school) if e.pupil_id is not None else (school, district)
            certificate = Certificate(code=new_code(), contest_id=contest.id, holder_key=e.holder_key, pupil_id=e.pupil_id,
                                      school_id=e.school_id, award=e.award, holder_name=holder, school_name=unit,
                                      issued_at=utcnow())
            db.add(certificate)
        certificates.append(certificate)
    await db.commit()
    return certificates


async def template_of(db: AsyncSession, contest: Contest) -> CertificateTemplate:
    """The contest's template, or one naming the organising unit when none was saved."""
    saved = await db.get(CertificateTemplate, contest.id)
    if saved is not None:
        return saved
    owner = ""
    if contest.school_id:
        owner = await db.scalar(select(School.name).where(School.id == contest.school_id))
    elif contest.district_id:
        owner = await db.scalar(select(District.name).where(District.id == contest.district_id))
    return CertificateTemplate(contest_id=contest.id, organiser_title=owner or "", signer_title="", signer_name="")


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    buffer.seek(0)
    return buffer


def _page(pdf: Document, certificate: Certificate, contest: Contest, template: CertificateTemplate, base_url: str) -> None:
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)
    pdf.set_y(20)
    pdf.set_font(FONT, "B", 13)
    if template.organiser_title:
        pdf.multi_cell(width, 7, template.organiser_title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(FONT, "B", 30)
    pdf.cell(width, 16, _("CERTIFICATE"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 18)
    pdf.cell(width, 11, award_name(certificate.award), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font(FONT, "", 13)
    pdf.cell(width, 8, _("awarded to"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 24)
    pdf.cell(width, 14, certificate.holder_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 13)
    pdf.cell(width, 8, certificate.school_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(width, 7, _("in the contest “%(contest)s”", contest=contest.title(current_locale.get())), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    # Signature block, bottom right; verification, bottom left.
    signature_x, bottom = pdf.w / 2 + 20, pdf.h - 62
    pdf.set_xy(signature_x, bottom)
    pdf.set_font(FONT, "", 11)
    pdf.cell(pdf.w - signature_x - 20, 6, _("Issued on %(date)s", date=format_date(certificate.issued_at)),
             align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(pdf.w - signature_x - 20, 6, template.signer_title.upper() or _("For the organisers"), align="C",
             new_x="LEFT", new_y="NEXT")
    pdf.set_xy(signature_x, pdf.get_y() + 22)  # room for the signature and stamp
    pdf.cell(pdf.w - signature_x - 20, 6, template.signer_name, align="C")
    url = verification_url(base_url, certificate.code)
    pdf.image(_qr_png(url), x=20, y=bottom - 4, w=32, h=32)
    pdf.set_xy(56, bottom + 8)
    pdf.set_font(FONT, "", 9)
    pdf.cell(80, 5, _("Certificate code: %(code)s", code=certificate.code), new_x="LEFT", new_y="NEXT")
    pdf.cell(80, 5, _("Check it at:"), new_x="LEFT", new_y="NEXT")
    pdf.cell(80, 5, url)


def pages(certificates: list[Certificate], contest: Contest, template: CertificateTemplate,
          base_url: str) -> Iterator[Document | int]:
    """Draw the certificates one page at a time, yielding how many are done; the last item is the document.

    A generator, so that a batch can report its progress between pages."""
    pdf = Document("landscape", footer=False)
    pdf.set_title(_("Certificates") + " · " + contest.title(current_locale.get()))
    pdf.set_auto_page_break(False)
    for done, certificate in enumerate(certificates, start=1):
        _page(pdf, certificate, contest, template, base_url)
        yield done
    yield pdf


async def verified(db: AsyncSession, code: str) -> tuple[Certificate, Contest] | None:
    certificate = await db.scalar(select(Certificate).where(Certificate.code == normalise_code(code)))
    if certificate is None:
        return None
    return certificate, await db.get(Contest, certificate.contest_id)
