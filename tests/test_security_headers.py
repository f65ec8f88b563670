"""Security headers on every response (server/api/security.py): every route the app serves, with the bodies it
needs, every kind of error, a streamed answer; frame-ancestors naming exactly the Office hosts on the pages Office
frames and 'none' elsewhere; HSTS only for an https public host; no X-Frame-Options and no Access-Control-*
ever, a CORS preflight refused; JSON endpoints refusing any other body with 415. The same in Chromium:
tests/test_security_headers_browser.py."""
from __future__ import annotations

import base64
import io

import pytest

from server import config
from server.app import create_app

ORIGIN = "https://drafter.agency.test"
CLIENT = "0c5f3d2e-0000-4000-8000-0000000d12af"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
HSTS = "max-age=31536000; includeSubDomains"
OFFICE_FRAMED = {"/addin/taskpane.html", "/addin/signin.html", "/"}
# Written out here, not imported: this is what the service must say, whatever server/api/office_hosts.py holds.
WORLDWIDE = ["https://*.officeapps.live.com", "https://*.sharepoint.com", "https://outlook.office.com",
             "https://outlook.office365.com", "https://outlook.cloud.microsoft", "https://*.cloud.microsoft",
             "https://*.office.com", "https://*.microsoft365.com"]
US_GOVERNMENT = ["https://*.office365.us", "https://outlook.office365.us", "https://*.sharepoint.us",
                 "https://*.sharepoint-mil.us", "https://*.dps.mil", "https://od.apps.mil", "https://*.od.apps.mil",
                 "https://webmail.apps.mil", "https://*.osi.apps.mil"]
CHINA = ["https://partner.outlook.cn", "https://*.partner.outlook.cn", "https://*.sharepoint.cn",
         "https://*.partner.officewebapps.cn"]
OFFICE_JS = ["https://appsforoffice.microsoft.com", "https://officeapis.public.onecdn.static.microsoft",
             "https://ajax.aspnetcdn.com/ajax/3.5/MicrosoftAjax.js"]

# What each route needs to answer: values for its URL's arguments, and a body for each POST.
URL_VALUES = {"addin.static_file": {"path": "taskpane.html"}, "manifest.xml_manifest": {"host": "word"},
              "manifest.icon": {"name": "icon-32.png"}}
BODIES = {
    "assist.rewrite": {"text": "Hello there."},
    "assist.summarize": {"text": "First paragraph about budgets.\n\nSecond paragraph about staff."},
    "assist.draft": {"instruction": "Thank the team for the audit report."},
    "assist.review": {"text": "We will answer next week.", "context": "When will you answer?"},
    "documents.extract": {"filename": "memo.txt", "content_base64": base64.b64encode(b"The plan.\n").decode()},
    "documents.render": {"markdown": "# Plan", "format": "html"},
    "dev.token": {"name": "Ada Clerk", "email": "ada@agency.gov"},
}
# More of the static files than the one sample above: each kind of page and module.
MORE_PATHS = ["/addin/signin.html", "/addin/preview.html", "/addin/styles.css", "/addin/taskpane.js",
              "/addin/vendor/msal-browser.min.js", "/addin/admin/main.js", "/manifest/outlook.xml"]


def entra(app_config, **overrides):
    return {**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": ORIGIN, "CLIENT_ID": CLIENT, "TENANT_IDS": [TENANT],
            **overrides}


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def routes(app) -> list[tuple[str, str, dict]]:
    """(method, url, request kwargs) for every route and method the app serves. A route this table cannot call
    fails here, so a new route cannot go untested."""
    adapter = app.url_map.bind("localhost")
    calls = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            values = URL_VALUES.get(rule.endpoint, {})
            assert set(rule.arguments) <= set(values), f"{rule.rule}: give URL_VALUES a value for each argument"
            url = adapter.build(rule.endpoint, values, method=method)
            if method == "POST":
                assert rule.endpoint in BODIES, f"{rule.rule}: give BODIES a body for it"
                calls.append((method, url, {"json": BODIES[rule.endpoint]}))
            else:
                assert method == "GET", f"{rule.rule}: {method} is new here; say how to call it"
                calls.append((method, url, {}))
    return calls + [("GET", path, {}) for path in MORE_PATHS]


