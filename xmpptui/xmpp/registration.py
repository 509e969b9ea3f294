"""In-band registration (XEP-0077): create an account, change a password.

* :func:`fetch_registration_form` asks a server what it needs to create an
  account; :func:`register_account` creates it. Each uses its own short,
  unauthenticated stream, TLS before anything else (see
  :mod:`xmpptui.xmpp.regstream`).
* :func:`change_password` changes the password of the account an already
  logged-in client is connected to.

Every failure is a :class:`RegistrationError` whose ``str`` is one sentence for
the user, never a traceback. Passwords are never logged nor put in a message.
Server texts inside the messages are raw (but short): the UI cleans them.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from slixmpp import ClientXMPP
from slixmpp.plugins.xep_0077.stanza import Register, RegisterFeature
from slixmpp.stanza import Iq, StreamFeatures
from slixmpp.xmlstream import register_stanza_plugin
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher.idsender import MatchIDSender

from xmpptui.models import RegistrationForm
from xmpptui.xmpp.client import DIRECT_TLS_PORT
from xmpptui.xmpp.regform import (
    REGISTER_NS,
    FormValue,
    RegistrationError,
    account_refusal,
    build_submission,
    parse_registration_query,
    password_refusal,
)
from xmpptui.xmpp.regstream import RegistrationTarget, on_fresh_stream

__all__ = [
    "DEFAULT_TIMEOUT",
    "DIRECT_TLS_PORT",
    "FormValue",
    "RegistrationError",
    "RegistrationTarget",
    "change_password",
    "fetch_registration_form",
    "register_account",
]

#: Overall deadline of one registration attempt or password change, in seconds.
DEFAULT_TIMEOUT: Final = 20.0
STANZA_ERROR_NS: Final = "urn:ietf:params:xml:ns:xmpp-stanzas"

# What slixmpp's xep_0077 plugin would register: the stream feature, and the
# iq payload (slixmpp only sends register iqs before a session has started).
register_stanza_plugin(StreamFeatures, RegisterFeature)
register_stanza_plugin(Iq, Register)


async def fetch_registration_form(
    target: RegistrationTarget, *, timeout: float = DEFAULT_TIMEOUT
) -> RegistrationForm:
    """What ``target`` needs to create an account. Raises ``RegistrationError``.

    An empty username field is filled with ``target.username``.
    """

    async def job(client: ClientXMPP, deadline: float) -> RegistrationForm:
        return await _get_form(client, target, deadline)

    return await on_fresh_stream(target, timeout, job)


async def register_account(
    target: RegistrationTarget,
    values: Mapping[str, FormValue],
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Create the account described by ``values`` (var -> str, list or bool) on ``target``.

    The form is fetched again on the same stream (servers may tie it to the
    stream) and answered in kind: a data form, or the legacy fields. Fields
    missing from ``values`` are sent with the form's default (hidden fields,
    ``target.username``). Raises ``RegistrationError`` with a sentence.
    """
    username = str(values.get("username") or target.username)

    async def job(client: ClientXMPP, deadline: float) -> None:
        form = await _get_form(client, target, deadline)
        try:
            await _request(client, "set", build_submission(form, values), _left(deadline))
        except _Refused as error:
            message = account_refusal(error.condition, error.text, target.domain, username)
            raise RegistrationError(message, condition=error.condition) from None

    await on_fresh_stream(target, timeout, job)


async def change_password(
    client: ClientXMPP, new_password: str, *, timeout: float = DEFAULT_TIMEOUT
) -> None:
    """Change the password of the account ``client`` is logged in to (XEP-0077 3.3).

    On success ``client.password`` is updated too, for later reconnections.
    Raises ``RegistrationError`` with a sentence when the server refuses.
    """
    jid = client.boundjid
    if not getattr(client, "authenticated", False) or getattr(client, "transport", None) is None:
        raise RegistrationError("Not connected: the password cannot be changed now.")
    query = ET.Element(f"{{{REGISTER_NS}}}query")
    ET.SubElement(query, f"{{{REGISTER_NS}}}username").text = jid.user
    ET.SubElement(query, f"{{{REGISTER_NS}}}password").text = new_password
    try:
        await _request(client, "set", query, timeout, to=jid.domain)
    except _Refused as error:
        message = password_refusal(error.condition, error.text, jid.domain)
        raise RegistrationError(message, condition=error.condition) from None
    except TimeoutError:
        message = f"{jid.domain} did not answer the password change within {timeout:g} seconds."
        raise RegistrationError(message) from None
    client.password = new_password


