"""XEP-0077 register queries: parsing the server's form, building the answer, refusals."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from xmpptui.models import FormField, RegistrationForm
from xmpptui.xmpp.regform import (
    DATA_NS,
    REGISTER_NS,
    FormValue,
    account_refusal,
    build_submission,
    parse_registration_query,
    password_refusal,
)

LEGACY = """
<iq type='result' id='reg1' xmlns='jabber:client'>
  <query xmlns='jabber:iq:register'>
    <instructions>Choose a username and password for use with this service.</instructions>
    <username>juliet</username>
    <password/>
    <email/>
    <key>a1b2c3</key>
  </query>
</iq>
"""

DATA_FORM = """
<query xmlns='jabber:iq:register'>
  <instructions>Use the enclosed form to register.</instructions>
  <username/><password/>
  <x xmlns='jabber:x:data' type='form'>
    <title>Creating a new account</title>
    <instructions>Choose a username and password.</instructions>
    <instructions>Then pick a colour.</instructions>
    <field type='hidden' var='FORM_TYPE'><value>jabber:iq:register</value></field>
    <field type='fixed'><value>Accounts are free.</value></field>
    <field type='text-single' var='username' label='Username'><required/></field>
    <field type='text-private' var='password' label='Password'><required/></field>
    <field type='text-multi' var='bio' label='About you'>
      <desc>A few lines.</desc><value>line one</value><value>line two</value>
    </field>
    <field type='list-single' var='colour' label='Colour'>
      <value>b</value>
      <option label='Red'><value>r</value></option>
      <option><value>b</value></option>
    </field>
    <field type='list-multi' var='langs' label='Languages'>
      <value>en</value><value>fr</value>
      <option label='English'><value>en</value></option>
      <option label='French'><value>fr</value></option>
    </field>
    <field type='boolean' var='rules' label='I accept'><value>1</value></field>
    <field type='jid-single' var='buddy'/>
    <field var='plain' label='No type'/>
    <field type='text-single' label='No var, dropped'/>
  </x>
