"""The on-behalf-of grant for FakeEntra, as the Microsoft identity platform documents it, failures included.

    obo = OnBehalfOfGrant(entra, api_audiences={CLIENT_ID, APP_ID_URI}, resources={graph.url})
    token = obo.user_assertion(user="ada@agency.gov")   # what the pane would send the API
    obo.fail_next("interaction_required")                 # or "mfa", "assertion_expired", "invalid_client"

The grant (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer, requested_token_use=on_behalf_of) checks the
client (secret, or a PS256/RS256 client assertion signed with a registered certificate), the user's assertion
(signature by this Entra, audience = the calling app, not expired: else AADSTS500133) and the scopes (known
resources), then answers access_token, refresh_token, id_token and client_info as Entra does for MSAL.
Error bodies have Entra's shape: error, error_description starting with the AADSTS code and ending with
Trace ID / Correlation ID / Timestamp lines, error_codes, timestamp, trace_id, correlation_id, error_uri, and
for conditional access `suberror` and `claims`. FakeEntra's own error writer knows nothing of claims, so its
request handler is swapped for a subclass that adds them (tests/fakes/entra.py itself is left as it is).
"""
from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from datetime import UTC, datetime

import jwt

from tests.fakes import entra as entra_module
from tests.fakes.entra import DEFAULT_CLIENT_ID, EntraError, FakeEntra

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
OBO_LIFETIME = 3599
# The claims Entra sends back when conditional access wants more (the docs' example shape)
CA_CLAIMS = json.dumps({"access_token": {"polids": {"essential": True,
                                                    "values": ["9ab03e19-ed42-4168-b6b7-7001fb3e933a"]}}})
OIDC_SCOPES = {"openid", "profile", "email", "offline_access"}


class EntraChallenge(EntraError):
    """An Entra error answer that also carries `suberror` and `claims` (conditional access)."""

    def __init__(self, status: int, error: str, code: int, description: str, *, claims: str | None = None,
                 suberror: str | None = None):
        super().__init__(status, error, code, description)
        self.claims, self.suberror = claims, suberror


class _ChallengeHandler(entra_module._Handler):
    def _error(self, error: EntraError) -> None:
        if not isinstance(error, EntraChallenge):
            return super()._error(error)
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        body = {
            "error": error.error,
            "error_description": (f"{error.description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}"
                                  f"\r\nTimestamp: {stamp}"),
            "error_codes": [error.code], "timestamp": stamp, "trace_id": trace, "correlation_id": correlation,
            "error_uri": f"{self.fake.authority_host}/error?code={error.code}"}
        if error.suberror:
            body["suberror"] = error.suberror
        if error.claims:
            body["claims"] = error.claims
        self._json(error.status, body)


def _failure(kind: str, client_id: str, resource: str) -> EntraError:
    if kind == "interaction_required":  # the OBO doc's example: MFA enrolment required, with claims
        return EntraChallenge(400, "interaction_required", 50079, (
            "AADSTS50079: Due to a configuration change made by your administrator, or because you moved to a new "
            f"location, you must enroll in multifactor authentication to access '{resource}'."), claims=CA_CLAIMS)
    if kind == "mfa":  # what conditional access answers in practice: invalid_grant, 50076, suberror, claims
        return EntraChallenge(400, "invalid_grant", 50076, (
            "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new "
            f"location, you must use multi-factor authentication to access '{resource}'."),
            claims=CA_CLAIMS, suberror="basic_action")
    if kind == "consent_required":
        return EntraChallenge(400, "invalid_grant", 65001, (
            f"AADSTS65001: The user or administrator has not consented to use the application with ID "
            f"'{client_id}'. Send an interactive authorization request for this user and resource."),
            suberror="consent_required")
    if kind == "assertion_expired":
        return _expired()
    if kind == "invalid_client":
        return EntraError(401, "invalid_client", 7000215, (
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the "
            f"client secret value, not the client secret ID, for a secret added to app '{client_id}'."))
    raise ValueError(f"unknown scripted failure {kind!r}")


def _expired() -> EntraError:
    now = datetime.now(UTC).strftime("%m/%d/%Y %H:%M:%S")
    return EntraError(400, "invalid_grant", 500133, (
        "AADSTS500133: Assertion is not within its valid time range. Ensure that the access token is not expired "
        f"before using it for user assertion, or request a new token. Current time: {now}, expiry time of "
        "assertion (see the assertion's exp claim)."))


