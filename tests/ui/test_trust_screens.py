"""The certificate screens, driven with Pilot in a tiny host app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from xmpptui.models import CertificateInfo
from xmpptui.ui.render import REPLACEMENT
from xmpptui.ui.screens.trust import PinChangedScreen, TrustScreen, name_matches

SIZE = (110, 40)
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
PIN = "sha256/" + "A" * 43 + "="
OLD_PIN = "sha256/" + "B" * 43 + "="
HOSTILE_CN = "[@click=app.quit]x[/] \x1b]52;c;aGVsbG8=\x07 \u202eevil"


def certificate(
    subject: str = "chat.example.org",
    names: tuple[str, ...] = ("chat.example.org",),
    *,
    expired: bool = False,
    issuer: str = "Example CA",
) -> CertificateInfo:
    start = NOW - timedelta(days=400 if expired else 30)
    return CertificateInfo(
        subject=subject,
        issuer=issuer,
        names=names,
        not_before=start,
        not_after=start + timedelta(days=90 if expired else 365),
        spki_sha256=PIN,
        self_signed=issuer == subject,
    )


class Host(App[None]):
    """Pushes one screen at start and records what it is dismissed with."""

    def __init__(self, make: Callable[[], ModalScreen[str]]) -> None:
        super().__init__()
        self._make = make
        self.results: list[str | None] = []

    def on_mount(self) -> None:
        self.push_screen(self._make(), self.results.append)


async def settle(pilot: Pilot[None], predicate: Callable[[], object]) -> None:
    """Let the app run until ``predicate()`` holds (at most 5 s)."""
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {predicate}")


def text_of(app: App[None], selector: str) -> str:
    content = app.screen.query_one(selector, Static).content
    assert isinstance(content, Content), f"{selector} holds {type(content).__name__}"
    return content.plain


def trust_host(info: CertificateInfo | None = None, error: str = "") -> Host:
    return Host(lambda: TrustScreen(info or certificate(), "chat.example.org", error, now=NOW))


def pin_host(info: CertificateInfo | None = None) -> Host:
    return Host(lambda: PinChangedScreen(info or certificate(), [OLD_PIN], now=NOW))


# --- TrustScreen ------------------------------------------------------------------------


async def test_trust_screen_shows_the_certificate_and_focuses_reject() -> None:
    app = trust_host(error="certificate verify failed: self-signed certificate")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TrustScreen))
        assert isinstance(app.focused, Button) and app.focused.id == "reject"
        assert "chat.example.org" in text_of(app, "#title")
        assert text_of(app, "#server") == "chat.example.org"
        assert text_of(app, "#subject") == "chat.example.org"
        assert text_of(app, "#names") == "chat.example.org"
        assert text_of(app, "#issuer") == "Example CA"
        assert text_of(app, "#fingerprint") == PIN
        assert "self-signed certificate" in text_of(app, "#error")
        assert text_of(app, "#validity") == "from 2030-05-02 12:00 UTC until 2031-05-02 12:00 UTC"
        assert "EXPIRED" not in text_of(app, "#validity")
        assert not app.screen.query_one("#validity").has_class("-out-of-date")
        assert app.results == []


async def test_enter_rejects_by_default() -> None:
    app = trust_host()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TrustScreen))
        await pilot.press("enter")
        await settle(pilot, lambda: app.results)
        assert app.results == ["reject"]
        assert not isinstance(app.screen, TrustScreen)


async def test_escape_and_r_reject() -> None:
    for key in ("escape", "r"):
        app = trust_host()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, TrustScreen))  # noqa: B023
            await pilot.press(key)
            await settle(pilot, lambda: app.results)  # noqa: B023
            assert app.results == ["reject"], key


async def test_o_trusts_once_and_a_trusts_always() -> None:
    for key, expected in (("o", "once"), ("a", "always")):
        app = trust_host()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, TrustScreen))  # noqa: B023
            await pilot.press(key)
            await settle(pilot, lambda: app.results)  # noqa: B023
            assert app.results == [expected], key


async def test_buttons_trust_once_and_always() -> None:
    for button, expected in (("#once", "once"), ("#always", "always"), ("#reject", "reject")):
        app = trust_host()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, TrustScreen))  # noqa: B023
            await pilot.click(button)
            await settle(pilot, lambda: app.results)  # noqa: B023
            assert app.results == [expected], button


async def test_expired_certificate_is_highlighted() -> None:
    app = trust_host(certificate(expired=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TrustScreen))
        assert "EXPIRED" in text_of(app, "#validity")
        assert app.screen.query_one("#validity").has_class("-out-of-date")


async def test_not_yet_valid_certificate_is_highlighted() -> None:
    future = certificate()
    future = CertificateInfo(
        future.subject,
        future.issuer,
        future.names,
        NOW + timedelta(days=2),
        NOW + timedelta(days=90),
        future.spki_sha256,
    )
    app = trust_host(future)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TrustScreen))
        assert "NOT YET VALID" in text_of(app, "#validity")
        assert app.screen.query_one("#validity").has_class("-out-of-date")


async def test_names_that_do_not_cover_the_server_are_flagged() -> None:
    app = trust_host(certificate(names=("other.example.net",)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TrustScreen))
        assert "does not include the server name" in text_of(app, "#names")


async def test_self_signed_is_said() -> None:
    app = trust_host(certificate(issuer="chat.example.org"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TrustScreen))
        assert "self-signed" in text_of(app, "#issuer")


def test_name_matching() -> None:
    assert name_matches("Chat.Example.org", ["chat.example.org"])
    assert name_matches("chat.example.org", ["*.example.org"])
    assert not name_matches("a.chat.example.org", ["*.example.org"])
    assert not name_matches("example.org", ["*.example.org"])
    assert not name_matches("chat.example.org", ["example.org", "*"])


async def test_hostile_certificate_text_is_inert() -> None:
    hostile = certificate(subject=HOSTILE_CN, names=(HOSTILE_CN,), issuer=HOSTILE_CN)
    app = Host(lambda: TrustScreen(hostile, HOSTILE_CN, HOSTILE_CN, now=NOW))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TrustScreen))
        for selector in ("#title", "#server", "#subject", "#names", "#issuer", "#error"):
            shown = text_of(app, selector)
            assert "[@click=app.quit]x[/]" in shown, selector  # literal, not an action
            assert "\x1b" not in shown and "\x07" not in shown, selector
            assert f"{REPLACEMENT}]52;c;" in shown, selector
            assert "\u202e" not in shown, selector
        # The would-be link is plain text: clicking it neither quits nor dismisses.
        await pilot.click("#subject", offset=(1, 0))
        await pilot.click("#names", offset=(1, 0))
        await pilot.pause()
        assert app.is_running and app.results == []
        assert isinstance(app.screen, TrustScreen)


# --- PinChangedScreen --------------------------------------------------------------------


async def test_pin_changed_warns_and_rejects_by_default() -> None:
    app = pin_host()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PinChangedScreen))
        assert "has changed" in text_of(app, "#title")
        assert "intercepting" in str(app.screen.query_one(".risk", Static).content)
        assert text_of(app, "#fingerprint") == PIN
        assert OLD_PIN in text_of(app, "#pinned")
        assert isinstance(app.focused, Button) and app.focused.id == "reject"
        await pilot.press("enter")
        await settle(pilot, lambda: app.results)
        assert app.results == ["reject"]


async def test_pin_changed_escape_rejects_even_while_confirming() -> None:
    app = pin_host()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PinChangedScreen))
        await pilot.press("escape")
        await settle(pilot, lambda: app.results)
        assert app.results == ["reject"]
    app = pin_host()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PinChangedScreen))
        await pilot.click("#replace")
        await settle(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press("escape")
        await settle(pilot, lambda: app.results)
        assert app.results == ["reject"]


async def test_replacing_the_key_needs_typed_confirmation() -> None:
    app = pin_host()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PinChangedScreen))
        screen = app.screen
        assert isinstance(screen, PinChangedScreen) and not screen.confirming
        assert not screen.query_one("#confirm-box").display
        await pilot.click("#replace")
        await settle(pilot, lambda: isinstance(app.focused, Input))
        assert screen.confirming and screen.query_one("#confirm-box").display
        assert app.results == []  # one press is not enough
        await pilot.press("enter")  # nothing typed
        await pilot.press(*"no", "enter")
        await pilot.press(*"y", "enter")
        await pilot.pause()
        assert app.results == [] and isinstance(app.screen, PinChangedScreen)
        await pilot.press(*"yes", "enter")
        await settle(pilot, lambda: app.results)
        assert app.results == ["replace"]


async def test_pin_changed_letters_do_not_replace() -> None:
    app = pin_host()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PinChangedScreen))
        await pilot.press("a", "o", "y", "e", "s")
        await pilot.pause()
        assert app.results == [] and isinstance(app.screen, PinChangedScreen)


async def test_pin_changed_hostile_text_is_inert() -> None:
    hostile = certificate(subject=HOSTILE_CN, names=(HOSTILE_CN,), issuer=HOSTILE_CN)
    app = Host(lambda: PinChangedScreen(hostile, [OLD_PIN], HOSTILE_CN, now=NOW))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PinChangedScreen))
        for selector in ("#title", "#subject", "#names", "#issuer"):
            shown = text_of(app, selector)
            assert "[@click=app.quit]x[/]" in shown, selector
            assert "\x1b" not in shown and f"{REPLACEMENT}]52;c;" in shown, selector
        await pilot.click("#subject", offset=(1, 0))
        await pilot.pause()
        assert app.is_running and app.results == []