</query>
"""


def parse(xml: str) -> RegistrationForm:
    return parse_registration_query(ET.fromstring(xml))


def test_legacy_fields_instructions_and_key() -> None:
    form = parse(LEGACY)

    assert form.instructions == "Choose a username and password for use with this service."
    assert not form.is_data_form and not form.registered
    assert form.fields == (
        FormField("username", "text-single", "Username", required=True, value="juliet"),
        FormField("password", "text-private", "Password", required=True),
        FormField("email", "text-single", "Email", required=True),
        FormField("key", "hidden", value="a1b2c3"),
    )


def test_registered_and_a_web_page_instead_of_fields() -> None:
    form = parse(
        "<query xmlns='jabber:iq:register'><registered/><instructions>Go to</instructions>"
        "<x xmlns='jabber:x:oob'><url>https://example.org/signup</url></x></query>"
    )

    assert form.registered
    assert form.fields == ()
    assert form.instructions == "Go to\nhttps://example.org/signup"


def test_a_data_form_takes_precedence_over_the_legacy_fields() -> None:
    form = parse(DATA_FORM)

    assert form.is_data_form
    assert form.instructions == (
        "Creating a new account\nChoose a username and password.\nThen pick a colour."
    )
    assert form.fields == (
        FormField("FORM_TYPE", "hidden", value="jabber:iq:register"),
        FormField("", "fixed", value="Accounts are free."),
        FormField("username", "text-single", "Username", required=True),
        FormField("password", "text-private", "Password", required=True),
        FormField(
            "bio", "text-multi", "About you", value="line one\nline two", description="A few lines."
        ),
        FormField("colour", "list-single", "Colour", value="b", options=(("Red", "r"), ("", "b"))),
        FormField(
            "langs",
            "list-multi",
            "Languages",
            value="en\nfr",
            options=(("English", "en"), ("French", "fr")),
        ),
        FormField("rules", "boolean", "I accept", value="1"),
        FormField("buddy", "jid-single"),
        FormField("plain", "text-single", "No type"),
    )


def test_a_submitted_or_result_form_is_not_a_form_to_fill() -> None:
    form = parse(
        "<query xmlns='jabber:iq:register'><username/>"
        "<x xmlns='jabber:x:data' type='result'><field var='x'/></x></query>"
    )
    assert not form.is_data_form
    assert [f.var for f in form.fields] == ["username"]


def test_hostile_texts_are_kept_as_data() -> None:
    form = parse(
        "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'>"
        "<title>[b]Join[/b] &#x202E;us</title>"
        "<field var='n' label='[@click=app.quit]Name[/]'><desc>&lt;script&gt;</desc></field>"
        "<field var='c' type='list-single'><option label='[red]R[/red]'><value>r</value></option>"
        "</field></x></query>"
    )
    assert form.instructions == "[b]Join[/b] \u202eus"
    assert form.fields[0].label == "[@click=app.quit]Name[/]"
    assert form.fields[0].description == "<script>"
    assert form.fields[1].options == (("[red]R[/red]", "r"),)


def test_a_flood_of_fields_is_capped() -> None:
    many = "".join(f"<field var='f{i}'/>" for i in range(1000))
    form = parse(f"<query xmlns='jabber:iq:register'><x xmlns='{DATA_NS}'>{many}</x></query>")
    assert len(form.fields) == 100


def test_an_answer_without_a_register_query_is_an_error() -> None:
    with pytest.raises(ValueError, match="jabber:iq:register"):
        parse("<iq xmlns='jabber:client' type='result'/>")


def children(element: ET.Element) -> list[tuple[str, str | None]]:
    return [(child.tag.partition("}")[2], child.text) for child in element]


def test_a_data_form_is_answered_with_a_submit_form() -> None:
    form = parse(DATA_FORM)
    values: dict[str, FormValue] = {
        "username": "juliet",
        "password": "s3cret",
        "bio": "first\nsecond",
        "colour": "r",
        "langs": ["fr"],
        "rules": False,
        "plain": "",  # optional and empty: left out
    }

    query = build_submission(form, values)

    assert query.tag == f"{{{REGISTER_NS}}}query"
    (submit,) = list(query)
    assert (submit.tag, submit.get("type")) == (f"{{{DATA_NS}}}x", "submit")
    sent = {field.get("var"): [v.text for v in field] for field in submit}
    assert sent == {
        "FORM_TYPE": ["jabber:iq:register"],  # hidden: sent back as received
        "username": ["juliet"],
        "password": ["s3cret"],
        "bio": ["first", "second"],
        "colour": ["r"],
        "langs": ["fr"],
        "rules": ["0"],
    }
    types = {field.get("var"): field.get("type") for field in submit if field.get("type")}
    assert types == {"password": "text-private"}  # so the log filter blanks it


def test_defaults_are_sent_for_fields_without_a_value() -> None:
    form = parse(DATA_FORM)
    submit = build_submission(form, {"username": "j", "password": "p", "rules": True})[0]
    sent = {field.get("var"): [v.text for v in field] for field in submit}
    assert sent["langs"] == ["en", "fr"] and sent["bio"] == ["line one", "line two"]
    assert sent["rules"] == ["1"] and sent["colour"] == ["b"]


def test_a_legacy_form_is_answered_with_its_elements() -> None:
    form = parse(LEGACY)

    query = build_submission(form, {"password": "s3cret", "email": "j@example.org"})

    assert children(query) == [
        ("username", "juliet"),
        ("password", "s3cret"),
        ("email", "j@example.org"),
        ("key", "a1b2c3"),
    ]
    assert ET.tostring(query).startswith(b'<ns0:query xmlns:ns0="jabber:iq:register">')


@pytest.mark.parametrize(
    ("condition", "text", "sentence"),
    [
        ("conflict", "exists", "The username juliet is already taken on example.org."),
        ("not-allowed", "", "example.org does not allow creating accounts from a client."),
        ("service-unavailable", "x", "example.org does not allow creating accounts from a client."),
        (
            "feature-not-implemented",
            "",
            "example.org does not allow creating accounts from a client.",
        ),
        (
            "not-acceptable",
            "Username: Required value missing\nPassword: Required value missing",
            "The server refused the registration: "
            "Username: Required value missing; Password: Required value missing.",
        ),
        ("bad-request", "", "The server refused the registration: the details were not accepted."),
        (
            "policy-violation",
            "Too many registrations.",
            "The server refused the registration for now: Too many registrations.",
        ),
        (
            "resource-constraint",
            "",
            "The server refused the registration for now: try again later.",
        ),
        ("gone", "", "The server refused the registration (gone)."),
        ("", "", "The server refused the registration (no reason given)."),
    ],
)
def test_account_refusals_are_one_sentence(condition: str, text: str, sentence: str) -> None:
    assert account_refusal(condition, text, "example.org", "juliet") == sentence


def test_server_texts_in_sentences_are_kept_short() -> None:
    sentence = account_refusal("not-acceptable", "x" * 5000, "example.org")
    assert len(sentence) < 260 and sentence.endswith("….")
    assert account_refusal("conflict", "", "example.org") == (
        "That username is already taken on example.org."
    )


@pytest.mark.parametrize(
    ("condition", "text", "sentence"),
    [
        ("not-authorized", "", "example.org did not allow this password change."),
        ("not-allowed", "", "example.org does not allow changing the password from a client."),
        ("not-acceptable", "Too short", "The server refused the new password: Too short."),
        ("bad-request", "", "The server refused the new password: it was not accepted."),
        (
            "internal-server-error",
            "",
            "The server refused the password change (internal-server-error).",
        ),
    ],
)
def test_password_refusals_are_one_sentence(condition: str, text: str, sentence: str) -> None:
    assert password_refusal(condition, text, "example.org") == sentence