class OnBehalfOfGrant:
    def __init__(self, entra: FakeEntra, *, api_audiences: set[str], resources: set[str]):
        self.entra = entra
        self.api_audiences = {a for a in api_audiences if a}
        self.resources = set(resources)
        self.requests = 0
        self.issued: list[dict] = []  # claims of every access token issued
        self._failures: list[str] = []
        self._lock = threading.Lock()
        assert entra._server is not None, "start FakeEntra before adding the on-behalf-of grant"
        entra.grant_handlers[JWT_BEARER] = self
        entra._server.RequestHandlerClass = _ChallengeHandler

    @property
    def certificates(self) -> dict[str, bytes]:
        """The client certificates FakeEntra accepts (client id -> PEM), for every grant."""
        return self.entra.certificates

    # -- scripting --

    def fail_next(self, kind: str, times: int = 1) -> None:
        with self._lock:
            self._failures += [kind] * times

    def user_assertion(self, *, user: str = "ada@agency.gov", tenant: str | None = None, lifetime: int = 3600,
                       audience: str | None = None, **claims) -> str:
        """A v2 access token for the API, as Entra issues it to the pane for a signed-in user."""
        tenant = tenant or self.entra.tenant_id
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{user}"))
        base = {"aud": audience or sorted(self.api_audiences)[0], "iss": self.entra.issuer(tenant), "tid": tenant,
                "oid": oid, "sub": oid.replace("-", "")[:22], "azp": "ea5a67f6-b6f3-4338-b240-c655ddc3cc8e",
                "name": user.split("@")[0].title(), "preferred_username": user, "scp": "access_as_user",
                "ver": "2.0", "uti": uuid.uuid4().hex[:22]}
        return self.entra.issue_token({**base, **claims}, lifetime=lifetime)

    @staticmethod
    def object_id(user: str, tenant: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{user}"))

    # -- the grant --

    def __call__(self, tenant: str, form: dict) -> dict:
        with self._lock:
            self.requests += 1
            failure = self._failures.pop(0) if self._failures else None
        client_id = form.get("client_id", "")
        if form.get("requested_token_use") != "on_behalf_of":
            raise EntraError(400, "invalid_request", 900144, (
                "AADSTS900144: The request body must contain the following parameter: 'requested_token_use'."))
        self.entra.check_client(tenant, form)
        scopes = form.get("scope", "").split()
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        resources = {s.rsplit("/", 1)[0] for s in resource_scopes}
        if len(resources) != 1 or not all("/" in s for s in resource_scopes):
            raise EntraError(400, "invalid_scope", 70011, (
                f"AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for "
                f"the input parameter 'scope' is not valid. The scope {form.get('scope', '')} is not valid."))
        resource = resources.pop()
        if resource not in self.resources:
            raise EntraError(400, "invalid_resource", 500011, (
                f"AADSTS500011: The resource principal named {resource} was not found in the tenant named "
                f"{tenant}."))
        if failure:
            raise _failure(failure, client_id, resource)
        user = self._check_assertion(form.get("assertion", ""), client_id, tenant)
        permissions = " ".join(s.rsplit("/", 1)[1] for s in resource_scopes)
        access = {"aud": resource, "iss": f"https://sts.windows.net/{tenant}/", "tid": tenant, "oid": user["oid"],
                  "sub": uuid.uuid4().hex, "upn": user.get("preferred_username", ""), "name": user.get("name", ""),
                  "appid": client_id, "scp": permissions, "ver": "1.0", "uti": uuid.uuid4().hex[:22]}
        with self._lock:
            self.issued.append(access)
        answer = {"token_type": "Bearer", "scope": " ".join(resource_scopes), "expires_in": OBO_LIFETIME,
                  "ext_expires_in": OBO_LIFETIME, "access_token": self.entra.issue_token(access, lifetime=OBO_LIFETIME),
                  "refresh_token": "0.fake-rt." + secrets.token_urlsafe(24)}
        if "openid" in scopes:
            answer["id_token"] = self.entra.issue_token({
                "aud": client_id, "iss": self.entra.issuer(tenant), "tid": tenant, "oid": user["oid"],
                "sub": user.get("sub", user["oid"]), "name": user.get("name", ""),
                "preferred_username": user.get("preferred_username", ""), "ver": "2.0"})
        if form.get("client_info") == "1":
            info = json.dumps({"uid": user["oid"], "utid": tenant}).encode()
            answer["client_info"] = base64.urlsafe_b64encode(info).decode().rstrip("=")
        return answer

    def _check_assertion(self, assertion: str, client_id: str, tenant: str) -> dict:
        try:
            claims = self.entra.decode(assertion, audience=list(self.api_audiences))
        except jwt.ExpiredSignatureError:
            raise _expired() from None
        except jwt.InvalidAudienceError:
            raise EntraError(400, "invalid_grant", 50013, (
                "AADSTS50013: Assertion failed signature validation. [Reason - The provided audience does not "
                f"match the application '{client_id}'.]")) from None
        except jwt.PyJWTError:
            raise EntraError(400, "invalid_grant", 50013, (
                "AADSTS50013: Assertion failed signature validation. [Reason - The key was not found.]")) from None
        if claims.get("tid") != tenant or not claims.get("oid"):
            raise EntraError(400, "invalid_grant", 50013, (
                "AADSTS50013: Assertion failed signature validation. [Reason - The assertion's tenant does not "
                "match the request's.]"))
        return claims


__all__ = ["CA_CLAIMS", "DEFAULT_CLIENT_ID", "JWT_BEARER", "OnBehalfOfGrant"]
