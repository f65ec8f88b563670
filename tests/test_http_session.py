"""The shared outbound session: proxy settings from the environment, honoured per origin, read once."""
from __future__ import annotations

import json

from server.http import make_session


def test_proxy_and_no_proxy_follow_the_environment(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.agency.test:8080")
    monkeypatch.setenv("NO_PROXY", "openai.internal.test")
    session = make_session()
    outside = session.merge_environment_settings("https://api.openai.com/v1/chat/completions", {}, None, None, None)
    inside = session.merge_environment_settings("https://openai.internal.test/v1/chat/completions", {}, None, None,
                                                None)
    assert outside["proxies"].get("https") == "http://proxy.agency.test:8080"
    assert "https" not in inside["proxies"]


def test_the_environment_is_read_once_per_origin(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://first.test:8080")
    session = make_session()
    first = session.merge_environment_settings("https://model.test/v1/a", {}, None, None, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://second.test:8080")
    again = session.merge_environment_settings("https://model.test/v1/b", {}, True, None, None)
    assert again["proxies"] == first["proxies"]
    assert again["stream"] is True and first["stream"] is False
    other = session.merge_environment_settings("https://other.test/", {}, None, None, None)
    assert other["proxies"].get("https") == "http://second.test:8080"


def test_explicit_settings_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/agency/ca.pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.agency.test:8080")
    session = make_session()
    bundle = tmp_path / "ca.pem"
    settings = session.merge_environment_settings("https://login.test/", {"https": "http://other:1"}, None,
                                                  str(bundle), None)
    assert settings["verify"] == str(bundle)
    assert settings["proxies"]["https"] == "http://other:1"
    assert session.merge_environment_settings("https://login.test/", {}, None, None, None)["verify"] == \
        "/etc/agency/ca.pem"


def test_netrc_is_never_read(monkeypatch, tmp_path):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine model.test login alice password secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    session = make_session()
    prepared = session.prepare_request(__import__("requests").Request("GET", "https://model.test/v1/models"))
    assert "Authorization" not in prepared.headers


def test_post_bytes_sends_the_body_with_session_and_call_headers(upstream):
    from server import __version__

    session = make_session()
    for text in ("first", "second"):
        upstream.queue_reply(text)
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()
        with session.post_bytes(f"{upstream.url}/chat/completions", body,
                                {"Content-Type": "application/json", "X-Call": text}, timeout=(5, 5)) as answer:
            assert answer.status_code == 200 and answer.json()["choices"][0]["message"]["content"] == text
        seen = upstream.requests[-1]
        assert seen["json"]["messages"][0]["content"] == text
        assert seen["headers"]["X-Call"] == text and seen["headers"]["User-Agent"] == f"Drafter/{__version__}"
        assert int(seen["headers"]["Content-Length"]) == len(body)
    assert upstream.connections_accepted == 1  # the prepared request reuses the pooled connection


def test_post_bytes_returns_a_redirect_instead_of_following_it(upstream):
    upstream.queue_error(307, headers={"Location": f"{upstream.url}/elsewhere"})
    body = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'
    with make_session().post_bytes(f"{upstream.url}/chat/completions", body, {"Content-Type": "application/json"},
                                   timeout=(5, 5)) as answer:
        assert answer.status_code == 307
    assert [r["path"] for r in upstream.requests] == ["/v1/chat/completions"]


def test_post_bytes_goes_through_the_environment_proxy(monkeypatch):
    import requests

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.agency.test:8080")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/agency/ca.pem")
    sent = []
    monkeypatch.setattr(requests.Session, "send", lambda self, request, **kw: sent.append((request, kw)))
    session = make_session()
    session.post_bytes("https://model.test/v1/chat/completions", b"{}", {"Authorization": "Bearer k"}, timeout=(1, 2))
    request, settings = sent[0]
    assert settings["proxies"]["https"] == "http://proxy.agency.test:8080"
    assert settings["verify"] == "/etc/agency/ca.pem" and settings["allow_redirects"] is False
    assert request.headers["Authorization"] == "Bearer k" and request.body == b"{}"
