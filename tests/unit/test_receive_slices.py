"""Received data is parsed in slices (``XmppClient.data_received``): one big read
(the server's answer to 5,000 presence probes, a burst of messages) must not
keep the loop from keys and frames until all of it is handled; while a key is
on its way to the screen (``client.yield_to``), received data waits.

The slice budget is set to zero here, so every turn of the loop parses one
piece: what is asserted is the order, the pausing and the completeness, not
a duration.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from xmpptui.xmpp import client as client_module
from xmpptui.xmpp.client import SLICE_BYTES, XmppClient
from xmpptui.xmpp.connection import ConnectionSettings, build_client

HEADER = (
    b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
    b" from='example.org' id='s1' version='1.0'>"
)


class Transport:
    """What the client needs of a transport: reading paused/resumed, recorded."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        self.calls.append("pause")

    def resume_reading(self) -> None:
        self.calls.append("resume")

    def write(self, _data: bytes) -> None:
        pass


def message(number: int) -> bytes:
    return (
        f"<message type='chat' from='bob@example.org/r' id='m{number}'>"
        f"<body>message {number} of the burst</body></message>"
    ).encode()


@pytest.fixture
async def client() -> XmppClient:
    client = build_client(
        ConnectionSettings("alice@example.org", "secret", "r"),
        on_attempts_exhausted=lambda: None,
        on_pin_mismatch=lambda _info: None,
    )
    client.slice_seconds = 0.0  # one piece per turn of the loop
    client.transport = Transport()
    client.init_parser()
    client.data_received(HEADER)
    return client


def collect(client: XmppClient) -> list[str]:
    seen: list[str] = []

    def on_message(stanza: Any) -> None:
        seen.append(str(stanza["id"]))

    client.register_handler(Callback("seen", MatchXPath("{jabber:client}message"), on_message))
    return seen


async def until(condition: Any, turns: int = 10_000) -> int:
    """Turn the loop until ``condition()``; returns how many turns it took."""
    for turn in range(turns):
        if condition():
            return turn
        await asyncio.sleep(0)
    raise AssertionError("condition not met")


async def test_a_big_read_is_parsed_over_many_turns_in_order(client: XmppClient) -> None:
    seen = collect(client)
    data = b"".join(message(n) for n in range(2000))
    assert len(data) > 20 * SLICE_BYTES
    client.data_received(data)
    first_turn = len(seen)
    assert 0 < first_turn < 100  # one piece now, the rest later
    assert client.transport.calls == ["pause"]  # the server holds what comes next
    turns = await until(lambda: len(seen) == 2000)
    assert turns >= len(data) // SLICE_BYTES - 1
    assert seen == [f"m{n}" for n in range(2000)]
    assert client.transport.calls == ["pause", "resume"]


async def test_data_arriving_meanwhile_waits_its_turn(client: XmppClient) -> None:
    seen = collect(client)
    client.data_received(b"".join(message(n) for n in range(1000)))
    client.data_received(message(1000) + message(1001))  # while the backlog is parsed
    await until(lambda: len(seen) == 1002)
    assert seen == [f"m{n}" for n in range(1002)]


async def test_a_small_read_is_parsed_at_once(client: XmppClient) -> None:
    seen = collect(client)
    client.data_received(message(1) + message(2))
    assert seen == ["m1", "m2"] and client.transport.calls == []


async def test_a_lost_connection_drops_the_backlog(client: XmppClient) -> None:
    seen = collect(client)
    client.data_received(b"".join(message(n) for n in range(2000)))
    handled = len(seen)
    client.connection_lost(None)
    for _ in range(50):
        await asyncio.sleep(0)
    assert len(seen) == handled


@pytest.fixture
def urgent() -> Any:
    """``client.yield_to`` with a switch: while ``urgent.on``, received data waits."""

    class Switch:
        on = False

        def __call__(self) -> bool:
            return self.on

    switch = Switch()
    client_module.yield_to(switch)
    yield switch
    client_module.yield_to(None)


async def test_received_data_waits_while_a_key_is_on_its_way(
    client: XmppClient, urgent: Any
) -> None:
    seen = collect(client)
    urgent.on = True
    client.data_received(message(1) + message(2))
    await asyncio.sleep(client_module.YIELD_SECONDS * 5)
    assert seen == [] and client.transport.calls == ["pause"]  # held, the server waits
    urgent.on = False
    await until(lambda: len(seen) == 2)
    assert seen == ["m1", "m2"] and client.transport.calls == ["pause", "resume"]


async def test_a_big_read_stops_between_pieces_for_a_key(client: XmppClient, urgent: Any) -> None:
    client.slice_seconds = 60.0  # no time limit: only the key stops the parsing
    seen: list[str] = []

    def on_message(stanza: Any) -> None:
        seen.append(str(stanza["id"]))
        if len(seen) == 10:
            urgent.on = True  # a key arrives while the read is parsed

    client.register_handler(Callback("seen", MatchXPath("{jabber:client}message"), on_message))
    client.data_received(b"".join(message(n) for n in range(2000)))
    held = len(seen)
    assert 10 <= held < 100  # the piece under way was finished, no more
    await asyncio.sleep(client_module.YIELD_SECONDS * 5)
    assert len(seen) == held
    urgent.on = False
    await until(lambda: len(seen) == 2000)
    assert seen == [f"m{n}" for n in range(2000)]


async def test_keys_held_down_do_not_stop_the_reading(client: XmppClient, urgent: Any) -> None:
    """Urgent all the time (keys faster than each one's wait): received data is still
    parsed, a slice after every ``MAX_HOLD_SECONDS`` of waiting."""
    seen = collect(client)
    urgent.on = True
    client.data_received(b"".join(message(n) for n in range(200)))
    assert seen == []
    await until(lambda: len(seen) > 0, turns=10**6)
    first = len(seen)
    assert first < 200  # one slice (a piece here: the budget is zero), then waiting again
    await until(lambda: len(seen) > first, turns=10**6)
    assert seen == [f"m{n}" for n in range(len(seen))]
