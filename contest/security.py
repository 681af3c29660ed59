"""Security headers on every response: pages, fragments, static files, errors and the API.

The Content Security Policy allows only the app's own scripts, styles, images and connections: no
inline script or style, no other host (no CDN, no analytics), no framing (clickjacking). HSTS is sent
only when the browser reached us over HTTPS, or when HOITHI_SECURE_COOKIES=1 says a proxy in front
of the app terminates TLS; over plain HTTP it would lock a school's LAN install out of its own server.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from contest.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",  # attempt tokens in our URLs never reach another site
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers too old to know it
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def security_headers(settings: Settings) -> BeforeMessageSendHookHandler:
    """A `before_send` hook: it sees every response the app sends, including errors raised before routing."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in HEADERS.items():
            headers[name] = value
        if settings.secure_cookies or scope.get("scheme") == "https":
            headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    return add_headers
