"""Who may reach the chat page: loopback by default; any other address needs a password
(ASSISTANT_AUTH / ASSISTANT_AUTH_FILE) or an explicit --allow-open. Unit tests check the decision;
the `slow` test serves the real Gradio app (fake model) on 0.0.0.0 and talks to it over 127.0.0.1 only."""

from __future__ import annotations

import logging

import gradio as gr
import httpx
import pytest

from assistant import Settings, ui
from assistant.cli import build_parser, main
from assistant.errors import AccessError
from conftest import served

FORUM_Q = "Who led the North Korean delegation to the For the Freedom of Nations forum?"


# -- the decision ------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "localhost", "::1"])
def test_loopback_needs_no_password(host):
    assert ui.access(Settings(), host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "my-laptop.local"])
def test_another_address_without_a_password_is_refused_with_the_fix(host):
    with pytest.raises(AccessError) as refused:
        ui.access(Settings(), host)
    message = str(refused.value)
    assert host in message
    for fix in ("ASSISTANT_AUTH=user:password", "--auth", "ASSISTANT_AUTH_FILE", "--auth-file", "--allow-open"):
        assert fix in message


def test_allow_open_serves_without_a_password_but_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="assistant.ui"):
        assert ui.access(Settings(allow_open=True), "0.0.0.0") is None
    assert "WITHOUT a password" in caplog.text and "0.0.0.0" in caplog.text


def test_a_password_opens_any_address_and_still_applies_on_loopback(monkeypatch, caplog):
    monkeypatch.setenv("ASSISTANT_AUTH", "alice:s3cret:with-colon")
    with caplog.at_level(logging.DEBUG, logger="assistant.ui"):
        assert ui.access(Settings(), "0.0.0.0") == [("alice", "s3cret:with-colon")]
        assert ui.access(Settings(), "127.0.0.1") == [("alice", "s3cret:with-colon")]
    assert "s3cret" not in caplog.text
    assert "s3cret" not in repr(Settings()) and "s3cret" not in Settings().model_dump_json()


