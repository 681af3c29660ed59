from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base


class Province(Base):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    districts: Mapped[list[District]] = relationship(back_populates="province", order_by="District.name")


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    province: Mapped[Province] = relationship(back_populates="districts")
    schools: Mapped[list[School]] = relationship(back_populates="district", order_by="School.name")


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Pupils enrolled, for participation rates (played ÷ enrolled).
    enrolment: Mapped[int] = mapped_column(default=0)

    district: Mapped[District] = relationship(back_populates="schools")
    classes: Mapped[list[SchoolClass]] = relationship(
        back_populates="school", order_by="(SchoolClass.grade, SchoolClass.name)"
    )

    __table_args__ = (CheckConstraint("enrolment >= 0", name="enrolment_not_negative"),)


class SchoolClass(Base):
    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int]
    enrolment: Mapped[int] = mapped_column(default=0)

    school: Mapped[School] = relationship(back_populates="classes")

    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint("grade BETWEEN 1 AND 12", name="grade_range"),
        CheckConstraint("enrolment >= 0", name="enrolment_not_negative"),
    )
