"""The test rig itself: private Prosody, accounts, plain clients, demo peer, demo."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from cryptography import x509
from slixmpp import JID, ClientXMPP

import xmpptui
from tests.rig import AccountFactory, ClientFactory, record, subscription, wait_until
from xmpptui.devtools.peer import HELP, reply_to
from xmpptui.devtools.prosody import (
    ProsodyError,
    ProsodyServer,
    lua_value,
    make_certificates,
)
from xmpptui.devtools.provision import ClientFailedError, befriend, online

SOURCE_ROOT = str(Path(xmpptui.__file__).resolve().parents[1])


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python that must import xmpptui from this checkout."""
    path = os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def shows(client: ClientXMPP, jid: str) -> list[tuple[str, str]]:
    """(show, status) of every online resource of ``jid`` as ``client`` sees it."""
    resources = client.client_roster[jid].resources
    return [(str(r["show"]), str(r["status"])) for r in resources.values()]


def test_ports_serve_tls_with_a_certificate_its_ca_vouches_for(prosody: ProsodyServer) -> None:
    context = ssl.create_default_context(cafile=str(prosody.ca_file))
    context.verify_flags |= ssl.VERIFY_X509_STRICT  # Python 3.13's default
    address = (prosody.host, prosody.direct_tls_port)
    with (
        socket.create_connection(address, timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=prosody.domain) as tls,
    ):
        certificate = tls.getpeercert()
    assert certificate is not None
    assert certificate["subjectAltName"] == (("DNS", prosody.domain),)

    with socket.create_connection((prosody.host, prosody.port), timeout=5) as raw:
        raw.sendall(
            f"<stream:stream to='{prosody.domain}' xmlns='jabber:client' version='1.0' "
            "xmlns:stream='http://etherx.jabber.org/streams'>".encode()
        )
        received = b""
        while b"</stream:features>" not in received:
            chunk = raw.recv(4096)
            assert chunk, f"stream closed early: {received!r}"
            received += chunk
    assert b"<starttls" in received and b"<required" in received
    assert b"<mechanisms" not in received  # no authentication before TLS


