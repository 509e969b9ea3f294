"""xmpptui.redact: the one place that knows what a secret looks like (logs, XML console)."""

from __future__ import annotations

import pytest

from xmpptui import redact as redact_module
from xmpptui.redact import MIN_SECRET_LENGTH, REDACTED, add_secret, redact
from xmpptui.store import logs

SASL = "urn:ietf:params:xml:ns:xmpp-sasl"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'<auth xmlns="{SASL}" mechanism="PLAIN">AGFsaWNlAGh1bnRlcjI=</auth>', "AGFsaWNl"),
        (f"<challenge xmlns='{SASL}'>cj1meWtvK2QybGJi</challenge>", "cj1meWtv"),
        (f"<response xmlns='{SASL}'>Yz1iaXdzLHI9</response>", "Yz1iaXdz"),
        (f"<success xmlns='{SASL}'>dj1ybUY5cHFWOFM3</success>", "dj1ybUY5"),
        ("<sasl:auth mechanism='SCRAM-SHA-1'>biwsbj1ib2I=</sasl:auth>", "biwsbj1ib2I="),
        ("<authenticate xmlns='urn:xmpp:sasl:2'><initial-response>cGF5</initial-response>", "cGF5"),
        ("<query xmlns='jabber:iq:register'><password>hunter2</password></query>", "hunter2"),
        ("<query xmlns='jabber:iq:auth'><digest>48fc78be9ec8f86d</digest></query>", "48fc78be"),
        ("<field type='text-private' var='pin'><value>98765</value></field>", "98765"),
        ("<field var='new-password'><value>swordfish</value></field>", "swordfish"),
        ("<x token='abcdef123456'/>", "abcdef123456"),
        ("login with password=pw-from-args, then", "pw-from-args"),
        (f"<auth xmlns='{SASL}'>cut in the mid", "cut in the mid"),  # a cut line: to the end
    ],
)
def test_secrets_are_blanked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert REDACTED in out


@pytest.mark.parametrize(
    "text",
    [
        f"<success xmlns='{SASL}'/>",
        "<auth-hint>visible</auth-hint>",  # another element, not <auth>
        "<passwords-policy>visible</passwords-policy>",
        "<message><body>an ordinary message</body></message>",
        "<field var='username'><value>bob</value></field>",
    ],
)
def test_everything_else_is_kept(text: str) -> None:
    assert redact(text) == text


def test_registered_secrets_are_blanked_anywhere_and_short_ones_ignored() -> None:
    add_secret("correct horse battery staple")
    add_secret("x" * (MIN_SECRET_LENGTH - 1))
    out = redact("<body>my password is correct horse battery staple, xxx</body>")
    assert out == f"<body>my password is {REDACTED}, xxx</body>"


def test_the_store_uses_the_same_redaction_and_registry() -> None:
    assert logs.redact is redact and logs.add_secret is add_secret and logs.REDACTED == REDACTED
    logs.add_secret("registered through the store")
    assert redact_module.redact("<b>registered through the store</b>") == f"<b>{REDACTED}</b>"
