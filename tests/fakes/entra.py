"""FakeEntra: a small Entra ID (Azure AD) v2.0 token service over HTTPS on loopback, faithful to the protocol.

Serves what MSAL and token validators read: the tenant's OpenID configuration, the token endpoint (the
client-credentials grant for now: `grant_handlers` takes more, e.g. on-behalf-of), the JWKS (per tenant and
the multi-tenant /common one, each key with its `issuer` template, rotatable), and instance discovery.
Answers and errors have Entra's shapes, down to `AADSTS` codes, `error_codes`, `trace_id`,
`correlation_id`. Tokens are RS256 JWTs signed with a key whose public half the JWKS serves.

    with FakeEntra() as entra:
        entra.authority_host       # https://127.0.0.1:PORT (FakeEntra(host="localhost") for a second "cloud")
        entra.ca_path              # PEM of the CA that signed the server certificate (requests verify=)
        entra.token_requests       # how many tokens were asked for (MSAL caches: this stays low)
        entra.jwks_requests        # how many times the signing keys were fetched
        entra.user_token(aud)      # a v2 access token for a user, as Entra issues it to an API
        entra.rotate_keys()        # sign with a new key from now on; the JWKS publishes it

Tests of hostile tokens also get what an attacker could make: v1 tokens, tokens signed with a key the JWKS
does not publish or whose issuer template names another tenant, `alg: none`, HS256 keyed with the public key.

The TLS certificate comes from `trustme`, so clients verify it for real instead of turning verification off.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jwt
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.tls_server import TLSServer

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000cafe"
DEFAULT_CLIENT_ID = "0c5f3d2e-0000-4000-8000-0000000d12af"
DEFAULT_CLIENT_SECRET = "fake~secret.for-tests-only"
COGNITIVE_SERVICES = "https://cognitiveservices.azure.com"
OFFICE_CLIENT_ID = "ea5a67f6-b6f3-4338-b240-c655ddc3cc8e"  # Microsoft Office, the pre-authorized SSO client
TOKEN_LIFETIME = 3599

_TENANT_PATH = re.compile(r"^/(?P<tenant>[^/]+)/(?P<rest>.+)$")
_MULTI_TENANT = {"common", "organizations"}


@dataclass
class SigningKey:
    private: rsa.RSAPrivateKey
    issuer: str | None  # the JWK's issuer template; None: the service's own {authority}/{tenantid}/v2.0;
    # "": no issuer in the JWK at all (what a v1 or a third party's key set looks like)
    published: bool


class EntraError(Exception):
    """An answer in Entra's error shape: `error`, `error_description` starting with the AADSTS code, ..."""

    def __init__(self, status: int, error: str, code: int, description: str):
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description


