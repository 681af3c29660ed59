"""Certificates issued: what the public verification page confirms."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.db import Base, UTCDateTime, str_enum, utcnow


class Award(str, enum.Enum):
    FIRST = "first"  # the contest's first round, places 1 to 3
    SECOND = "second"
    THIRD = "third"
    PARTICIPATION = "participation"  # finished a round
    BEST_SCHOOL = "best_school"  # the best school of its district, as the schools' board ranks them


class Certificate(Base):
    """One certificate, issued once: printing it again prints the same code.

    The holder's name and school (for a school: its district) are copied at issue, so the certificate
    still verifies after the pupil changes school. Deleting a pupil (the right to erasure) deletes
    their certificates with them: the verification page then no longer knows the code."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, 80 bits: the only way to reach a verification page, so it cannot be guessed or walked.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    # Who it is for, "pupil:ID" or "school:ID": issuing again finds it and keeps the code.
    holder_key: Mapped[str] = mapped_column(String(32))
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    award: Mapped[Award] = mapped_column(str_enum(Award))
    holder_name: Mapped[str] = mapped_column(String(200))
    school_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("contest_id", "holder_key", "award"),)

    @property
    def for_school(self) -> bool:
        return self.holder_key.startswith("school:")


class CertificateTemplate(Base):
    """What a contest's certificates say beyond the award: who grants them and who signs."""

    __tablename__ = "certificate_templates"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    organiser_title: Mapped[str] = mapped_column(String(200), default="")  # e.g. "SỞ GIÁO DỤC VÀ ĐÀO TẠO …"
    signer_title: Mapped[str] = mapped_column(String(200), default="")  # e.g. "GIÁM ĐỐC"
    signer_name: Mapped[str] = mapped_column(String(200), default="")