def _left(deadline: float) -> float:
    return max(0.1, deadline - time.monotonic())


class _Refused(Exception):
    """The server answered an iq with an error: its condition and text."""

    def __init__(self, condition: str, text: str) -> None:
        super().__init__(condition)
        self.condition, self.text = condition, text


async def _request(
    client: Any, kind: str, payload: ET.Element, timeout: float, to: str = ""
) -> ET.Element:
    """Send an iq with the children of ``payload`` in its register query; its answer.

    Raises ``_Refused`` for an error answer, ``TimeoutError`` without one. Not
    ``Iq.send()``'s future: slixmpp 1.17 fails to build its ``IqError`` for a
    condition it does not know (``policy-violation``), and the future then never
    resolves. The iq goes through the ``register`` stanza plugin because before
    a session has started slixmpp only lets such iqs (and bind/session) out.
    """
    iq = client.Iq()
    iq["type"] = kind
    if to:
        iq["to"] = to
    iq["register"].xml.extend(payload)
    answered: asyncio.Future[ET.Element] = asyncio.get_running_loop().create_future()

    def on_answer(stanza: Any) -> None:
        if stanza["type"] in ("result", "error") and not answered.done():
            answered.set_result(stanza.xml)

    name = f"xmpptui-register-{iq['id']}"
    criteria = {"id": iq["id"], "self": client.boundjid, "peer": iq["to"]}
    client.register_handler(Callback(name, MatchIDSender(criteria), on_answer, once=True))
    try:
        client.send(iq)
        answer = await asyncio.wait_for(answered, timeout)
    finally:
        client.remove_handler(name)
    if answer.get("type") == "error":
        raise _Refused(*_error_of(answer))
    return answer


def _error_of(answer: ET.Element) -> tuple[str, str]:
    """(condition, text) of an error iq, whatever the condition (RFC 6120 8.3)."""
    error = next((child for child in answer if child.tag.endswith("}error")), None)
    condition = text = ""
    for child in error if error is not None else ():
        namespace, _, name = child.tag[1:].partition("}")
        if namespace != STANZA_ERROR_NS:
            continue
        if name == "text":
            text = child.text or ""
        elif not condition:
            condition = name
    return condition, text


async def _get_form(
    client: ClientXMPP, target: RegistrationTarget, deadline: float
) -> RegistrationForm:
    query = ET.Element(f"{{{REGISTER_NS}}}query")
    try:
        answer = await _request(client, "get", query, _left(deadline))
    except _Refused as error:
        message = account_refusal(error.condition, error.text, target.domain, target.username)
        raise RegistrationError(message, condition=error.condition) from None
    try:
        form = parse_registration_query(answer)
    except ValueError:
        message = f"{target.domain} answered without a registration form."
        raise RegistrationError(message, condition="bad-request") from None
    if not form.fields:  # e.g. only a web page to register at (XEP-0077 section 5)
        message = account_refusal("not-allowed", "", target.domain)
        raise RegistrationError(message, condition="not-allowed")
    if target.username:
        fields = tuple(
            replace(f, value=target.username) if f.var == "username" and not f.value else f
            for f in form.fields
        )
        form = replace(form, fields=fields)
    return form


class NetworkRegistrar:
    """Creates one account on its server; what the app holds to run ``--register``."""

    def __init__(self, target: RegistrationTarget, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.target = target
        self._timeout = timeout

    async def fetch_form(self) -> RegistrationForm:
        return await fetch_registration_form(self.target, timeout=self._timeout)

    async def submit(self, values: Mapping[str, FormValue]) -> None:
        await register_account(self.target, values, timeout=self._timeout)