class FakeEntra:
    def __init__(self, *, tenant_id: str = DEFAULT_TENANT, clients: dict[str, str] | None = None,
                 resources: set[str] | None = None, host: str = "127.0.0.1"):
        self.host = host  # the name in authority_host and issuers; the server always listens on 127.0.0.1
        self.tenant_id = tenant_id
        self.tenants = {tenant_id}
        self.clients: dict[str, str] = dict(clients or {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})
        self.certificates: dict[str, bytes] = {}  # client id -> PEM certificate accepted for client assertions
        self.resources: set[str] = set(resources or {COGNITIVE_SERVICES})
        self.token_requests = 0  # POSTs to any token endpoint
        self.tokens_issued = 0
        self.jwks_requests = 0  # GETs of any signing-key set
        self.jwks_failure: int | None = None  # answer key-set requests with this HTTP status instead
        self.requests: list[dict] = []  # {method, path, form}; client_secret is never kept
        self.grant_handlers: dict[str, Callable[[str, dict], dict]] = {
            "client_credentials": self._client_credentials,
        }
        self._keys: dict[str, SigningKey] = {}
        self._lock = threading.Lock()
        self.kid = self.add_key()  # the key tokens are signed with unless another kid is named
        self._ca = trustme.CA()
        self._server_cert = self._ca.issue_cert("127.0.0.1", "localhost")
        self._dir: Path | None = None
        self._server: TLSServer | None = None

    # -- lifecycle --

    def start(self) -> FakeEntra:
        self._dir = Path(tempfile.mkdtemp(prefix="fake-entra-"))
        self._ca.cert_pem.write_to_path(str(self._dir / "ca.pem"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(context)
        self._server = TLSServer(_Handler, context, self).start(name="fake-entra")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> FakeEntra:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def authority_host(self) -> str:
        assert self._server is not None, "FakeEntra is not started"
        return f"https://{self.host}:{self._server.server_address[1]}"

    @property
    def ca_path(self) -> str:
        assert self._dir is not None, "FakeEntra is not started"
        return str(self._dir / "ca.pem")

    def issuer(self, tenant: str) -> str:
        return f"{self.authority_host}/{tenant}/v2.0"

    # -- signing keys --

    def add_key(self, *, issuer: str | None = None, published: bool = True) -> str:
        """A new RSA key; `published=False` keeps it out of the JWKS (a stranger's key), `issuer` overrides
        the JWK's issuer template (e.g. a key that only signs for one other tenant). Returns its kid."""
        kid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")  # Entra's kids look like this
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with self._lock:
            self._keys[kid] = SigningKey(key, issuer, published)
        return kid

    def rotate_keys(self, *, retire_previous: bool = False) -> str:
        """Sign with a new, published key from now on (Entra publishes the next key before using it; with
        `retire_previous` the old one leaves the JWKS at once). Returns the new kid."""
        previous = self.kid
        self.kid = self.add_key()
        if retire_previous:
            with self._lock:
                self._keys[previous].published = False
        return self.kid

    def public_key_pem(self, kid: str | None = None) -> bytes:
        return self._keys[kid or self.kid].private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def jwks(self) -> dict:
        keys = []
        with self._lock:
            published = [(kid, k) for kid, k in self._keys.items() if k.published]
        for kid, key in published:
            jwk = RSAAlgorithm.to_jwk(key.private.public_key(), as_dict=True)
            entry = {"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid, "n": jwk["n"], "e": jwk["e"],
                     "issuer": key.issuer or f"{self.authority_host}/{{tenantid}}/v2.0"}
            if key.issuer == "":
                del entry["issuer"]
            keys.append(entry)
        return {"keys": keys}

    # -- tokens --

    def issue_token(self, claims: dict, *, lifetime: int = TOKEN_LIFETIME, kid: str | None = None,
                    headers: dict | None = None) -> str:
        """An RS256 JWT signed with key `kid` (default: the current one); `claims` are added to iat/nbf/exp
        and may override them; a claim given as None is left out."""
        now = int(time.time())
        kid = kid or self.kid
        with self._lock:
            self.tokens_issued += 1
            key = self._keys[kid].private
        payload = {k: v for k, v in {"iat": now, "nbf": now, "exp": now + lifetime, **claims}.items()
                   if v is not None}
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT", **(headers or {})})

    def user_claims(self, audience: str, *, tenant: str | None = None, user: str = "ada@agency.gov",
                    scopes: str = "access_as_user", roles: list[str] | None = None, **claims) -> dict:
        """The claims of a v2 access token Entra issues to an API (`audience`: its client id) for a user
        signed in through Office; `claims` override or (as None) remove any of them."""
        tenant = tenant or self.tenant_id
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{user}"))
        base = {
            "aud": audience, "iss": self.issuer(tenant), "tid": tenant, "oid": oid,
            "sub": hashlib.sha256(f"{oid}/{audience}".encode()).hexdigest()[:43],
            "azp": OFFICE_CLIENT_ID, "azpacr": "0", "name": user.split("@")[0].title(),
            "preferred_username": user, "scp": scopes, "ver": "2.0", "uti": uuid.uuid4().hex[:22],
            "rh": "0.fake.", "aio": "fake",
        }
        if roles is not None:
            base["roles"] = roles
        return {**base, **claims}

    def user_token(self, audience: str, *, kid: str | None = None, lifetime: int = TOKEN_LIFETIME, **kw) -> str:
        return self.issue_token(self.user_claims(audience, **kw), kid=kid, lifetime=lifetime)

    def v1_user_token(self, audience: str, *, tenant: str | None = None, user: str = "ada@agency.gov") -> str:
        """A v1.0 access token (an app registration left at requestedAccessTokenVersion null or 1)."""
        tenant = tenant or self.tenant_id
        return self.issue_token({
            "aud": audience, "iss": f"https://sts.windows.net/{tenant}/", "tid": tenant,
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{user}")), "appid": OFFICE_CLIENT_ID,
            "appidacr": "0", "upn": user, "unique_name": user, "scp": "access_as_user", "ver": "1.0"})

    def unsigned_token(self, claims: dict) -> str:
        """`alg: none`: no signature at all."""
        return jwt.encode(claims, None, algorithm="none", headers={"kid": self.kid})

    def hs256_with_public_key(self, claims: dict) -> str:
        """The classic confusion attack: HS256 keyed with the (public) RSA key's PEM."""
        def part(data: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': self.kid})}.{part(claims)}"
        mac = hmac.new(self.public_key_pem(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"

    def decode(self, token: str, *, audience: str) -> dict:
        """Verify a token this service issued (for fakes of the services that receive it)."""
        kid = jwt.get_unverified_header(token).get("kid", self.kid)
        return jwt.decode(token, self._keys[kid].private.public_key(), algorithms=["RS256"], audience=audience)

    def _client_credentials(self, tenant: str, form: dict) -> dict:
        client_id = form.get("client_id", "")
        self.check_client(tenant, form)
        scope = form.get("scope", "")
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise EntraError(400, "invalid_scope", 1002012, (
                f"AADSTS1002012: The provided value for scope {scope} is not valid. Client credential flows "
                "must have a scope value with /.default suffixed to the resource identifier (application ID URI)."))
        resource = scopes[0][: -len("/.default")]
        if resource not in self.resources:
            raise EntraError(400, "invalid_resource", 500011, (
                f"AADSTS500011: The resource principal named {resource} was not found in the tenant named "
                f"{tenant}. This can happen if the application has not been installed by the administrator of "
                "the tenant or consented to by any user in the tenant."))
        token = self.issue_token({
            "aud": resource, "iss": self.issuer(tenant), "tid": tenant, "azp": client_id, "azpacr": "1",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{client_id}")),
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{client_id}")),
            "idtyp": "app", "roles": [], "ver": "2.0", "uti": uuid.uuid4().hex[:22]})
        return {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
                "access_token": token}

    def check_client(self, tenant: str, form: dict) -> None:
        """The client's authentication, as the token endpoint checks it for every grant: a client secret, or a
        client assertion (RFC 7523) signed with a certificate registered in `certificates`."""
        client_id = form.get("client_id", "")
        if client_id not in self.clients and client_id not in self.certificates:
            raise EntraError(400, "unauthorized_client", 700016, (
                f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'. This can happen if the application has not been installed by the administrator "
                "of the tenant or consented to by any user in the tenant."))
        if form.get("client_assertion"):
            return self._check_client_assertion(tenant, client_id, form)
        secret = form.get("client_secret")
        if not secret:
            raise EntraError(401, "invalid_client", 7000218, (
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'."))
        if secret != self.clients.get(client_id):
            raise EntraError(401, "invalid_client", 7000215, (
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app '{client_id}'."))

    def _check_client_assertion(self, tenant: str, client_id: str, form: dict) -> None:
        unregistered = EntraError(401, "invalid_client", 700027, (
            "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered "
            "on application."))
        pem = self.certificates.get(client_id)
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE or pem is None:
            raise unregistered
        certificate = x509.load_pem_x509_certificate(pem)
        try:
            header = jwt.get_unverified_header(form["client_assertion"])
        except jwt.PyJWTError:
            raise unregistered from None
        if _thumbprint_bytes(header.get("x5t#S256", "")) != certificate.fingerprint(hashes.SHA256()):
            raise unregistered
        try:
            claims = jwt.decode(form["client_assertion"], certificate.public_key(), algorithms=["PS256", "RS256"],
                                audience=f"{self.authority_host}/{tenant}/oauth2/v2.0/token")
        except jwt.PyJWTError as exc:
            raise EntraError(401, "invalid_client", 700027, (
                f"AADSTS700027: Client assertion failed signature validation ({type(exc).__name__}).")) from None
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            raise EntraError(401, "invalid_client", 700023, (
                "AADSTS700023: Client assertion audience claim does not match Realm issuer."))


def _thumbprint_bytes(value: str) -> bytes:
    """x5t#S256 is base64url by RFC 7515; MSAL Python sends standard base64, which Entra accepts too."""
    try:
        return base64.b64decode(value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4))
    except ValueError:
        return b""



class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeEntra/1.0"
    server: TLSServer

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's signature
        """Quiet."""

    @property
    def fake(self) -> FakeEntra:
        return self.server.fake

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        query = dict(parse_qsl(target.query))
        self._record(target.path, {})
        if target.path == "/common/discovery/instance":
            return self._instance_discovery(query)
        match = _TENANT_PATH.match(target.path)
        if not match:
            return self._json(404, {"error": "not_found"})
        tenant, rest = match["tenant"], match["rest"]
        if tenant not in self.fake.tenants and tenant not in _MULTI_TENANT:
            return self._error(EntraError(400, "invalid_tenant", 90002, (
                f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud.")))
        if rest == "v2.0/.well-known/openid-configuration":
            return self._json(200, self._openid_configuration(tenant))
        if rest == "discovery/v2.0/keys":
            return self._keys()
        return self._json(404, {"error": "not_found"})

    def _keys(self) -> None:
        with self.fake._lock:
            self.fake.jwks_requests += 1
        if self.fake.jwks_failure is not None:
            return self._json(self.fake.jwks_failure, {"error": "temporarily_unavailable"})
        return self._json(200, self.fake.jwks())

    def do_POST(self) -> None:
        target = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"))) if length else {}
        self._record(target.path, form)
        match = _TENANT_PATH.match(target.path)
        if not match or match["rest"] != "oauth2/v2.0/token":
            return self._json(404, {"error": "not_found"})
        with self.fake._lock:
            self.fake.token_requests += 1
        tenant = match["tenant"]
        try:
            if tenant not in self.fake.tenants:
                raise EntraError(400, "invalid_tenant", 90002, f"AADSTS90002: Tenant '{tenant}' not found.")
            grant = form.get("grant_type", "")
            handler = self.fake.grant_handlers.get(grant)
            if handler is None:
                raise EntraError(400, "unsupported_grant_type", 70003, (
                    f"AADSTS70003: The app requested an unsupported grant type '{grant}'."))
            return self._json(200, handler(tenant, form))
        except EntraError as error:
            return self._error(error)

    def _record(self, path: str, form: dict) -> None:
        kept = {k: v for k, v in form.items() if k != "client_secret"}
        with self.fake._lock:
            self.fake.requests.append({"method": self.command, "path": path, "form": kept})

    def _openid_configuration(self, tenant: str) -> dict:
        base = f"{self.fake.authority_host}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": self.fake.issuer("{tenantid}" if tenant in _MULTI_TENANT else tenant),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.fake.authority_host}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "azp", "roles", "scp"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }

    def _instance_discovery(self, query: dict) -> None:
        endpoint = urlsplit(query.get("authorization_endpoint", ""))
        tenant = endpoint.path.strip("/").split("/")[0] if endpoint.path.strip("/") else "common"
        host = urlsplit(self.fake.authority_host).netloc
        self._json(200, {
            "tenant_discovery_endpoint": f"{self.fake.authority_host}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}]})

    def _error(self, error: EntraError) -> None:
        now = datetime.now(UTC)
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        self._json(error.status, {
            "error": error.error,
            "error_description": (f"{error.description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}"
                                  f"\r\nTimestamp: {stamp}"),
            "error_codes": [error.code], "timestamp": stamp, "trace_id": trace, "correlation_id": correlation,
            "error_uri": f"{self.fake.authority_host}/error?code={error.code}"})

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store, no-cache")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
