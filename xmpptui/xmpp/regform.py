"""XEP-0077 registration queries as data: parse the server's form, build the answer.

Pure functions over ``xml.etree`` elements (no network, no slixmpp), used by
:mod:`xmpptui.xmpp.registration` and tested from XML strings.

A register query carries legacy fields (``<username/>``, ``<password/>``,
``<email/>``...), ``<instructions/>``, maybe ``<registered/>``, and maybe a
``jabber:x:data`` form, which then takes precedence (XEP-0077 section 6):

* legacy field -> ``FormField(var=name, kind="text-single", required=True)``
  (``password`` is ``text-private``; the old anti-spam ``<key/>`` is ``hidden``
  and sent back as received);
* data form field -> ``FormField`` with its ``var``, ``type`` (as ``kind``),
  ``label``, ``<required/>``, ``<desc/>``, options ``(label, value)``, and its
  ``<value/>`` elements joined by ``"\\n"`` (several for the multi kinds);
* the form's ``<title/>`` and ``<instructions/>`` become the instructions.

Every string is kept as the server sent it: the UI cleans it for display.
``account_refusal`` and ``password_refusal`` turn an XMPP error condition and
the server's text into the one sentence the user sees.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Final, TypeAlias

from xmpptui.models import FormField, RegistrationForm

__all__ = [
    "DATA_NS",
    "OOB_NS",
    "REGISTER_NS",
    "FormValue",
    "FormValues",
    "RegistrationError",
    "account_refusal",
    "build_submission",
    "parse_registration_query",
    "password_refusal",
]

REGISTER_NS: Final = "jabber:iq:register"
DATA_NS: Final = "jabber:x:data"
OOB_NS: Final = "jabber:x:oob"

#: What the UI gives for one field: text, several values, or a checkbox state.
FormValue: TypeAlias = str | list[str] | bool
FormValues: TypeAlias = Mapping[str, FormValue]

#: Kinds whose value is a list (one ``<value/>`` per line or item).
MULTI_KINDS: Final = frozenset({"text-multi", "list-multi", "jid-multi"})

_MAX_FIELDS: Final = 100  # a hostile server cannot make the UI build thousands of widgets
_MAX_OPTIONS: Final = 500
_NOT_FIELDS: Final = frozenset({"instructions", "registered", "remove"})
_LEGACY_LABELS: Final = {
    "username": "Username",
    "password": "Password",
    "email": "Email",
    "nick": "Nickname",
    "name": "Full name",
    "first": "Given name",
    "last": "Family name",
    "address": "Street",
    "city": "City",
    "state": "State",
    "zip": "Postal code",
    "phone": "Telephone number",
    "url": "Web page",
    "date": "Birth date",
    "misc": "Other information",
    "text": "Note",
}


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _find_query(element: ET.Element) -> ET.Element:
    if element.tag == _q(REGISTER_NS, "query"):
        return element
    query = element.find(_q(REGISTER_NS, "query"))
    if query is None:
        raise ValueError("no jabber:iq:register query in the answer")
    return query


def parse_registration_query(element: ET.Element) -> RegistrationForm:
    """The form in a ``jabber:iq:register`` ``<query/>`` (or in the ``<iq/>`` holding it).

    Raises ``ValueError`` when there is no such query.
    """
    query = _find_query(element)
    registered = query.find(_q(REGISTER_NS, "registered")) is not None
    data_form = query.find(_q(DATA_NS, "x"))
    if data_form is not None and data_form.get("type", "form") == "form":
        return _parse_data_form(data_form, registered)
    instructions = (query.findtext(_q(REGISTER_NS, "instructions")) or "").strip()
    url = (query.findtext(f"{_q(OOB_NS, 'x')}/{_q(OOB_NS, 'url')}") or "").strip()
    if url:
        instructions = f"{instructions}\n{url}".strip()
    fields = [
        _legacy_field(child)
        for child in query
        if child.tag.startswith(f"{{{REGISTER_NS}}}")
        and child.tag.partition("}")[2] not in _NOT_FIELDS
    ]
    return RegistrationForm(instructions, tuple(fields[:_MAX_FIELDS]), False, registered)


def _legacy_field(element: ET.Element) -> FormField:
    name = element.tag.partition("}")[2]
    if name == "key":
        return FormField(name, kind="hidden", value=element.text or "")
    return FormField(
        var=name,
        kind="text-private" if name == "password" else "text-single",
        label=_LEGACY_LABELS.get(name, name.capitalize()),
        required=True,  # XEP-0077: the listed fields are the ones the server requires
        value=element.text or "",
    )


def _parse_data_form(form: ET.Element, registered: bool) -> RegistrationForm:
    parts = [form.findtext(_q(DATA_NS, "title")) or ""]
    parts += [line.text or "" for line in form.findall(_q(DATA_NS, "instructions"))]
    fields: list[FormField] = []
    for element in form.findall(_q(DATA_NS, "field"))[:_MAX_FIELDS]:
        kind = element.get("type") or "text-single"
        var = element.get("var", "")
        if not var and kind != "fixed":
            continue  # XEP-0004: only fixed fields may lack a var
        options = tuple(
            (option.get("label", ""), option.findtext(_q(DATA_NS, "value")) or "")
            for option in element.findall(_q(DATA_NS, "option"))[:_MAX_OPTIONS]
        )
        fields.append(
            FormField(
                var=var,
                kind=kind,
                label=element.get("label", ""),
                required=element.find(_q(DATA_NS, "required")) is not None,
                value="\n".join(v.text or "" for v in element.findall(_q(DATA_NS, "value"))),
                options=options,
                description=element.findtext(_q(DATA_NS, "desc")) or "",
            )
        )
    instructions = "\n".join(part.strip() for part in parts if part.strip())
    return RegistrationForm(instructions, tuple(fields), True, registered)


def _submitted(field: FormField, given: FormValue | None) -> list[str] | None:
    """The ``<value/>`` texts to send for ``field``, or ``None`` to leave it out."""
    if given is None:
        if not field.value:
            return None
        given = field.value
    if isinstance(given, bool):
        return ["1" if given else "0"]
    if isinstance(given, list):
        return [str(item) for item in given]
    if given == "" and not field.required:
        return None
    return given.splitlines() if field.kind in MULTI_KINDS else [given]


def build_submission(form: RegistrationForm, values: FormValues) -> ET.Element:
    """The ``<query/>`` that answers ``form`` with ``values`` (var -> value).

    A data form is answered with a ``submit`` form holding every field that has
    a value (``values`` first, else the field's default, so hidden fields such
    as ``FORM_TYPE`` go back as received; ``text-private`` ones keep their type
    so the log filter blanks them); a legacy form with its elements.
    """
    query = ET.Element(_q(REGISTER_NS, "query"))
    if form.is_data_form:
        submit = ET.SubElement(query, _q(DATA_NS, "x"), {"type": "submit"})
        for field in form.fields:
            if field.kind == "fixed" or not field.var:
                continue
            texts = _submitted(field, values.get(field.var))
            if texts is None:
                continue
            attributes = {"var": field.var}
            if field.kind == "text-private":  # lets the log filter blank it whatever its name
                attributes["type"] = field.kind
            element = ET.SubElement(submit, _q(DATA_NS, "field"), attributes)
            for text in texts:
                ET.SubElement(element, _q(DATA_NS, "value")).text = text
        return query
    for field in form.fields:
        texts = _submitted(field, values.get(field.var))
        ET.SubElement(query, _q(REGISTER_NS, field.var)).text = "\n".join(texts or [])
    return query


# ------------------------------------------------------------ refusal sentences


class RegistrationError(Exception):
    """Registration or a password change failed; ``str(error)`` is one sentence.

    ``condition`` is the XMPP error condition when the server answered one
    (``conflict``, ``not-acceptable``...), else ``""``.
    """

    def __init__(self, message: str, *, condition: str = "") -> None:
        super().__init__(message)
        self.condition = condition


_MAX_SERVER_TEXT: Final = 200
_CLOSED: Final = frozenset(
    {"not-allowed", "service-unavailable", "feature-not-implemented", "registration-required"}
)
_REFUSED: Final = frozenset({"not-acceptable", "bad-request", "jid-malformed", "forbidden"})
_FOR_NOW: Final = frozenset({"resource-constraint", "policy-violation"})


def _server_text(text: str) -> str:
    """The server's text on one short line, without its final full stop."""
    line = "; ".join(part.strip() for part in text.splitlines() if part.strip())
    if len(line) > _MAX_SERVER_TEXT:
        line = line[: _MAX_SERVER_TEXT - 1].rstrip() + "…"
    return line.rstrip(" .")