def assert_secured(response, path: str, *, hsts: bool, ancestors: list[str] = WORLDWIDE) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "X-Frame-Options" not in headers
    assert [name for name in headers.keys() if name.lower().startswith("access-control-")] == []
    assert headers.get("Strict-Transport-Security") == (HSTS if hsts else None)
    policy = directives(response)
    framed = path in OFFICE_FRAMED
    assert policy["frame-ancestors"] == (ancestors if framed else ["'none'"]), path
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
    if framed:
        assert policy["script-src"] == ["'self'", *OFFICE_JS]
    elif response.mimetype == "text/html":
        assert policy["script-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    else:
        assert policy["default-src"] == ["'none'"], path  # JSON, streams, files: nothing to render or run
    shared = framed or path.startswith("/manifest/icons/")
    assert headers["Cross-Origin-Resource-Policy"] == ("cross-origin" if shared else "same-origin"), path
    assert headers.get("Cross-Origin-Opener-Policy") == (None if framed else "same-origin"), path


def call(client, method, url, kwargs, headers=None):
    return client.open(url, method=method, headers=headers or {}, buffered=True, **kwargs)


def test_every_route_answers_with_the_headers_in_dev_mode(client, auth_headers, admin_headers, upstream):
    calls = routes(client.application)
    assert len(calls) >= 30
    for method, url, kwargs in calls:
        headers = admin_headers if url.startswith("/api/v1/admin/") else auth_headers
        response = call(client, method, url, kwargs, headers)
        path = url.split("?")[0]
        # each call really reached its view: the headers are checked on real answers, not on refusals
        assert response.status_code in ((302,) if path == "/preview" else (200,)), (url, response.data[:300])
        assert_secured(response, path, hsts=False)


def test_every_route_answers_with_the_headers_and_hsts_in_production(app_config):
    client = create_app(entra(app_config)).test_client()
    for method, url, kwargs in routes(client.application):
        response = call(client, method, url, kwargs)  # no token: the API answers 401, with the headers too
        assert response.status_code < 500, url
        assert_secured(response, url.split("?")[0], hsts=True)
    root = client.get("/")  # a JSON 404 that the new Outlook has been seen framing
    assert root.status_code == 404
    assert_secured(root, "/", hsts=True)


def test_every_kind_of_error_answers_with_the_headers(app_config, client, auth_headers, upstream):
    small = create_app({**app_config, "MAX_BODY_BYTES": 2048}).test_client()
    broken = create_app(app_config)

    @broken.get("/broken")
    def _broken():
        raise RuntimeError("a bug")

    for _ in range(3):  # the first try and both retries, twice over: a 429 and a 502 from the model
        upstream.queue_error(429, headers={"Retry-After": "1"})
    for _ in range(3):
        upstream.queue_error(500)
    rewrite = "/api/v1/rewrite"
    answers = {
        400: client.post(rewrite, headers=auth_headers, data="{not json", content_type="application/json"),
        401: client.post(rewrite, json={"text": "Hello."}),
        403: client.get("/api/v1/admin/usage", headers=auth_headers),  # no Drafter.Admin role
        404: client.get("/no/such/page"),
        405: client.delete("/healthz"),
        413: small.post("/dev/token", data=b"{" + b" " * 4096 + b"}", content_type="application/json"),
        415: client.post(rewrite, headers=auth_headers, data="text=hello",
                         content_type="application/x-www-form-urlencoded"),
        429: client.post(rewrite, headers=auth_headers, json={"text": "Hello there."}),
        500: broken.test_client().get("/broken"),
        502: client.post(rewrite, headers=auth_headers, json={"text": "Hello there."}),
    }
    for status, response in answers.items():
        assert response.status_code == status, (status, response.get_json())
        assert response.get_json()["error"]
        path = response.request.path
        assert_secured(response, path, hsts=False)


def test_a_streamed_answer_carries_the_headers(client, auth_headers, upstream):
    upstream.queue_reply("Hello, everyone.")
    response = client.post("/api/v1/rewrite", headers={**auth_headers, "Accept": "text/event-stream"},
                           json={"text": "hi all"})
    assert response.mimetype == "text/event-stream"
    assert_secured(response, "/api/v1/rewrite", hsts=False)
    assert b"event: result" in response.get_data()  # the headers went out ahead of a stream that completed


@pytest.mark.parametrize(("public_url", "mode", "hsts"), [
    (ORIGIN, "entra", True),
    ("https://localhost:3000", "dev", False),  # make run: HSTS would pin https onto every localhost port
    ("http://localhost:3000", "dev", False),
    ("http://127.0.0.1:3000", "dev", False),
])
def test_hsts_only_for_an_https_public_host(app_config, public_url, mode, hsts):
    settings = entra(app_config, PUBLIC_URL=public_url) if mode == "entra" else {**app_config, "PUBLIC_URL": public_url}
    response = create_app(settings).test_client().get("/healthz")
    assert response.headers.get("Strict-Transport-Security") == (HSTS if hsts else None)


@pytest.mark.parametrize(("authority", "ancestors"), [
    (None, WORLDWIDE),
    ("https://login.microsoftonline.com", WORLDWIDE),
    ("https://login.microsoftonline.us", US_GOVERNMENT),  # GCC High and DoD
    ("https://login.partner.microsoftonline.cn", CHINA),
    ("https://login.chinacloudapi.cn", CHINA),
])
def test_the_office_pages_may_be_framed_by_exactly_the_office_hosts_of_the_cloud(app_config, authority, ancestors):
    settings = entra(app_config, **({"AUTHORITY_HOST": authority} if authority else {}))
    client = create_app(settings).test_client()
    for path in ("/addin/taskpane.html", "/addin/signin.html"):
        response = client.get(path, buffered=True)
        assert response.status_code == 200
        assert_secured(response, path, hsts=True, ancestors=ancestors)
        policy = directives(response)
        authority_origin = authority or "https://login.microsoftonline.com"
        assert policy["connect-src"] == ["'self'", authority_origin]  # MSAL.js: token endpoint and metadata
        assert policy["frame-src"] == ["'self'", authority_origin]
    for path in ("/admin", "/addin/preview.html", "/privacy", "/api/v1/openapi.json", "/manifest/word.xml"):
        assert directives(client.get(path, buffered=True))["frame-ancestors"] == ["'none'"], path


def test_an_extra_frame_ancestor_is_added_to_the_office_pages_only(app_config):
    client = create_app(entra(app_config, EXTRA_FRAME_ANCESTORS="https://office.agency.gov, https://*.Intranet.gov/"
                              )).test_client()
    policy = directives(client.get("/addin/taskpane.html", buffered=True))
    assert policy["frame-ancestors"] == [*WORLDWIDE, "https://office.agency.gov", "https://*.intranet.gov"]
    assert directives(client.get("/admin", buffered=True))["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("value", [
    "http://office.agency.gov",            # a network attacker could frame the pane
    "https://*", "https://*.gov",          # the whole web, or a whole top-level domain
    "https://office.agency.gov/pane",      # a path
    "'self'", "*", "office.agency.gov",    # a keyword, a bare wildcard, no scheme
    "https://a.gov; script-src *",         # a policy injected
    "https://a.gov https://b.gov",         # two origins without a comma
    "https://office.agency.gov:99999",     # no such port
    "https://-office.agency.gov",
])
def test_an_extra_frame_ancestor_that_is_not_an_https_origin_stops_the_service(value):
    with pytest.raises(config.ConfigError, match=r"^DRAFTER_EXTRA_FRAME_ANCESTORS: .* is not an https origin"):
        config.load({"DRAFTER_AUTH_MODE": "dev", "DRAFTER_EXTRA_FRAME_ANCESTORS": value})


