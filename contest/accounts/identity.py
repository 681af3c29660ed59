"""Who is asking: the signed-in user as kept in the session, and the guards built on it."""

from __future__ import annotations

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from contest.accounts.models import Role, User


class CurrentUser(msgspec.Struct, frozen=True):
    """A snapshot of the account taken at login, so no request needs the database to know who asks."""

    id: int
    username: str
    full_name: str
    role: Role
    province_id: int | None = None
    district_id: int | None = None
    school_id: int | None = None
    class_id: int | None = None
    can_review: bool = False

    @classmethod
    def of(cls, user: User) -> CurrentUser:
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            role=user.role,
            province_id=user.province_id,
            district_id=user.district_id,
            school_id=user.school_id,
            class_id=user.class_id,
            can_review=user.can_review,
        )

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ORGANISER, Role.TEACHER)


def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.user is None:
        raise NotAuthorizedException()


def requires_role(*roles: Role):
    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        requires_login(connection, handler)
        if connection.user.role not in roles:
            raise PermissionDeniedException()

    guard.__name__ = "requires_" + "_or_".join(role.value for role in roles)
    return guard


requires_organiser = requires_role(Role.ORGANISER)
requires_teacher = requires_role(Role.TEACHER)
requires_staff = requires_role(Role.ORGANISER, Role.TEACHER)
requires_pupil = requires_role(Role.PUPIL)
