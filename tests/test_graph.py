"""Microsoft Graph: the client against a fake Graph over HTTPS (profile, files by sharing link, Graph's refusals),
and summarize with `document: {url}` end to end in entra mode (real msal on-behalf-of, fake Graph, fake model)."""
from __future__ import annotations

import json
import logging
import re
import socket

import pytest

from server.errors import (
    Forbidden,
    InteractionRequired,
    InvalidRequest,
    RateLimited,
    TooLarge,
    UpstreamError,
    UpstreamTimeout,
)
from server.graph import GraphClient, share_id

ADA, BEN = "ada@agency.gov", "ben@agency.gov"
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.")  # a JSON header, a JSON payload: a token
NOTES = b"Budgets rose 4% this year.\n\nStaff fell to 120 people."


def test_share_id_is_graphs_documented_encoding():
    # The example from Graph's "Accessing shared DriveItems" page
    url = "https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1"
    assert share_id(url) == ("u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9"
                             "MTIwMTkxOSExMjkyMSEx")
    assert "=" not in share_id("https://contoso.sharepoint.com/a") and "/" not in share_id("https://x.sharepoint.com/??>>")


@pytest.fixture
def graph_client(fake_graph, session) -> GraphClient:
    return GraphClient(fake_graph.url, session, timeout=(2.0, 5.0), verify=fake_graph.ca_path)


def graph_token(fake_entra, fake_graph, obo_grant, user=ADA, scp="User.Read Files.Read.All") -> str:
    """A token as the on-behalf-of grant issues it for Graph (the grant itself is tested in test_auth_obo)."""
    return fake_entra.issue_token({"aud": fake_graph.url, "iss": f"https://sts.windows.net/{fake_entra.tenant_id}/",
                                   "tid": fake_entra.tenant_id, "oid": obo_grant.object_id(user, fake_entra.tenant_id),
                                   "scp": scp, "ver": "1.0"})


def test_me(graph_client, fake_entra, fake_graph, obo_grant):
    fake_graph.add_user(obo_grant.object_id(ADA, fake_entra.tenant_id), displayName="Ada Lovelace",
                        jobTitle="Policy Analyst", mail=ADA)
    profile = graph_client.me(graph_token(fake_entra, fake_graph, obo_grant))
    assert profile["displayName"] == "Ada Lovelace" and profile["jobTitle"] == "Policy Analyst"


def test_shared_file_is_read_with_the_users_rights_and_no_token_goes_to_the_download(
        graph_client, fake_entra, fake_graph, obo_grant):
    ada = obo_grant.object_id(ADA, fake_entra.tenant_id)
    link = fake_graph.add_file("Notes.txt", NOTES, readers={ada})
    assert graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 1000) == ("Notes.txt", NOTES)
    assert [r["path"] for r in fake_graph.requests] == ["driveItem", "content", "download"]
    assert fake_graph.requests[-1]["authorization"] is False
    with pytest.raises(Forbidden, match="You do not have access to that file"):  # Ben is not a reader
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant, user=BEN), link, 1000)


@pytest.mark.parametrize("kind, status, error, words", [
    ("driveItem", 403, Forbidden, "do not have access"),
    ("content", 403, Forbidden, "do not have access"),
    ("driveItem", 404, InvalidRequest, "no file at that link"),
    ("driveItem", 429, RateLimited, "slow down"),
    ("content", 429, RateLimited, "slow down"),
    ("driveItem", 500, UpstreamError, "(500)"),
    ("driveItem", 503, UpstreamError, "busy"),
    ("driveItem", 401, InteractionRequired, "sign in again"),
])
def test_graph_refusals_become_typed_errors(graph_client, fake_entra, fake_graph, obo_grant, kind, status, error,
                                            words):
    link = fake_graph.add_file("Notes.txt", NOTES)
    fake_graph.fail_next(kind, status, retry_after=7 if status in (429, 503) else None)
    with pytest.raises(error) as caught:
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 1000)
    assert type(caught.value) is error and words in caught.value.message
    if error in (Forbidden, InvalidRequest):
        assert caught.value.field == "document.url"
    if error is RateLimited:
        assert caught.value.retry_after == 7
    if error is InteractionRequired:
        assert caught.value.claims == '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'


def test_unknown_link(graph_client, fake_entra, fake_graph, obo_grant):
    with pytest.raises(InvalidRequest, match="no file at that link"):
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant),
                                 "https://contoso.sharepoint.com/:w:/s/x/gone", 1000)


