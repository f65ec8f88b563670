"""FakeGraph: the slice of Microsoft Graph Drafter reads, over HTTPS on loopback (trustme CA, like FakeEntra).

    with FakeGraph(entra) as graph:
        graph.url                              # https://127.0.0.1:PORT (Drafter's DRAFTER_GRAPH_URL)
        graph.add_user(oid, displayName=..., jobTitle=...)
        link = graph.add_file("Budget.docx", data, readers={oid})   # a sharing link to it
        graph.fail_next("/me", 429, retry_after=7)
        graph.revoke_sessions(oid)             # continuous access evaluation: tokens seen so far now refused

Every call needs a bearer token that FakeEntra issued for this Graph (aud = graph.url), with the permission the
call needs in `scp` (User.Read for /me; Files.Read.All or Sites.Read.All for the shares API); the answer is the
token's own user's (oid). Served: GET /v1.0/me, /v1.0/shares/{u!base64url}/driveItem and .../driveItem/content,
which answers 302 to a pre-authenticated download URL (served here too, refusing any Authorization header, as
a token has no business travelling there). Errors have Graph's shape: {"error": {"code", "message",
"innerError": {"date", "request-id", "client-request-id"}}}, 429 with Retry-After.
"""
from __future__ import annotations

import base64
import json
import secrets
import shutil
import ssl
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt
import trustme

from tests.fakes.entra import FakeEntra
from tests.fakes.tls_server import TLSServer

FILE_SCOPES = {"Files.Read.All", "Sites.Read.All"}


def sharing_link(name: str) -> str:
    return f"https://contoso.sharepoint.com/:w:/s/Finance/{secrets.token_urlsafe(16)}?e={name[:6]}"


def claims_challenge_claims(not_before: int) -> str:
    """The claims a CAE challenge asks for: an access token issued no earlier than `not_before`."""
    return json.dumps({"access_token": {"nbf": {"essential": True, "value": str(not_before)}}},
                      separators=(",", ":"))


def _claims_challenge(not_before: int) -> str:
    """Graph's WWW-Authenticate for a claims challenge (the CAE documentation's shape; claims in base64)."""
    claims = base64.b64encode(claims_challenge_claims(not_before).encode()).decode()
    return ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
            f'error="insufficient_claims", claims="{claims}"')


def encode_link(url: str) -> str:
    return "u!" + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