def test_the_password_file_is_parsed_with_comments_and_blank_lines(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("# who may read the documents\n\n  alice:one  \nbob: two words\n\t# more\n", encoding="utf-8")
    assert ui.credentials(Settings(auth_file=users)) == [("alice", "one"), ("bob", " two words")]
    both = Settings(auth_file=users, auth="carol:three")  # both sources count
    assert ui.access(both, "0.0.0.0") == [("carol", "three"), ("alice", "one"), ("bob", " two words")]


@pytest.mark.parametrize("bad", ["no-colon-SECRET", ":SECRET", "SECRET:", "   :   "])
def test_a_malformed_password_line_names_the_file_and_line_not_the_secret(tmp_path, bad):
    users = tmp_path / "users.txt"
    users.write_text(f"# header\nalice:one\n{bad}\n", encoding="utf-8")
    with pytest.raises(AccessError, match=r"users\.txt, line 3: expected user:password") as error:
        ui.access(Settings(auth_file=users), "0.0.0.0")
    assert "SECRET" not in str(error.value)


def test_bad_auth_settings_are_errors_not_an_open_server(tmp_path):
    with pytest.raises(AccessError, match="ASSISTANT_AUTH / --auth"):
        ui.access(Settings(auth="just-a-name"), "127.0.0.1")
    with pytest.raises(AccessError, match="Cannot read the password file"):
        ui.access(Settings(auth_file=tmp_path / "missing.txt"), "127.0.0.1")
    (tmp_path / "empty.txt").write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(AccessError, match="holds no user:password line"):
        ui.access(Settings(auth_file=tmp_path / "empty.txt"), "127.0.0.1")
    (tmp_path / "twice.txt").write_text("alice:one\nalice:two\n", encoding="utf-8")
    with pytest.raises(AccessError, match="alice is given more than once"):
        ui.access(Settings(auth_file=tmp_path / "twice.txt"), "0.0.0.0")


def test_the_flags_exist_and_allow_open_is_a_switch():
    args = build_parser().parse_args(["chat", "--host", "0.0.0.0", "--allow-open", "--auth-file", "u.txt"])
    assert Settings(**{k: getattr(args, k) for k in ("host", "allow_open", "auth_file")}).allow_open is True
    assert Settings(allow_open=build_parser().parse_args(["chat", "--allow-open", "false"]).allow_open).allow_open is False
    assert not hasattr(build_parser().parse_args(["chat"]), "allow_open")  # unset: env and default apply


# -- the chat command refuses before anything heavy ----------------------------------------------
def test_chat_on_0000_without_a_password_exits_1_with_the_fix(tmp_path, monkeypatch, capsys):
    def never(*a, **k):
        raise AssertionError("nothing may be built or served")

    monkeypatch.setattr(ui, "create_app", never)
    monkeypatch.setattr(gr.Blocks, "launch", never)
    store, model = tmp_path / "store", tmp_path / "missing.gguf"  # a model load would fail differently
    assert main(["chat", "--host", "0.0.0.0", "--store", str(store), "--model", str(model)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Refusing to serve the chat page on 0.0.0.0 without a password")
    assert "ASSISTANT_AUTH" in err and "--allow-open" in err and "Traceback" not in err
    assert not store.exists()  # the store was never opened


# -- the real app on 0.0.0.0 -------------------------------------------------------------------
@pytest.mark.slow
def test_the_app_on_0000_asks_for_the_password_fake_model(fake_assistant, tmp_path):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with served(fake_assistant("Kim Su-gil led the delegation.", auth="alice:correct horse"), "0.0.0.0") as url:
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as anonymous:
            assert anonymous.get("config").status_code == 401
            assert anonymous.post("gradio_api/call/ask", json={"data": [FORUM_Q]}).status_code == 401
            wrong = anonymous.post("login", data={"username": "alice", "password": "wrong"})
            assert wrong.status_code == 400 and anonymous.get("config").status_code == 401
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as alice:
            login = alice.post("login", data={"username": "alice", "password": "correct horse"})
            assert login.status_code == 200 and login.json() == {"success": True}
            assert alice.get("config").status_code == 200  # the session cookie opens the page

        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url, verbose=False)  # a script without the password cannot even load the API
        got = Client(url, auth=("alice", "correct horse"), verbose=False).predict(FORUM_Q, api_name="/ask")
        assert "Kim Su-gil" in got["text"] and got["citations"]


# -- requests not addressed to this server (DNS rebinding) --------------------------------------
@pytest.mark.parametrize(
    "bound, name, allowed",
    [
        ("127.0.0.1", "127.0.0.1:7860", True),
        ("127.0.0.1", "localhost:7860", True),
        ("127.0.0.1", "[::1]:7860", True),
        ("127.0.0.1", "evil.example:7860", False),
        ("127.0.0.1", "192.168.1.5:7860", False),
        ("0.0.0.0", "192.168.1.5:7860", True),
        ("0.0.0.0", "evil.example", False),
        ("0.0.0.0", "http://localhost:1", True),
        ("192.168.1.5", "192.168.1.5", True),
        ("192.168.1.5", "127.0.0.1", False),
        ("127.0.0.1", "notes.lan:7860", True),
    ],
)
def test_only_requests_for_this_servers_own_address_or_listed_names_are_allowed(bound, name, allowed):
    from assistant.ui.access import host_allowed

    assert host_allowed(Settings(allowed_hosts="notes.lan"), bound, name) is allowed


@pytest.mark.slow
def test_a_foreign_host_or_origin_is_refused_with_no_cors_grant_fake_model(fake_assistant):
    with (
        served(fake_assistant("Kim Su-gil led the delegation.")) as url,
        httpx.Client(base_url=url, trust_env=False, timeout=30) as client,
    ):
        port = client.base_url.port
        own = client.get("config", headers={"Origin": f"http://127.0.0.1:{port}"})
        assert own.status_code == 200
        for headers in (
            {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"},
            {"Origin": "http://evil.example"},
            {"Host": f"evil.example:{port}"},
        ):
            for path, method in (("config", "GET"), ("gradio_api/call/ask", "POST")):
                got = client.request(method, path, headers=headers, json={"data": [FORUM_Q]})
                assert got.status_code == 403, (headers, path)
                assert "access-control-allow-origin" not in got.headers and "Kim" not in got.text
        preflight = client.options(
            "gradio_api/call/ask", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