def test_extra_frame_ancestors_are_read_from_the_environment():
    settings = config.load({"DRAFTER_AUTH_MODE": "dev",
                            "DRAFTER_EXTRA_FRAME_ANCESTORS": " https://Office.Agency.gov:8443 ,,https://*.a.gov "})
    assert settings["EXTRA_FRAME_ANCESTORS"] == ["https://office.agency.gov:8443", "https://*.a.gov"]
    assert config.load({"DRAFTER_AUTH_MODE": "dev"})["EXTRA_FRAME_ANCESTORS"] == []


# ---- CORS: closed to other origins ----

def test_a_cors_preflight_gets_no_permission_on_any_route(client):
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    for _, url, _ in routes(client.application):
        response = client.options(url, headers=preflight)
        assert response.status_code == 403, url
        assert response.get_json()["error"] == "forbidden"
        assert "other web sites" in response.get_json()["message"]
        assert_secured(response, url, hsts=False)
    # An OPTIONS that is not a preflight still gets the methods (nothing above was refused for being OPTIONS)
    plain = client.options("/healthz")
    assert plain.status_code == 200 and "GET" in plain.headers["Allow"]


def test_a_cross_origin_call_with_credentials_gets_nothing_to_read(client, auth_headers, upstream):
    foreign = {**auth_headers, "Origin": "https://evil.example", "Cookie": "session=stolen"}
    for response in (client.get("/api/v1/me", headers=foreign),
                     client.post("/api/v1/rewrite", headers=foreign, json={"text": "Hello there."}),
                     client.get("/addin/config.json", headers=foreign)):
        assert response.status_code == 200  # answered (the bearer token is what authorizes) ...
        assert [n for n in response.headers.keys() if n.lower().startswith("access-control-")] == []  # ... unread


