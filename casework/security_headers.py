"""Security headers on every response: pages, API, static files, errors, /healthz.

The Content-Security-Policy allows only what the app serves itself: no inline script or
style, no handler attributes, no `javascript:` URLs, no other origin (there is no CDN: see
DESIGN.md), no plugins, no framing. Templates keep to it (tests/integration/
test_security_headers.py parses every main page of every role to prove it); behaviour
lives in casework/static/js/app.js and looks in casework/static/css/app.css.
Strict-Transport-Security is sent only in production (SECURITY_HSTS), where the app is
served over HTTPS: sent over plain HTTP during development it would lock the browser out
of a local server for a year.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Bootstrap's own CSS draws select arrows, check marks and radio dots as data: SVG
        # images; a data: image cannot run script, so allowing it keeps the policy strict.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SECURITY_HSTS"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not _is_static_file():
        # Pages and API answers hold personal data: no browser or proxy keeps a copy.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _is_static_file() -> bool:
    return request.endpoint in {"static", "bootstrap.static"}
