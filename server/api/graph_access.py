"""Microsoft Graph as the caller: their own bearer token is the on-behalf-of assertion.

The assertion is read from the request's Authorization header (already validated by `authenticate`) and
goes only to MSAL; the Graph token that comes back stays in this process (and the encrypted shared cache).
Neither is logged, returned or kept on `g`.
"""
from __future__ import annotations

import logging

from flask import current_app, g, request

from server.assist.schemas import MAX_FILE_BYTES
from server.assist.sources import FetchDocument
from server.errors import InteractionRequired, InvalidRequest, RateLimited, UpstreamError, UpstreamTimeout

log = logging.getLogger(__name__)

PROFILE_SCOPE = "User.Read"
FILES_SCOPE = "Files.Read.All"  # the shares API needs it (or Sites.Read.All) for links to others' files
DEV_MODE_LINKS = ("Links to SharePoint or OneDrive files need Entra ID sign-in, which this service (in dev mode) "
                  "does not have; send the file's content instead.")
NO_CREDENTIAL_LINKS = ("This service is not set up to read SharePoint or OneDrive links (it has no Entra client "
                       "credential); send the file's content instead.")


def _assertion() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _graph_caller(scope: str):
    """call(read) -> read(the caller's Graph token for `scope`), bound now so it also works off the request.

    A claims challenge from Graph (the token was revoked under continuous access evaluation) reaches the
    pane as 401 interaction_required, and the on-behalf-of client forgets the refused token so that the
    user's next call, after signing in again, gets a new one."""
    obo = current_app.extensions["drafter.obo"].client
    if obo is None:
        return None
    principal, assertion = g.principal, _assertion()
    full_scope = f"{current_app.config['GRAPH_URL']}/{scope}"

    def call(read):
        token = obo.acquire_for(principal.tenant_id, principal.object_id, assertion, [full_scope])
        try:
            return read(token)
        except InteractionRequired as exc:
            obo.challenged(principal.tenant_id, principal.object_id, exc.claims)
            raise
    return call


def caller_profile() -> dict:
    """{display_name, job_title, profile_source}: from Graph when it can be asked, else from the token."""
    principal = g.principal
    fallback = {"display_name": principal.name, "job_title": None, "profile_source": "token"}
    as_caller = _graph_caller(PROFILE_SCOPE)
    if as_caller is None:
        return fallback  # dev mode, or no client credential: no outbound call at all
    graph = current_app.extensions["drafter.graph"]
    profile = graph.profiles.get(principal.user_key)
    if profile is None:
        try:
            profile = as_caller(graph.client.me)
        except (UpstreamError, UpstreamTimeout, RateLimited) as exc:
            # The pane still needs who the caller is; the title can wait for the next call
            log.warning("no Graph profile for this caller: %s", exc.code)
            return fallback
        graph.profiles.put(principal.user_key, profile)
    return {"display_name": profile.get("displayName") or principal.name, "job_title": profile.get("jobTitle"),
            "profile_source": "graph"}


def links_readable() -> bool:
    """Whether this deployment can read `document: {url}` links (else document_fetcher refuses them)."""
    return current_app.config["AUTH_MODE"] != "dev" and current_app.extensions["drafter.obo"].client is not None


def document_fetcher() -> FetchDocument:
    """fetch_document(url) -> (filename, bytes) with the caller's own rights, for `document: {url}`."""
    if current_app.config["AUTH_MODE"] == "dev":
        return _refuse(DEV_MODE_LINKS)
    as_caller = _graph_caller(FILES_SCOPE)
    if as_caller is None:
        return _refuse(NO_CREDENTIAL_LINKS)
    client = current_app.extensions["drafter.graph"].client

    def fetch(url: str) -> tuple[str, bytes]:
        return as_caller(lambda token: client.shared_file(token, url, MAX_FILE_BYTES))
    return fetch


def _refuse(message: str) -> FetchDocument:
    def refuse(_url: str) -> tuple[str, bytes]:
        raise InvalidRequest(message, field="document.url")
    return refuse