def test_headers_another_part_of_the_app_adds_are_taken_away(app_config):
    app = create_app(app_config)

    @app.get("/careless")
    def _careless():
        return "x", 200, {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true",
                          "Access-Control-Expose-Headers": "X-Request-Id", "X-Frame-Options": "SAMEORIGIN",
                          "Content-Security-Policy": "default-src *"}

    response = app.test_client().get("/careless")
    assert_secured(response, "/careless", hsts=False)


# ---- only JSON on JSON endpoints ----

NOT_JSON = [
    ({"data": "hello", "content_type": "text/plain"}, "text/plain"),
    ({"data": "text=hello", "content_type": "application/x-www-form-urlencoded"}, "a form"),
    ({"data": {"file": (io.BytesIO(b"hello"), "a.txt")}, "content_type": "multipart/form-data"}, "multipart"),
    ({"data": b'{"text": "Hello."}'}, "no Content-Type"),
    ({"data": '{"text": "Hello."}', "content_type": "text/json"}, "JSON under another type"),
]


@pytest.mark.parametrize(("kwargs", "what"), NOT_JSON, ids=[what for _, what in NOT_JSON])
def test_json_endpoints_refuse_any_other_body_with_415(client, auth_headers, upstream, kwargs, what):
    posts = [url for method, url, _ in routes(client.application) if method == "POST"]
    assert {"/api/v1/rewrite", "/api/v1/documents/render", "/dev/token"} <= set(posts)
    for url in posts:
        if url == "/api/v1/documents/extract" and what == "multipart":
            continue  # extract takes a multipart upload as well: below
        data = kwargs["data"]
        sent = {**kwargs, "data": {"file": (io.BytesIO(b"hello"), "a.txt")}} if isinstance(data, dict) else kwargs
        response = client.post(url, headers=auth_headers, **sent)
        assert response.status_code == 415, (url, what, response.get_json())
        body = response.get_json()
        assert body["error"] == "unsupported_type" and body["request_id"]
        assert "application/json" in body["message"] or "content_base64" in body["message"], body
        assert_secured(response, url, hsts=False)
    assert upstream.requests == []  # nothing reached the model


def test_extract_still_takes_a_multipart_upload_and_json(client, auth_headers):
    upload = client.post("/api/v1/documents/extract", headers=auth_headers, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"The plan.\n"), "memo.txt")})
    assert upload.status_code == 200 and upload.get_json()["paragraphs"][0]["text"] == "The plan."
    as_json = client.post("/api/v1/documents/extract", headers={**auth_headers},
                          data=b'{"filename": "memo.txt", "content_base64": "VGhlIHBsYW4uCg=="}',
                          content_type="application/json; charset=utf-8")
    assert as_json.status_code == 200 and as_json.get_json()["paragraphs"][0]["text"] == "The plan."


def test_the_api_description_says_what_415_means(client, auth_headers):
    spec = client.get("/api/v1/openapi.json", headers=auth_headers).get_json()
    for path in ("/api/v1/rewrite", "/api/v1/documents/extract", "/api/v1/documents/render", "/dev/token"):
        described = spec["paths"][path]["post"]["responses"]["415"]["description"]
        assert described.startswith("unsupported_type: a body that is not JSON"), path
