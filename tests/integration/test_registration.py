"""In-band registration (XEP-0077) and password change against a real Prosody 0.12.

The module starts its own Prosody with extra virtual hosts, each configured the
way real servers refuse or shape registration:

* ``localhost``: open registration; Prosody answers with a data form
  (``FORM_TYPE``, username, password) plus the same legacy fields;
* ``form.localhost``: extra fields (``additional_registration_fields``), a
  required list-single, a boolean with a description, a required ``email``;
* ``closed.localhost``: ``allow_registration = false`` (no feature offered);
* ``locked.localhost``: ``mod_register`` disabled, so no password change either;
* ``limited.localhost``: one registration per address per hour (policy-violation).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakeserver import PLAINTEXT_REGISTRATION, FakeServer
from tests.rig import AccountFactory, ClientFactory, ClientFailedError
from xmpptui.devtools.prosody import (
    LuaValue,
    ProsodyError,
    ProsodyServer,
    find_executable,
    free_ports,
)
from xmpptui.models import FormField
from xmpptui.xmpp.registration import (
    RegistrationError,
    RegistrationTarget,
    change_password,
    fetch_registration_form,
    register_account,
)

pytestmark = pytest.mark.prosody

HOSTS: dict[str, dict[str, LuaValue]] = {
    "form.localhost": {
        "registration_title": "Join [b]us[/b]",
        "registration_instructions": "Pick a name and a colour.",
        "additional_registration_fields": [
            "email+",
            {
                "name": "colour",
                "type": "list-single",
                "label": "Favourite colour",
                "required": True,
                "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}],
            },
            {"name": "rules", "type": "boolean", "label": "I accept", "desc": "Be nice."},
        ],
    },
    "closed.localhost": {"allow_registration": False},
    "locked.localhost": {"modules_disabled": ["register"]},
    "limited.localhost": {
        "registration_throttle_max": 1,
        "registration_throttle_period": 3600,
        "registration_allowlist": [],
    },
}
_serial = itertools.count(1)


def fresh(prefix: str = "reg") -> str:
    return f"{prefix}{next(_serial)}x{secrets.token_hex(2)}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProsodyServer]:
    try:
        find_executable("prosody")
    except ProsodyError as error:
        pytest.fail(f"The integration tests need a real Prosody: {error}", pytrace=False)
    with ProsodyServer(tmp_path_factory.mktemp("prosody-reg"), extra_hosts=HOSTS) as running:
        yield running


@pytest.fixture
async def clients(server: ProsodyServer) -> AsyncIterator[ClientFactory]:
    factory = ClientFactory(server)
    yield factory
    await factory.aclose()


def target(
    server: ProsodyServer, domain: str = "localhost", **changes: object
) -> RegistrationTarget:
    settings: dict[str, object] = {
        "domain": domain,
        "host": server.host,
        "port": server.port,
        "ca_file": server.ca_file,
        **changes,
    }
    return RegistrationTarget(**settings)  # type: ignore[arg-type]


def is_free(server: ProsodyServer, username: str, host: str = "localhost") -> bool:
    """True when ``username@host`` does not exist (creating it then succeeds)."""
    try:
        server.create_account(username, secrets.token_urlsafe(12), host=host)
    except ProsodyError as error:
        assert "User exists" in str(error)
        return False
    return True


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_the_form_is_prosodys_data_form(server: ProsodyServer, direct_tls: bool) -> None:
    port = server.direct_tls_port if direct_tls else server.port
    form = await fetch_registration_form(
        target(server, port=port, direct_tls=direct_tls, username="newbie")
    )

    assert form.is_data_form and not form.registered
    assert "Choose a username and password" in form.instructions
    assert [(f.var, f.kind, f.required) for f in form.fields] == [
        ("FORM_TYPE", "hidden", False),
        ("username", "text-single", True),
        ("password", "text-private", True),
    ]
    assert form.fields[0].value == "jabber:iq:register"
    assert form.fields[1].value == "newbie"  # filled from the target


async def test_a_registered_account_logs_in(server: ProsodyServer, clients: ClientFactory) -> None:
    username, password = fresh(), secrets.token_urlsafe(12)

    await register_account(target(server), {"username": username, "password": password})

    client = await clients((f"{username}@localhost", password))
    assert client.boundjid.bare == f"{username}@localhost"


async def test_the_username_from_the_target_is_used_when_values_lack_it(
    server: ProsodyServer, clients: ClientFactory
) -> None:
    username, password = fresh(), secrets.token_urlsafe(12)

    await register_account(target(server, username=username), {"password": password})

    await clients((f"{username}@localhost", password))


async def test_a_taken_username_is_refused(server: ProsodyServer, clients: ClientFactory) -> None:
    taken = AccountFactory(server)("taken")

    with pytest.raises(RegistrationError) as refused:
        await register_account(target(server), {"username": taken.username, "password": "x-12345"})

    assert str(refused.value) == f"The username {taken.username} is already taken on localhost."
    assert refused.value.condition == "conflict"
    await clients(taken)  # the existing account kept its password


@pytest.mark.parametrize("host", ["closed.localhost", "locked.localhost"])
async def test_a_host_without_registration_says_so(server: ProsodyServer, host: str) -> None:
    username = fresh()
    with pytest.raises(RegistrationError) as refused:
        await register_account(target(server, host), {"username": username, "password": "x-1234"})

    assert str(refused.value) == f"{host} does not allow creating accounts from a client."
    with pytest.raises(RegistrationError, match="does not allow creating accounts"):
        await fetch_registration_form(target(server, host))
    assert is_free(server, username, host)


async def test_extra_fields_come_as_a_data_form_and_are_submitted_as_one(
    server: ProsodyServer, clients: ClientFactory
) -> None:
    form = await fetch_registration_form(target(server, "form.localhost"))

    assert form.is_data_form
    assert form.instructions == "Join [b]us[/b]\nPick a name and a colour."
    by_var = {f.var: f for f in form.fields}
    assert list(by_var) == ["FORM_TYPE", "username", "password", "email", "colour", "rules"]
    assert by_var["email"] == FormField("email", "text-single", "Email", required=True)
    assert by_var["colour"].options == (("Red", "red"), ("Blue", "blue"))
    assert (by_var["colour"].kind, by_var["colour"].required) == ("list-single", True)
    assert (by_var["rules"].kind, by_var["rules"].description) == ("boolean", "Be nice.")

    username, password = fresh("form"), secrets.token_urlsafe(12)
    values = {"username": username, "password": password, "email": "a@example.org"}
    with pytest.raises(RegistrationError) as refused:  # the server checks the required list
        await register_account(target(server, "form.localhost"), values)
    assert str(refused.value) == (
        "The server refused the registration: Colour: Required value missing."
    )

    await register_account(
        target(server, "form.localhost"), {**values, "colour": "blue", "rules": True}
    )
    await clients((f"{username}@form.localhost", password))


async def test_an_invalid_username_is_refused_with_the_servers_words(
    server: ProsodyServer,
) -> None:
    with pytest.raises(RegistrationError) as refused:
        await register_account(target(server), {"username": "no spaces", "password": "x-12345"})

    assert str(refused.value) == (
        "The server refused the registration: The requested username is invalid."
    )
    assert refused.value.condition == "not-acceptable"


async def test_a_throttled_registration_is_refused_for_now(
    server: ProsodyServer, clients: ClientFactory
) -> None:
    first, second = fresh(), fresh()
    await register_account(
        target(server, "limited.localhost"), {"username": first, "password": "first-pw"}
    )

    with pytest.raises(RegistrationError) as refused:
        await register_account(
            target(server, "limited.localhost"), {"username": second, "password": "second-pw"}
        )

    assert str(refused.value) == (
        "The server refused the registration for now: "
        "Too many registrations from this IP address recently."
    )
    assert refused.value.condition == "policy-violation"
    assert is_free(server, second, "limited.localhost")


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_an_untrusted_certificate_stops_before_anything_is_sent(
    server: ProsodyServer, direct_tls: bool
) -> None:
    username = fresh()
    port = server.direct_tls_port if direct_tls else server.port
    untrusted = target(server, port=port, direct_tls=direct_tls, ca_file=None)

    with pytest.raises(RegistrationError) as refused:
        await register_account(untrusted, {"username": username, "password": "secret-pw"})

    assert str(refused.value) == (
        "The server's certificate is not trusted (unable to get local issuer certificate)."
    )
    assert is_free(server, username)


async def test_an_unreachable_port_is_a_sentence(server: ProsodyServer) -> None:
    (port,) = free_ports(1)
    with pytest.raises(RegistrationError) as refused:
        await fetch_registration_form(target(server, port=port))

    assert str(refused.value) == f"Cannot reach 127.0.0.1:{port}: Connection refused."


async def test_a_server_without_tls_gets_nothing() -> None:
    async with FakeServer(features=PLAINTEXT_REGISTRATION) as fake:
        settings = RegistrationTarget("localhost", fake.host, fake.port, Path("/nonexistent"))
        with pytest.raises(RegistrationError) as refused:
            await register_account(settings, {"username": "alice", "password": "pa55-word"})

    assert str(refused.value) == "localhost did not offer TLS encryption, so nothing was sent."
    assert fake.connections == 1
    assert b"<stream:stream" in fake.received
    assert b"jabber:iq:register" not in fake.received
    assert b"pa55-word" not in fake.received and b"<auth" not in fake.received


async def test_a_silent_server_times_out_with_a_sentence() -> None:
    async with FakeServer(features=None) as fake:
        settings = RegistrationTarget("localhost", fake.host, fake.port)
        with pytest.raises(RegistrationError) as refused:
            await fetch_registration_form(settings, timeout=0.5)

    assert str(refused.value) == "localhost did not answer within 0.5 seconds."


async def test_change_password_then_only_the_new_one_works(
    server: ProsodyServer, clients: ClientFactory
) -> None:
    account = AccountFactory(server)("changer")
    client = await clients(account)

    await change_password(client, "brand-new-password")

    assert client.password == "brand-new-password"
    await clients((account.jid, "brand-new-password"), resource="again")
    with pytest.raises(ClientFailedError, match="authentication refused"):
        await clients(account)


async def test_change_password_refused_by_the_server(
    server: ProsodyServer, clients: ClientFactory
) -> None:
    account = server.create_account(fresh("locked"), "locked-password", host="locked.localhost")
    client = await clients(account)

    with pytest.raises(RegistrationError) as refused:
        await change_password(client, "another-password")

    assert str(refused.value) == (
        "locked.localhost does not allow changing the password from a client."
    )
    assert client.password == "locked-password"
    await clients(account, resource="again")  # the old password still works