def account_refusal(condition: str, text: str, domain: str, username: str = "") -> str:
    """One sentence for a refused registration (``condition`` as in RFC 6120 8.3.3)."""
    said = _server_text(text)
    if condition == "conflict":
        who = f"The username {username}" if username else "That username"
        return f"{who} is already taken on {domain}."
    if condition in _CLOSED:
        return f"{domain} does not allow creating accounts from a client."
    if condition in _REFUSED:
        return f"The server refused the registration: {said or 'the details were not accepted'}."
    if condition in _FOR_NOW:
        return f"The server refused the registration for now: {said or 'try again later'}."
    detail = f": {said}" if said else ""
    return f"The server refused the registration ({condition or 'no reason given'}){detail}."


def password_refusal(condition: str, text: str, domain: str) -> str:
    """One sentence for a refused password change."""
    said = _server_text(text)
    if condition in {"not-authorized", "forbidden"}:
        return f"{domain} did not allow this password change{f': {said}' if said else ''}."
    if condition in _CLOSED:
        return f"{domain} does not allow changing the password from a client."
    if condition in {"not-acceptable", "bad-request"}:
        return f"The server refused the new password: {said or 'it was not accepted'}."
    detail = f": {said}" if said else ""
    return f"The server refused the password change ({condition or 'no reason given'}){detail}."