def test_token_without_file_permission(graph_client, fake_entra, fake_graph, obo_grant):
    link = fake_graph.add_file("Notes.txt", NOTES)
    with pytest.raises(Forbidden):
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant, scp="User.Read"), link, 1000)


def test_too_large_by_its_size_is_refused_before_any_download(graph_client, fake_entra, fake_graph, obo_grant):
    link = fake_graph.add_file("Big.txt", b"x" * 2000)
    with pytest.raises(TooLarge, match="2,000 bytes"):
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 1000)
    assert [r["path"] for r in fake_graph.requests] == ["driveItem"]


def test_too_large_while_reading_is_cut_off(graph_client, fake_entra, fake_graph, obo_grant):
    link = fake_graph.add_file("Liar.txt", b"x" * 300_000, reported_size=10, chunked=True)
    with pytest.raises(TooLarge, match="over 100,000 bytes"):
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 100_000)


def test_folder_links_are_refused(graph_client, fake_entra, fake_graph, obo_grant):
    link = fake_graph.add_file("Team", b"", folder=True)
    with pytest.raises(InvalidRequest, match="folder"):
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 1000)


def test_graph_unreachable(session, fake_entra, fake_graph, obo_grant):
    client = GraphClient("https://127.0.0.1:9", session, timeout=(1.0, 1.0))
    with pytest.raises(UpstreamError, match="cannot be reached"):
        client.me(graph_token(fake_entra, fake_graph, obo_grant))


# ---- POST /api/v1/summarize with document: {url} ----

@pytest.fixture
def entra_app(entra_obo_config):
    from server.app import create_app

    return create_app(entra_obo_config)


def summarize(app, obo_grant, url, *, user=ADA, **extra):
    return app.test_client().post("/api/v1/summarize", json={"document": {"url": url}, **extra},
                                  headers={"Authorization": f"Bearer {obo_grant.user_assertion(user=user)}"})


def test_summarize_a_sharepoint_link(entra_app, obo_grant, fake_graph, fake_entra, upstream, caplog):
    caplog.set_level(logging.DEBUG)
    link = fake_graph.add_file("Notes.txt", NOTES, readers={obo_grant.object_id(ADA, fake_entra.tenant_id)})
    upstream.queue_reply("- Budgets rose 4% [p1]\n- Staff fell to 120 [p2]")
    response = summarize(entra_app, obo_grant, link)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [p["text"] for p in body["points"]] == ["Budgets rose 4%", "Staff fell to 120"]
    prompt = str(upstream.requests[-1]["json"]["messages"])
    assert "Budgets rose 4% this year." in prompt
    [issued] = obo_grant.issued
    assert issued["scp"] == "Files.Read.All" and issued["aud"] == fake_graph.url
    # the link's content and every token (a JWT) stay out of the logs; the Graph token goes neither to the
    # model nor back to the caller
    assert "Budgets rose" not in caplog.text and not JWT.search(caplog.text)
    assert not JWT.search(response.get_data(as_text=True))
    assert not JWT.search(str([(r["headers"], r["json"]) for r in upstream.requests]))


@pytest.mark.parametrize("url, words", [
    ("http://contoso.sharepoint.com/:w:/s/x/abc", "must be an https link"),
    ("https://contoso.sharepoint.com:8443/:w:/s/x/abc", "plain https link"),
    ("https://ada:pw@contoso.sharepoint.com/:w:/s/x/abc", "plain https link"),
    ("https://evil.example.com/:w:/s/x/abc", "SharePoint or OneDrive for Business link"),
    ("https://contoso.sharepoint.com.evil.example/x", "SharePoint or OneDrive for Business link"),
    ("https://onedrive.live.com/redir?resid=1", "SharePoint or OneDrive for Business link"),
    ("ftp://contoso.sharepoint.com/x", "must be an https link"),
    ("https://[::1", "not a valid link"),
])
def test_links_that_are_not_sharepoint_are_refused_before_any_call(entra_app, obo_grant, fake_graph, url, words):
    response = summarize(entra_app, obo_grant, url)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_request" and body["field"] == "document.url" and words in body["message"]
    assert obo_grant.requests == 0 and fake_graph.requests == []