def test_server_is_our_own_foreground_process(prosody: ProsodyServer) -> None:
    pid = prosody.pid
    assert pid is not None
    assert (prosody.directory / "prosody.pid").read_text().strip() == str(pid)
    status = Path(f"/proc/{pid}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1] == str(os.getuid())


async def test_account_logs_in_over_starttls_and_direct_tls(
    prosody: ProsodyServer, new_account: AccountFactory, xmpp_client: ClientFactory
) -> None:
    account = new_account()
    first = await xmpp_client(account)
    second = await xmpp_client(account, direct_tls=True, resource="second")

    assert first.boundjid.bare == account.jid
    assert second.boundjid.full == f"{account.jid}/second"
    rtt = await first.plugin["xep_0199"].ping(JID(prosody.domain), timeout=5)
    assert rtt >= 0


async def test_wrong_password_is_refused(
    new_account: AccountFactory, xmpp_client: ClientFactory
) -> None:
    account = new_account()
    with pytest.raises(ClientFailedError, match="authentication refused"):
        await xmpp_client((account.jid, account.password + "-wrong"))


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_a_certificate_from_another_ca_is_refused(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path, direct_tls: bool
) -> None:
    other_ca, _, _ = make_certificates(tmp_path, prosody.domain)
    elsewhere = ProsodyServer(tmp_path)  # never started: only its address and CA are used
    elsewhere.port, elsewhere.direct_tls_port = prosody.port, prosody.direct_tls_port
    elsewhere.ca_file = other_ca

    with pytest.raises(ClientFailedError, match="CERTIFICATE_VERIFY_FAILED"):
        async with online(elsewhere, new_account(), direct_tls=direct_tls, timeout=5):
            pass


def test_certificates_cover_extra_host_names_and_follow_changes(tmp_path: Path) -> None:
    def names(cert: Path) -> list[str]:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
        san = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return san.get_values_for_type(x509.DNSName)

    _, cert, _ = make_certificates(tmp_path, "localhost", alt_names=["a.localhost", "b.localhost"])
    assert names(cert) == ["localhost", "a.localhost", "b.localhost"]
    made = cert.read_bytes()
    make_certificates(tmp_path, "localhost", alt_names=["a.localhost", "b.localhost"])
    assert cert.read_bytes() == made  # same names: reused

    make_certificates(tmp_path, "localhost")  # other names: made again
    assert names(cert) == ["localhost"]


def test_extra_hosts_are_written_as_virtual_hosts(tmp_path: Path) -> None:
    server = ProsodyServer(
        tmp_path,
        extra_hosts={"closed.localhost": {"allow_registration": False, "fields": ["a+", {"n": 1}]}},
    )
    assert server.hosts == ("localhost", "closed.localhost")
    config = server._config(tmp_path / "c.crt", tmp_path / "c.key")
    assert config.endswith(
        'VirtualHost "closed.localhost"\n'
        "    allow_registration = false\n"
        '    fields = { "a\\043", { n = 1 } }\n'
    )
    assert lua_value({"t": "it's", "x": [True, 2.5]}) == '{ t = "it\\039s", x = { true, 2.5 } }'
    with pytest.raises(ValueError, match="not a Lua table key"):
        lua_value({"bad key": 1})
    with pytest.raises(ValueError, match="not one of this server's hosts"):
        server.create_account("someone", "password", host="elsewhere.localhost")


async def test_any_password_survives_the_admin_shell(
    prosody: ProsodyServer, xmpp_client: ClientFactory
) -> None:
    password = "q\"uo'te \\ ]]-- <&> ü 😀 %s"  # SASLprep forbids control characters
    account = prosody.create_account("oddpassword", password)

    client = await xmpp_client(account)

    assert client.boundjid.bare == account.jid
    assert password not in repr(account)


async def test_accounts_are_unique_and_duplicates_refused(
    prosody: ProsodyServer, new_account: AccountFactory, xmpp_client: ClientFactory
) -> None:
    first, second = new_account("same"), new_account("same")
    assert first.username != second.username
    with pytest.raises(ProsodyError, match="User exists"):
        prosody.create_account(first.username, "another-password")

    renewed = prosody.create_account(first.username, "renewed-password", exist_ok=True)
    await xmpp_client(renewed)
    with pytest.raises(ClientFailedError):
        await xmpp_client(first)


async def test_befriended_accounts_are_mutually_subscribed_and_see_presence(
    prosody: ProsodyServer, new_account: AccountFactory, xmpp_client: ClientFactory
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(
        prosody, alice, bob, name_b_for_a="Bob", groups=["Friends", "Work"], name_a_for_b="Alice"
    )

    a = await xmpp_client(alice)
    b = await xmpp_client(bob)

    bob_for_alice = a.client_roster[bob.jid]
    assert bob_for_alice["subscription"] == "both"
    assert (bob_for_alice["name"], sorted(bob_for_alice["groups"])) == ("Bob", ["Friends", "Work"])
    assert (subscription(b, alice.jid), b.client_roster[alice.jid]["name"]) == ("both", "Alice")
    await wait_until(lambda: shows(a, bob.jid) == [("", "")], message="alice sees bob online")
    await wait_until(lambda: shows(b, alice.jid) == [("", "")], message="bob sees alice online")

    b.send_presence(pshow="dnd", pstatus="busy")
    await wait_until(lambda: shows(a, bob.jid) == [("dnd", "busy")], message="bob's new show")


async def test_message_goes_from_one_plain_client_to_another(
    new_account: AccountFactory, xmpp_client: ClientFactory
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    a = await xmpp_client(alice)
    b = await xmpp_client(bob)
    inbox = record(b, "message")

    a.send_message(mto=JID(bob.jid), mbody="hello ✓ <b>&amp;</b>", mtype="chat")

    await wait_until(lambda: inbox, message="bob receives the message")
    assert [(m["from"], m["type"], m["body"]) for m in inbox] == [
        (a.boundjid, "chat", "hello ✓ <b>&amp;</b>")
    ]


@pytest.mark.prosody
async def test_a_restarted_server_keeps_ports_and_accounts(tmp_path: Path) -> None:
    with ProsodyServer(tmp_path / "own") as server:
        account = server.create_account("keeper", "keeper-password")
        port, direct_tls_port = server.port, server.direct_tls_port
        server.stop()
        assert not server.running
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((server.host, port), timeout=5).close()

        server.start()

        assert (server.port, server.direct_tls_port) == (port, direct_tls_port)
        server.create_account("newcomer", "newcomer-password")
        async with online(server, account) as client:
            assert client.boundjid.bare == account.jid
    assert not server.running


def test_peer_replies() -> None:
    assert reply_to("help", 1, "Bob") == HELP
    assert reply_to("  Hello! ", 1, "Bob").startswith("Hello! I'm Bob")
    assert reply_to("ping", 2, "Bob") == "pong"
    assert reply_to("what's up?", 3, "Bob") == "#3 You said: what's up?"


async def test_peer_bot_accepts_subscriptions_answers_and_stops_on_sigterm(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    xmpp_client: ClientFactory,
    tmp_path: Path,
) -> None:
    bot, user = new_account("bot"), new_account("user")
    password_file = tmp_path / "password"
    password_file.write_text(bot.password + "\n")
    ready = tmp_path / "ready"
    peer = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "xmpptui.devtools.peer", "--jid", bot.jid],
        *["--password-file", str(password_file), "--ca-file", str(prosody.ca_file)],
        *["--host", prosody.host, "--port", str(prosody.port), "--ready-file", str(ready)],
        env=child_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await wait_until(lambda: ready.exists() or peer.returncode is not None, timeout=30)
        assert ready.exists(), "the peer did not come online"
        client = await xmpp_client(user)
        inbox = record(client, "message")

        client.send_presence_subscription(pto=JID(bot.jid))
        await wait_until(lambda: subscription(client, bot.jid) == "both", message="subscribed")
        await wait_until(lambda: shows(client, bot.jid), message="bot presence")
        assert shows(client, bot.jid) == [("chat", "Demo bot: I answer every message")]

        client.send_message(mto=JID(bot.jid), mbody="hello", mtype="chat")
        client.send_message(mto=JID(bot.jid), mbody="echo <this>", mtype="chat")
        await wait_until(lambda: len(inbox) == 2, message="two replies")
        assert inbox[0]["body"].startswith("Hello! I'm Bot")
        assert inbox[1]["body"] == "#2 You said: echo <this>"
    finally:
        if peer.returncode is None:
            peer.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(peer.communicate(), 15)
    assert peer.returncode == 0, output.decode(errors="replace")
    assert bot.password not in output.decode(errors="replace")


FAKE_APP = textwrap.dedent(
    """
    import argparse, asyncio, json, os, subprocess, sys
    from slixmpp import JID
    from xmpptui.devtools.provision import connect, disconnect, make_client, wait_for

    class Rig:
        def __init__(self, host, port, ca_file):
            self.host, self.port, self.direct_tls_port, self.ca_file = host, port, 0, ca_file

    async def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("jid")
        for flag in ("--host", "--port", "--ca-file", "--password-command"):
            parser.add_argument(flag, required=True)
        args = parser.parse_args()
        password = subprocess.run(args.password_command, shell=True, capture_output=True,
                                  text=True, check=True).stdout.splitlines()[0]
        rig = Rig(args.host, int(args.port), args.ca_file)
        client = make_client(rig, (args.jid, password))
        messages = []
        client.add_event_handler(
            "message", lambda m: messages.append([m["from"].bare, m["body"]]))
        await connect(client, rig)
        roster = client.client_roster
        await wait_for(lambda: roster["bob@localhost"].resources
                       and roster["carol@localhost"].resources, 10, "bots online")
        client.send_message(mto=JID("bob@localhost"), mbody="hello", mtype="chat")
        await wait_for(lambda: any(b.startswith("Hello!") for _, b in messages), 10, "reply")
        result = {
            "argv": sys.argv[1:],
            "env": {k: os.environ.get(k) for k in (
                "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")},
            "keyring": os.environ.get("PYTHON_KEYRING_BACKEND"),
            "roster": {j: [roster[j]["name"], sorted(roster[j]["groups"]),
                           roster[j]["subscription"]] for j in roster},
            "carol": [[r["show"], r["status"]]
                      for r in roster["carol@localhost"].resources.values()],
            "messages": messages,
        }
        await disconnect(client)
        with open(os.environ["FAKE_APP_RESULT"], "w") as out:
            json.dump(result, out)

    asyncio.run(main())
    """
)


def processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that contain ``text``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in argv:
            found.append(argv)
    return found


@pytest.mark.prosody
def test_demo_provisions_contacts_and_runs_the_app(tmp_path: Path) -> None:
    (tmp_path / "fake_app.py").write_text(FAKE_APP)
    result_file = tmp_path / "result.json"
    demo = [sys.executable, "-m", "xmpptui.devtools.demo"]
    done = subprocess.run(
        [*demo, "--app-cmd", f"{sys.executable} fake_app.py"],
        cwd=tmp_path,
        env=child_env(FAKE_APP_RESULT=str(result_file)),
        capture_output=True,
        text=True,
        timeout=90,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("xmpptui demo: Prosody on 127.0.0.1:")
    result = json.loads(result_file.read_text())
    state = tmp_path / ".demo"
    argv = result["argv"]
    assert argv[0] == "alice@localhost"
    assert argv[argv.index("--ca-file") + 1] == str(state / "prosody" / "tls" / "ca.pem")
    assert all(Path(value).parent == state for value in result["env"].values())
    assert result["keyring"] == "keyring.backends.null.Keyring"
    assert result["roster"] == {
        "bob@localhost": ["Bob", ["Friends"], "both"],
        "carol@localhost": ["Carol", ["Friends", "Work"], "both"],
        "dave@localhost": ["Dave", ["Work"], "both"],
        "erin@localhost": ["Erin Example", [], "both"],
    }
    assert result["carol"] == [["away", "In a meeting until 3pm"]]
    assert [m[0] for m in result["messages"]] == ["dave@localhost", "bob@localhost"]
    password = (state / "passwords" / "alice").read_text().strip()
    assert password not in done.stdout + done.stderr
    # everything the demo started is gone
    port = int(argv[argv.index("--port") + 1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert processes_mentioning(str(state)) == []


@pytest.mark.prosody
def test_a_closed_terminal_stops_everything_the_demo_started(tmp_path: Path) -> None:
    """SIGHUP (the terminal or the tmux window closed) stops Prosody and the peers too;
    before, they lived on and the next ``make demo`` found Prosody still running."""
    started = tmp_path / "app-started"
    (tmp_path / "waiting_app.py").write_text(
        "import pathlib, sys, time\n"
        f"pathlib.Path({str(started)!r}).write_text(' '.join(sys.argv[1:]))\n"
        "time.sleep(120)\n"
    )
    demo = subprocess.Popen(
        [sys.executable, "-m", "xmpptui.devtools.demo", "--app-cmd",
         f"{sys.executable} waiting_app.py"],
        cwd=tmp_path, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not started.exists() or not started.read_text():
            assert demo.poll() is None, demo.communicate()
            assert time.monotonic() < deadline, "the demo did not start its app"
            time.sleep(0.05)  # polling a file another process writes
        argv = started.read_text().split()
        state = tmp_path / ".demo"
        assert processes_mentioning(str(state / "prosody"))  # Prosody is up
        demo.send_signal(signal.SIGHUP)
        assert demo.wait(timeout=30) == 128 + signal.SIGHUP
    finally:
        if demo.poll() is None:
            demo.kill()
        demo.communicate()
    port = int(argv[argv.index("--port") + 1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert processes_mentioning(str(state)) == []


def test_a_second_demo_on_the_same_state_says_so_in_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two demos on one ``.demo`` would run two Prosodys on one data directory (the
    second died with a page of Prosody's log); the second waits, then says why."""
    from xmpptui.devtools import demo

    state = tmp_path / ".demo"
    state.mkdir()
    held = demo.claim_state(state, wait=0)
    assert held is not None
    try:
        monkeypatch.setattr(demo, "OTHER_DEMO_WAIT", 0.3)
        assert demo.main(["--state-dir", str(state), "--fresh"]) == 1
        out, err = capsys.readouterr()
        assert "waiting for the demo running in" in out
        assert err.strip() == (
            f"xmpptui demo: another demo is running in {state}; quit it first,"
            " or give this one --state-dir DIR."
        )
        assert (state / demo.LOCK_FILE).exists()  # --fresh left the running demo's state
    finally:
        os.close(held)
    again = demo.claim_state(state, wait=0)  # the first one stopped: the next one starts
    assert again is not None
    os.close(again)