class FakeGraph:
    def __init__(self, entra: FakeEntra):
        self.entra = entra
        self.users: dict[str, dict] = {}  # oid -> profile
        self.files: dict[str, dict] = {}  # share id -> {name, data, readers (oids, None: everyone), size}
        self.requests: list[dict] = []  # {path, user (oid), authorization (bool)}
        self._downloads: dict[str, str] = {}  # download key -> share id
        self._failures: dict[str, list[tuple[int, int | None]]] = {}
        self._seen_tokens: dict[str, set[str]] = {}  # oid -> uti of every token presented for that user
        self._revoked: dict[str, tuple[set[str], int]] = {}  # oid -> (utis refused, when the session ended)
        self._lock = threading.Lock()
        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")
        self._dir: Path | None = None
        self._server: TLSServer | None = None

    # -- scripting --

    def add_user(self, oid: str, **profile) -> None:
        self.users[oid] = {"id": oid, "displayName": "", "jobTitle": None, "mail": None,
                           "userPrincipalName": "", "officeLocation": None, "department": None, **profile}

    def add_file(self, name: str, data: bytes, *, readers: set[str] | None = None, reported_size: int | None = None,
                 folder: bool = False, chunked: bool = False, served_directly: bool = False,
                 cut_short: bool = False) -> str:
        """A file behind a new sharing link; `reported_size` lies about its size, `chunked` hides its length,
        `served_directly` answers .../content with the bytes instead of a redirect, `cut_short` drops the
        download's connection halfway through."""
        link = sharing_link(name)
        self.files[encode_link(link)] = {"name": name, "data": data, "readers": readers, "folder": folder,
                                         "chunked": chunked, "served_directly": served_directly,
                                         "cut_short": cut_short,
                                         "size": len(data) if reported_size is None else reported_size}
        return link

    def fail_next(self, path_kind: str, status: int, *, retry_after: int | None = None) -> None:
        """path_kind: "/me", "driveItem", "content" or "download"; status 200 answers an HTML page instead of
        JSON (what a proxy's sign-in page looks like to a client), 401 a claims challenge."""
        with self._lock:
            self._failures.setdefault(path_kind, []).append((status, retry_after))

    def revoke_sessions(self, oid: str) -> None:
        """The user's sessions end (password reset, account disabled, risk): as Graph does under continuous
        access evaluation, every token it has seen for them is refused from now on with a claims challenge
        asking for a token issued after this moment; a token issued later is accepted."""
        with self._lock:
            self._revoked[oid] = (set(self._seen_tokens.get(oid, ())), int(datetime.now(UTC).timestamp()))

    def _take_failure(self, path_kind: str) -> tuple[int, int | None] | None:
        with self._lock:
            queue = self._failures.get(path_kind)
            return queue.pop(0) if queue else None

    # -- lifecycle --

    def start(self) -> FakeGraph:
        self._dir = Path(tempfile.mkdtemp(prefix="fake-graph-"))
        self._ca.cert_pem.write_to_path(str(self._dir / "ca.pem"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        self._server = TLSServer(_Handler, context, self).start(name="fake-graph")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeGraph is not started"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def ca_path(self) -> str:
        assert self._dir is not None, "FakeGraph is not started"
        return str(self._dir / "ca.pem")



class _GraphError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after
        self.headers = headers or {}


_STATUS_CODES = {401: "InvalidAuthenticationToken", 403: "accessDenied", 404: "itemNotFound",
                 429: "activityLimitReached", 500: "generalException", 503: "serviceNotAvailable"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeGraph/1.0"
    server: TLSServer

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's signature
        """Quiet."""

    @property
    def fake(self) -> FakeGraph:
        return self.server.fake

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        path = unquote(target.path)
        try:
            if path.startswith("/download/"):
                return self._download(path.removeprefix("/download/"))
            if path == "/v1.0/me":
                user = self._caller({"User.Read"}, "/me")
                profile = self.fake.users.get(user)
                if profile is None:
                    raise _GraphError(404, "Request_ResourceNotFound", f"Resource '{user}' does not exist.")
                select = dict(parse_qsl(target.query)).get("$select")
                fields = select.split(",") if select else list(profile)
                return self._json(200, {"@odata.context": f"{self.fake.url}/v1.0/$metadata#users/$entity",
                                        **{k: profile.get(k) for k in fields}})
            parts = path.split("/")
            if len(parts) >= 5 and parts[1:3] == ["v1.0", "shares"] and parts[4] == "driveItem":
                content = parts[5:] == ["content"]
                if len(parts) > 6 or (len(parts) == 6 and not content):
                    raise _GraphError(400, "BadRequest", "Unsupported segment.")
                kind = "content" if content else "driveItem"
                user = self._caller(FILE_SCOPES, kind)
                share = self.fake.files.get(parts[3])
                if share is None:
                    raise _GraphError(404, "itemNotFound", "The sharing link no longer exists, or you do not "
                                                           "have permission to access it.")
                if share["readers"] is not None and user not in share["readers"]:
                    raise _GraphError(403, "accessDenied", "Access denied")
                if content and share["served_directly"]:
                    return self._bytes(share)
                if content:
                    key = secrets.token_urlsafe(16)
                    with self.fake._lock:
                        self.fake._downloads[key] = parts[3]
                    return self._redirect(f"{self.fake.url}/download/{key}?tempauth=fake")
                item = {"id": uuid.uuid5(uuid.NAMESPACE_URL, parts[3]).hex, "name": share["name"],
                        "size": share["size"]}
                item["folder" if share["folder"] else "file"] = {"childCount": 0} if share["folder"] else {
                    "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
                return self._json(200, item)
            raise _GraphError(400, "BadRequest", f"Resource not found for the segment '{parts[-1]}'.")
        except _GraphError as error:
            return self._error(error)

    def _caller(self, needed: set[str], path_kind: str) -> str:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        oid = ""
        if scheme == "Bearer" and token:
            try:
                claims = self.fake.entra.decode(token, audience=self.fake.url)
            except jwt.PyJWTError as exc:
                raise _GraphError(401, "InvalidAuthenticationToken", f"Access token validation failure "
                                  f"({type(exc).__name__}).") from None
            oid = str(claims.get("oid", ""))
            if not set(str(claims.get("scp", "")).split()) & needed:
                raise _GraphError(403, "Authorization_RequestDenied",
                                  "Insufficient privileges to complete the operation.")
        with self.fake._lock:
            self.fake.requests.append({"path": path_kind, "user": oid, "authorization": bool(header)})
            revoked = None
            if oid:
                uti = str(claims.get("uti", ""))
                self.fake._seen_tokens.setdefault(oid, set()).add(uti)
                refused, since = self.fake._revoked.get(oid, (set(), 0))
                revoked = since if uti in refused else None
        if not oid:
            raise _GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        if revoked is not None:
            raise _GraphError(401, "InvalidAuthenticationToken", "Continuous access evaluation resulted in "
                              "challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocation",
                              None, {"WWW-Authenticate": _claims_challenge(revoked)})
        failure = self.fake._take_failure(path_kind)
        if failure:
            status, retry_after = failure
            if status == 200:
                raise _GraphError(200, "html", "<html><body>Sign in to continue</body></html>")
            headers = {}
            if status == 401:  # continuous access evaluation: a claims challenge
                headers["WWW-Authenticate"] = _claims_challenge(1700000000)
            raise _GraphError(status, _STATUS_CODES.get(status, "generalException"), "Scripted failure.",
                              retry_after, headers)
        return oid

    def _download(self, key: str) -> None:
        with self.fake._lock:
            share_id = self.fake._downloads.get(key)
            self.fake.requests.append({"path": "download", "user": "",
                                       "authorization": "Authorization" in self.headers})
        if share_id is None:
            raise _GraphError(404, "itemNotFound", "The download URL has expired.")
        if "Authorization" in self.headers:
            raise _GraphError(400, "invalidRequest", "A pre-authenticated download URL takes no credentials.")
        failure = self.fake._take_failure("download")
        if failure:
            raise _GraphError(failure[0], _STATUS_CODES.get(failure[0], "generalException"), "Scripted failure.")
        self._bytes(self.fake.files[share_id])

    def _bytes(self, share: dict) -> None:
        data = share["data"]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if share["cut_short"]:  # promise it all, send half, hang up
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if not share["chunked"]:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for start in range(0, len(data), 16_384):
                piece = data[start:start + 16_384]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the reader stopped at its cap and hung up
            self.close_connection = True

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _error(self, error: _GraphError) -> None:
        if error.code == "html":
            page = error.message.encode()
            self.send_response(error.status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        request_id = str(uuid.uuid4())
        body = {"error": {"code": error.code, "message": error.message, "innerError": {
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id,
            "client-request-id": request_id}}}
        headers = dict(error.headers)
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        self._json(error.status, body, headers)

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