def test_a_link_and_file_content_together_are_refused(entra_app, obo_grant):
    response = entra_app.test_client().post(
        "/api/v1/summarize", json={"document": {"url": "https://contoso.sharepoint.com/x", "filename": "a.txt"}},
        headers={"Authorization": f"Bearer {obo_grant.user_assertion()}"})
    assert response.status_code == 400 and "one form, not a mix" in response.get_json()["message"]
    assert obo_grant.requests == 0


@pytest.mark.parametrize("kind, status, code, http_status", [
    ("driveItem", 403, "forbidden", 403),
    ("driveItem", 404, "invalid_request", 400),
    ("content", 429, "rate_limited", 429),
    ("driveItem", 500, "upstream_error", 502),
    ("driveItem", 401, "interaction_required", 401),
])
def test_graph_refusals_reach_the_pane(entra_app, obo_grant, fake_graph, upstream, kind, status, code, http_status):
    link = fake_graph.add_file("Notes.txt", NOTES)
    fake_graph.fail_next(kind, status, retry_after=9 if status == 429 else None)
    response = summarize(entra_app, obo_grant, link)
    assert response.status_code == http_status
    assert response.get_json()["error"] == code
    if status == 429:
        assert response.headers["Retry-After"] == "9"
    assert upstream.requests == []  # nothing reached the model


def test_refusal_before_a_stream_keeps_its_status(entra_app, obo_grant, fake_graph, upstream):
    link = fake_graph.add_file("Notes.txt", NOTES, readers=set())
    response = summarize(entra_app, obo_grant, link, stream=True)
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_claims_challenge_on_the_token_request(entra_app, obo_grant, fake_graph):
    from tests.fakes.entra_obo import CA_CLAIMS

    obo_grant.fail_next("mfa")
    response = summarize(entra_app, obo_grant, fake_graph.add_file("Notes.txt", NOTES))
    assert response.status_code == 401
    assert response.get_json()["error"] == "interaction_required" and response.get_json()["claims"] == CA_CLAIMS


def test_link_too_large(entra_app, obo_grant, fake_graph, upstream):
    from server.assist.schemas import MAX_FILE_BYTES

    link = fake_graph.add_file("Huge.txt", b"x" * 10, reported_size=MAX_FILE_BYTES + 1)
    response = summarize(entra_app, obo_grant, link)
    assert response.status_code == 413 and response.get_json()["field"] == "document.url"


def test_links_in_dev_mode_need_entra_sign_in(client, auth_headers, upstream):
    response = client.post("/api/v1/summarize", headers=auth_headers,
                           json={"document": {"url": "https://contoso.sharepoint.com/:w:/s/x/abc"}})
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == "document.url" and "need Entra ID sign-in" in body["message"]
    assert upstream.requests == []


def test_links_without_a_client_credential(entra_obo_config, obo_grant):
    from server.app import create_app

    app = create_app({**entra_obo_config, "CLIENT_SECRET": ""})
    response = summarize(app, obo_grant, "https://contoso.sharepoint.com/:w:/s/x/abc")
    assert response.status_code == 400 and "not set up to read SharePoint" in response.get_json()["message"]


def _token_requests(fake_entra) -> list[dict]:
    return [r["form"] for r in fake_entra.requests if r["method"] == "POST"]


def test_a_token_graph_revoked_is_never_served_again(entra_app, obo_grant, fake_graph, fake_entra, upstream):
    """Continuous access evaluation: Graph refuses the cached token with a claims challenge; the pane is told
    to sign in again, and the next call gets a new token asked for with those claims, not the refused one."""
    from tests.fakes.graph import claims_challenge_claims

    oid = obo_grant.object_id(ADA, fake_entra.tenant_id)
    link = fake_graph.add_file("Notes.txt", NOTES, readers={oid})
    for _ in range(3):
        upstream.queue_reply("- Budgets rose 4% [p1]")
    assert summarize(entra_app, obo_grant, link).status_code == 200
    assert json.loads(_token_requests(fake_entra)[0]["claims"]) == {"access_token": {"xms_cc": {"values": ["CP1"]}}}
    fake_graph.revoke_sessions(oid)
    refused = summarize(entra_app, obo_grant, link)
    assert refused.status_code == 401
    body = refused.get_json()
    assert body["error"] == "interaction_required" and "sign in again" in body["message"]
    challenge = json.loads(body["claims"])
    assert challenge["access_token"]["nbf"]["essential"] is True
    assert body["claims"] == claims_challenge_claims(int(challenge["access_token"]["nbf"]["value"]))

    again = summarize(entra_app, obo_grant, link)  # the pane signed in again: a new assertion
    assert again.status_code == 200, again.get_json()
    assert obo_grant.requests == 2
    sent = json.loads(_token_requests(fake_entra)[-1]["claims"])
    assert sent["access_token"]["nbf"] == challenge["access_token"]["nbf"]  # the challenge went to Entra
    assert sent["access_token"]["xms_cc"] == {"values": ["CP1"]}
    assert summarize(entra_app, obo_grant, link).status_code == 200
    assert obo_grant.requests == 2  # the new token is cached as usual: the challenge was answered once


