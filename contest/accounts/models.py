from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base, UTCDateTime, str_enum, utcnow
from contest.org.models import District, Province, School, SchoolClass


class Role(str, enum.Enum):
    ORGANISER = "organiser"  # a province or district department
    TEACHER = "teacher"  # one school
    PUPIL = "pupil"  # one class


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # Staff log in with a password, pupils with the code printed on their login card; both argon2 hashes.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    card_code_hash: Mapped[str | None] = mapped_column(String(200))
    # Scope: an organiser has a province or a district, a teacher a school, a pupil a class (and its school).
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    pupil_number: Mapped[str | None] = mapped_column(String(32))
    can_review: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    province: Mapped[Province | None] = relationship()
    district: Mapped[District | None] = relationship()
    school: Mapped[School | None] = relationship()
    school_class: Mapped[SchoolClass | None] = relationship()

    __table_args__ = (
        UniqueConstraint("school_id", "pupil_number"),
        CheckConstraint(
            "(role = 'organiser' AND (province_id IS NOT NULL OR district_id IS NOT NULL))"
            " OR (role = 'teacher' AND school_id IS NOT NULL)"
            " OR (role = 'pupil' AND class_id IS NOT NULL AND school_id IS NOT NULL)",
            name="role_has_scope",
        ),
    )
