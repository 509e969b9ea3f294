"""The certificate screens: an untrusted certificate, and a pinned key that changed.

Every value taken from the certificate (names, subject, issuer, fingerprint)
and the verification error reach the screen through :mod:`xmpptui.ui.render`,
so a hostile common name stays inert text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from xmpptui.models import CertificateInfo
from xmpptui.ui import render

#: How many characters of a list of names or a distinguished name are shown.
_LONG = 240

REJECT = "reject"
ONCE = "once"
ALWAYS = "always"
REPLACE = "replace"

#: What the user types to confirm replacing a pinned key.
CONFIRM_WORD = "yes"


def validity_problem(info: CertificateInfo, now: datetime) -> str:
    """``"expired"``, ``"not yet valid"`` or ``""`` for ``info`` at ``now`` (aware)."""
    if now > info.not_after:
        return "expired"
    if now < info.not_before:
        return "not yet valid"
    return ""


def name_matches(expected: str, names: Iterable[str]) -> bool:
    """Whether the server name ``expected`` is one of ``names`` (``*.`` wildcards: one label)."""
    wanted = expected.strip().rstrip(".").lower()
    for name in names:
        candidate = name.strip().rstrip(".").lower()
        if candidate == wanted:
            return True
        suffix = candidate.removeprefix("*.")
        if suffix != candidate and suffix and wanted.partition(".")[2] == suffix:
            return True
    return False


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def validity_content(info: CertificateInfo, now: datetime) -> Content:
    """``from … until …``, with a warning in the error style when out of date."""
    span = f"from {_date(info.not_before)} until {_date(info.not_after)}"
    problem = validity_problem(info, now)
    if not problem:
        return Content(span)
    return Content.assemble(span, "  ", (f"{problem.upper()}", "bold $text-error"))


def _details(info: CertificateInfo, expected: str, now: datetime) -> ComposeResult:
    """Label/value rows of the certificate (values from the network, cleaned)."""
    names = ", ".join(info.names) or "(none)"
    names_value = render.identity_content(names, max_len=_LONG)
    if expected and not name_matches(expected, info.names):
        names_value = Content.assemble(
            names_value, "  ", ("does not include the server name", "bold $text-error")
        )
    issuer = render.identity_content(info.issuer, max_len=_LONG)
    if info.self_signed:
        issuer = Content.assemble(issuer, ("  (self-signed)", "bold $text-warning"))
    with Grid(classes="details"):
        yield Label("Server")
        yield Static(render.identity_content(expected or "(unknown)"), id="server")
        yield Label("Subject")
        yield Static(render.identity_content(info.subject, max_len=_LONG), id="subject")
        yield Label("Names")
        yield Static(names_value, id="names")
        yield Label("Issuer")
        yield Static(issuer, id="issuer")
        yield Label("Valid")
        problem = validity_problem(info, now)
        validity = Static(validity_content(info, now), id="validity")
        if problem:
            validity.add_class("-out-of-date")
        yield validity
        yield Label("Key SHA-256")
        yield Static(render.identity_content(info.spki_sha256, max_len=_LONG), id="fingerprint")


_CSS = """
{name} {{
    align: center middle;
}}
{name} > Vertical {{
    width: 90;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: thick {border};
    background: $surface;
    padding: 1 2;
}}
{name} #title {{
    text-style: bold;
    margin-bottom: 1;
}}
{name} .details {{
    grid-size: 2;
    grid-columns: 13 1fr;
    grid-gutter: 0 1;
    height: auto;
    margin-bottom: 1;
}}
{name} .details Label {{
    color: $text-muted;
}}
{name} .details Static {{
    height: auto;
}}
{name} #validity.-out-of-date {{
    color: $text-error;
}}
{name} .warning {{
    color: $text-warning;
    margin-bottom: 1;
}}
{name} .risk {{
    margin-bottom: 1;
}}
{name} Horizontal {{
    height: auto;
    margin-top: 1;
}}
{name} Button {{
    margin-right: 2;
}}
"""


class TrustScreen(ModalScreen[str]):
    """The system does not trust the server's certificate: ask what to do.

    Dismisses with ``"reject"`` (the default), ``"once"`` (this connection
    only) or ``"always"`` (pin the key for this account).

    | key    | action       |
    |--------|--------------|
    | r      | reject       |
    | o      | trust once   |
    | a      | trust always |
    | escape | reject       |
    | enter  | the focused button (Reject at first) |
    """

    BINDINGS = [
        Binding("escape", "choose('reject')", "Reject", show=True, id="trust.reject"),
        Binding("r", "choose('reject')", "Reject", show=False, id="trust.reject_key"),
        Binding("o", "choose('once')", "Trust once", show=True, id="trust.once"),
        Binding("a", "choose('always')", "Trust always", show=True, id="trust.always"),
    ]

    DEFAULT_CSS = _CSS.format(name="TrustScreen", border="$warning")

    def __init__(
        self,
        info: CertificateInfo,
        server_name: str,
        error: str = "",
        *,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.info = info
        self.server_name = server_name
        self.error = error
        self._now = now or datetime.now(UTC)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content.assemble(
                    "The certificate of ",
                    render.identity_content(self.server_name),
                    " is not trusted",
                ),
                id="title",
            )
            if self.error:
                yield Static(render.body_content(self.error), id="error", classes="warning")
            yield from _details(self.info, self.server_name, self._now)
            yield Static(
                "Your system does not vouch for this server. If you did not expect this, "
                "someone may be intercepting the connection: reject it. Nothing has been "
                "sent yet, not even your password.",
                classes="risk",
                markup=False,
            )
            with Horizontal():
                yield Button("Reject", variant="primary", id="reject")
                yield Button("Trust once", id="once")
                yield Button("Trust always", variant="warning", id="always")

    def on_mount(self) -> None:
        self.query_one("#reject", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = event.button.id or REJECT
        self.action_choose(choice if choice in (REJECT, ONCE, ALWAYS) else REJECT)

    def action_choose(self, choice: str) -> None:
        """Dismiss with ``choice``."""
        self.dismiss(choice)


class PinChangedScreen(ModalScreen[str]):
    """The account's pinned key is not the one the server presents: warn, block.

    Dismisses with ``"reject"`` (the default) or, after an explicit
    confirmation (typing ``yes``), ``"replace"``.

    | key    | action |
    |--------|--------|
    | escape | reject |
    | enter  | the focused button (Reject at first); in the box: confirm |
    """

    BINDINGS = [Binding("escape", "reject", "Reject", show=True, id="pin.reject")]

    DEFAULT_CSS = (
        _CSS.format(name="PinChangedScreen", border="$error")
        + """
    PinChangedScreen #confirm-box {
        height: auto;
        margin-top: 1;
        display: none;
    }
    PinChangedScreen #confirm-box.-shown {
        display: block;
    }
    PinChangedScreen #title {
        color: $text-error;
    }
    """
    )

    def __init__(
        self,
        info: CertificateInfo,
        pinned: Sequence[str],
        server_name: str = "",
        *,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.info = info
        self.pinned = tuple(pinned)
        self.server_name = server_name  # ours, never a name taken from the certificate
        self._now = now or datetime.now(UTC)

    @property
    def confirming(self) -> bool:
        """True once "Trust the new key" was pressed and the confirmation box is shown."""
        return self.query_one("#confirm-box").has_class("-shown")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content.assemble(
                    "WARNING: the key of ",
                    render.identity_content(self.server_name or "the server"),
                    " has changed",
                ),
                id="title",
            )
            yield Static(
                "The server presents a different key from the one you trusted for this "
                "account. This can mean someone is intercepting the connection. It can also "
                "be a legitimate change: check with the server's operator before trusting it. "
                "The login is stopped; nothing has been sent.",
                classes="risk",
                markup=False,
            )
            yield from _details(self.info, self.server_name, self._now)
            pinned = ", ".join(self.pinned) or "(none)"
            yield Static(
                Content.assemble(
                    ("Trusted until now: ", "$text-muted"),
                    render.identity_content(pinned, max_len=_LONG),
                ),
                id="pinned",
            )
            with Horizontal(id="choices"):
                yield Button("Reject", variant="primary", id="reject")
                yield Button("Trust the new key", variant="error", id="replace")
            with Vertical(id="confirm-box"):
                yield Static(
                    f"Type {CONFIRM_WORD} and press Enter to replace the trusted key.",
                    markup=False,
                    classes="warning",
                )
                yield Input(placeholder=CONFIRM_WORD, id="confirm")

    def on_mount(self) -> None:
        self.query_one("#reject", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "replace":
            self.query_one("#confirm-box").add_class("-shown")
            self.query_one("#confirm", Input).focus()
        else:
            self.action_reject()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.confirming and event.value.strip().lower() == CONFIRM_WORD:
            self.dismiss(REPLACE)
        else:
            event.input.clear()

    def action_reject(self) -> None:
        """Dismiss with ``"reject"``."""
        self.dismiss(REJECT)