def test_a_revoked_token_is_not_handed_out_by_another_instance(entra_obo_config, obo_grant, fake_graph, fake_entra,
                                                               upstream, redis_url):
    from server.app import create_app

    oid = obo_grant.object_id(ADA, fake_entra.tenant_id)
    link = fake_graph.add_file("Notes.txt", NOTES, readers={oid})
    first, second = (create_app({**entra_obo_config, "REDIS_URL": redis_url}) for _ in range(2))
    for _ in range(2):
        upstream.queue_reply("- Budgets rose 4% [p1]")
    assert summarize(first, obo_grant, link).status_code == 200
    fake_graph.revoke_sessions(oid)
    assert summarize(first, obo_grant, link).status_code == 401
    # the second instance never saw the token, but Redis had it: it must not load the refused one
    assert summarize(second, obo_grant, link).status_code == 200
    assert obo_grant.requests == 2


# ---- Graph's other answers: each one the user or the administrator can act on ----

def test_me_for_a_user_graph_does_not_know(graph_client, fake_entra, fake_graph, obo_grant):
    with pytest.raises(UpstreamError, match="does not know your profile"):
        graph_client.me(graph_token(fake_entra, fake_graph, obo_grant))  # no such user in this Graph


def test_a_token_refused_without_a_claims_challenge_is_not_the_users_to_fix(graph_client, fake_entra, fake_graph):
    token = fake_entra.issue_token({"aud": "https://graph.other.example", "oid": "x", "scp": "User.Read"})
    with pytest.raises(UpstreamError, match="did not accept the service's token") as caught:
        graph_client.me(token)
    assert type(caught.value) is UpstreamError  # not interaction_required: signing in again would not help


@pytest.mark.parametrize("kind", ["/me", "driveItem"])
def test_an_answer_that_is_not_json(graph_client, fake_entra, fake_graph, obo_grant, kind):
    fake_graph.add_user(obo_grant.object_id(ADA, fake_entra.tenant_id), displayName="Ada Lovelace")
    link = fake_graph.add_file("Notes.txt", NOTES)
    fake_graph.fail_next(kind, 200)  # an HTML page, as a proxy's sign-in page would be
    token = graph_token(fake_entra, fake_graph, obo_grant)
    with pytest.raises(UpstreamError, match="not JSON"):
        graph_client.me(token) if kind == "/me" else graph_client.shared_file(token, link, 1000)


def test_a_file_graph_serves_itself(graph_client, fake_entra, fake_graph, obo_grant):
    link = fake_graph.add_file("Notes.txt", NOTES, served_directly=True)
    assert graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 1000) == ("Notes.txt", NOTES)
    assert [r["path"] for r in fake_graph.requests] == ["driveItem", "content"]


@pytest.mark.parametrize("status", [403, 404, 500])
def test_the_download_failing(graph_client, fake_entra, fake_graph, obo_grant, status):
    link = fake_graph.add_file("Notes.txt", NOTES)
    fake_graph.fail_next("download", status)
    with pytest.raises(UpstreamError, match=rf"download failed \({status}\)"):
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 1000)


def test_the_download_cut_short(graph_client, fake_entra, fake_graph, obo_grant):
    link = fake_graph.add_file("Notes.txt", NOTES * 100, cut_short=True)
    with pytest.raises(UpstreamError, match="broke off"):
        graph_client.shared_file(graph_token(fake_entra, fake_graph, obo_grant), link, 100_000)


def test_graph_not_answering_in_time(session, fake_entra, fake_graph, obo_grant):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        client = GraphClient(f"https://127.0.0.1:{silent.getsockname()[1]}", session, timeout=(1.0, 0.5))
        with pytest.raises(UpstreamTimeout, match="did not answer in time"):
            client.me(graph_token(fake_entra, fake_graph, obo_grant))
