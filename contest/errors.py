"""Errors whose message is meant for the person who made the request."""

from __future__ import annotations

from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_400_BAD_REQUEST


class Refused(HTTPException):
    """The request cannot be done; `detail` (already translated) says why and is shown to the user."""

    status_code = HTTP_400_BAD_REQUEST
    expose = True
