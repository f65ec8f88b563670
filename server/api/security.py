"""Security headers on every response the service sends, chosen in this one place; and CORS kept shut.

One after_request hook covers the API's JSON and streams, every error (the one error handler's answers pass
through it too), the pages, the manifests and the static files. What each kind of response gets:

- the Office pages (the task pane and its sign-in dialog, which Office frames): a policy that loads Office.js,
  lets MSAL.js reach the Entra authority, and may be framed by the Office hosts of this deployment's cloud
  (server/api/office_hosts.py);
- /admin: its own scripts, the authority in Entra mode (MSAL.js by redirect), never framed;
- every other page (preview, help, privacy, terms): this origin only, never framed;
- everything else (JSON, server-sent events, manifests, icons, scripts, styles): `default-src 'none'` and never
  framed: none of it is a document to render.

No X-Frame-Options anywhere: it cannot name several origins, so it would break Office's framing, and every
browser Office runs in honours frame-ancestors. No Access-Control-Allow-* ever: the pane and the admin page call
their own origin, so no other web site is given a response to read; a CORS preflight is refused outright.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import request

from server.api.office_hosts import office_frame_ancestors
from server.config import is_loopback_host
from server.errors import Forbidden

log = logging.getLogger(__name__)

OFFICE_PAGES = frozenset({"/addin/taskpane.html", "/addin/signin.html"})
# The new Outlook has been seen framing the add-in's bare origin before its page (a console error naming
# "https://<host>/"): "/" is only a JSON 404, so it may be framed by the Office hosts too.
OFFICE_FRAMED = OFFICE_PAGES | {"/"}
ADMIN_PAGE = "/admin"
ICONS = "/manifest/icons/"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
# Office.js from Microsoft's CDN (required: add-ins may not bundle it), under its long-standing name and the
# cloud.microsoft name Microsoft's documentation now gives it (the old one may redirect there). Outlook's
# Office.js loads MicrosoftAjax.js from ajax.aspnetcdn.com and does not start without it (OfficeDev/office-js
# issues 4131, 6430), so that one file is allowed too.
OFFICE_JS_SOURCES = ("https://appsforoffice.microsoft.com", "https://officeapis.public.onecdn.static.microsoft",
                     "https://ajax.aspnetcdn.com/ajax/3.5/MicrosoftAjax.js")
HSTS = "max-age=31536000; includeSubDomains"
# Every response; nosniff stops a browser from reading a JSON body or an upload's echo as HTML or script.
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
CROSS_ORIGIN_CALL = ("This service does not answer calls from other web sites: Drafter's task pane and admin "
                     "page call it from its own address.")


@dataclass(frozen=True)
class Policies:
    """The Content-Security-Policy of each kind of response, built once from the configuration."""

    office_page: str
    admin_page: str
    page: str
    other: str
    hsts: bool


def _origin(url: str) -> str:
    parts = urlsplit(url or DEFAULT_AUTHORITY)
    return f"{parts.scheme}://{parts.netloc}"


def build_policies(config) -> Policies:
    authority = _origin(config.get("AUTHORITY_HOST") or DEFAULT_AUTHORITY)
    ancestors = office_frame_ancestors(authority, config.get("EXTRA_FRAME_ANCESTORS") or ())
    common = "style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'"
    # frame-src: MSAL.js may renew a token in a hidden iframe of the authority (the pane's fallback path).
    office_page = (f"default-src 'self'; script-src 'self' {' '.join(OFFICE_JS_SOURCES)}; {common}; "
                   f"connect-src 'self' {authority}; frame-src 'self' {authority}; form-action 'self'; "
                   f"frame-ancestors {' '.join(ancestors)}")
    admin_connect = f"'self' {authority}" if config["AUTH_MODE"] == "entra" else "'self'"
    admin_page = (f"default-src 'self'; script-src 'self'; {common}; connect-src {admin_connect}; frame-src 'none'; "
                  "form-action 'self'; frame-ancestors 'none'")
    page = (f"default-src 'self'; script-src 'self'; {common}; connect-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'")
    public = urlsplit(config["PUBLIC_URL"])
    # HSTS only for a real https host: browsers pin a host for every port, so on localhost it would force
    # https onto every other local development server for a year.
    hsts = public.scheme == "https" and not is_loopback_host(public.hostname)
    return Policies(office_page, admin_page, page, "default-src 'none'; frame-ancestors 'none'", hsts)


def refuse_cross_origin_preflight() -> None:
    """App before_request: a CORS preflight is a browser asking whether another site may call; the answer is no
    (403, before authentication, so no 401 hints at what the endpoint would do)."""
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        log.info("refused a cross-origin preflight from %s", request.headers.get("Origin", "-")[:200])
        raise Forbidden(CROSS_ORIGIN_CALL)


def _policy_for(policies: Policies, path: str, mimetype: str) -> str:
    if path in OFFICE_FRAMED:  # whatever the answer: Office frames these addresses, an error page included
        return policies.office_page
    if mimetype != "text/html":
        return policies.other
    return policies.admin_page if path == ADMIN_PAGE else policies.page


def _resource_policy(path: str) -> str:
    # Office frames its pages and shows the manifests' icons in its own pages: those may be loaded from other
    # origins (a host that sets COEP needs this to embed them); nothing else may.
    return "cross-origin" if path in OFFICE_FRAMED or path.startswith(ICONS) else "same-origin"


def init_app(app) -> None:
    policies = build_policies(app.config)

    def add_security_headers(response):
        path = request.path
        headers = response.headers
        for name in [name for name in headers.keys() if name.lower().startswith("access-control-")]:
            del headers[name]  # whatever added it, no other origin is ever granted a response
        headers.remove("X-Frame-Options")
        headers["Content-Security-Policy"] = _policy_for(policies, path, response.mimetype or "")
        headers.update(ALWAYS)
        headers["Cross-Origin-Resource-Policy"] = _resource_policy(path)
        # COOP cuts a page off from the window that opened it: Office's dialog API answers the pane through
        # that link (messageParent) and the pane is always framed, so the Office pages go without it.
        if path not in OFFICE_FRAMED:
            headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if policies.hsts:
            headers["Strict-Transport-Security"] = HSTS
        return response

    app.before_request(refuse_cross_origin_preflight)
    app.after_request(add_security_headers)
