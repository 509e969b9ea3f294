"""Create an account: a server's registration form (XEP-0077) drawn as real widgets.

Every text of the form (instructions, labels, descriptions, option names,
default values) comes from the server and reaches the screen through
:mod:`xmpptui.ui.render`, never as markup.

| field kind                 | widget                                   | value    |
|----------------------------|------------------------------------------|----------|
| text-single, jid-single    | ``Input``                                | str      |
| text-private               | ``Input(password=True)``                 | str      |
| text-multi, jid-multi      | ``TextArea``                             | str      |
| list-single                | ``Select``                               | str      |
| list-multi                 | ``SelectionList``                        | list     |
| boolean                    | ``Checkbox``                             | bool     |
| fixed                      | ``Static`` (not submitted)               |          |
| hidden                     | nothing shown, submitted as received     | str      |

The account password (the ``password`` field, else the first text-private
one) gets a "Repeat password" input; both must match.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.selection_list import Selection

from xmpptui.models import FormField, RegistrationForm
from xmpptui.ui import render

#: What the screen dismisses with: field var -> text, chosen values or checkbox state.
RegistrationValues = dict[str, str | list[str] | bool]

_LABEL_LEN = 100
_VALUE_LEN = 1000
_TRUE = ("1", "true")
_MULTILINE = ("text-multi", "jid-multi")


@dataclass(frozen=True, slots=True)
class _Row:
    field: FormField
    widget: Widget | None  # None: a hidden field


def _password_var(form: RegistrationForm) -> str:
    """The var of the account password: ``password``, else the first text-private field."""
    private = [f.var for f in form.fields if f.kind == "text-private"]
    return "password" if "password" in private else (private[0] if private else "")


def _label_text(field: FormField) -> str:
    return render.clean_identity(field.label or field.var, max_len=_LABEL_LEN) or "Field"


def _widget(field: FormField, widget_id: str) -> Widget:
    kind, value = field.kind, field.value
    if kind == "text-private":
        return Input(value=value, password=True, id=widget_id)
    if kind in _MULTILINE:
        return TextArea(render.clean_body(value), id=widget_id)
    if kind == "list-single":
        options = [
            (render.identity_text(name or v, max_len=_LABEL_LEN), v) for name, v in field.options
        ]
        current = value if any(v == value for _, v in field.options) else Select.NULL
        return Select(options, value=current, allow_blank=True, prompt="Choose…", id=widget_id)
    if kind == "list-multi":
        chosen = set(value.splitlines())
        selections = [
            Selection(render.identity_text(name or v, max_len=_LABEL_LEN), v, v in chosen)
            for name, v in field.options
        ]
        return SelectionList[str](*selections, id=widget_id)
    if kind == "boolean":
        label = render.identity_content(field.label or field.var, max_len=_LABEL_LEN)
        return Checkbox(label, value=value.strip().lower() in _TRUE, id=widget_id)
    return Input(value=render.clean_identity(value, max_len=_VALUE_LEN), id=widget_id)


class RegisterScreen(ModalScreen[RegistrationValues | None]):
    """Fill in a registration form; dismisses with the values, or ``None`` on cancel.

    | key    | action                                  |
    |--------|-----------------------------------------|
    | enter  | create the account (from a text input)  |
    | tab    | next field                              |
    | escape | cancel                                  |
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    DEFAULT_CSS = """
    RegisterScreen {
        align: center middle;
    }
    RegisterScreen > Vertical {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    RegisterScreen #title {
        text-style: bold;
        margin-bottom: 1;
    }
    RegisterScreen #error, RegisterScreen #problem {
        color: $error;
        margin-bottom: 1;
    }
    RegisterScreen #problem {
        display: none;
        margin: 1 0 0 0;
    }
    RegisterScreen #problem.-shown {
        display: block;
    }
    RegisterScreen #fields {
        height: auto;
        max-height: 30;
    }
    RegisterScreen #instructions {
        margin-bottom: 1;
    }
    RegisterScreen .description {
        color: $text-muted;
    }
    RegisterScreen TextArea {
        height: 5;
    }
    RegisterScreen Horizontal {
        height: auto;
        margin-top: 1;
    }
    RegisterScreen Button {
        margin-right: 2;
    }
    """

    def __init__(self, form: RegistrationForm, *, domain: str = "", error: str = "") -> None:
        super().__init__()
        self._form = form
        self._domain = domain
        self._error = error
        self._password_var = _password_var(form)
        self._rows: list[_Row] = []

    def compose(self) -> ComposeResult:
        self._rows = []
        with Vertical():
            where = f" on {self._domain}" if self._domain else ""
            yield Static(render.identity_content(f"Create an account{where}"), id="title")
            if self._error:
                yield Static(render.body_content(self._error), id="error")
            with VerticalScroll(id="fields"):
                if self._form.instructions:
                    yield Static(render.body_content(self._form.instructions), id="instructions")
                for index, field in enumerate(self._form.fields):
                    yield from self._field(index, field)
            yield Static("", id="problem")
            with Horizontal():
                yield Button("Create account", variant="primary", id="create")
                yield Button("Cancel", id="cancel")

    def _field(self, index: int, field: FormField) -> ComposeResult:
        if field.kind == "hidden":
            self._rows.append(_Row(field, None))
            return
        if field.kind == "fixed":
            text = "\n".join(part for part in (field.label, field.value) if part)
            yield Static(render.body_content(text), classes="fixed")
            return
        if field.kind != "boolean":
            yield Label(Content(_label_text(field) + (" *" if field.required else "")))
        widget = _widget(field, f"field-{index}")
        self._rows.append(_Row(field, widget))
        yield widget
        if field.description:
            yield Static(render.body_content(field.description), classes="description")
        if field.var and field.var == self._password_var:
            yield Label(Content("Repeat password *"))
            yield Input(password=True, id="repeat-password")

    def on_mount(self) -> None:
        shown = [row.widget for row in self._rows if row.widget is not None]
        empty = [w for w in shown if isinstance(w, Input) and not w.value]
        target = (empty or shown or [self.query_one("#create", Button)])[0]
        target.focus()

    # ------------------------------------------------------------------ values

    @staticmethod
    def _value(row: _Row) -> str | list[str] | bool:
        widget = row.widget
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return "" if widget.is_blank() else str(widget.value)
        if isinstance(widget, SelectionList):
            return [str(value) for value in widget.selected]
        if isinstance(widget, Checkbox):
            return widget.value
        return row.field.value  # hidden

    @staticmethod
    def _missing(row: _Row, value: str | list[str] | bool) -> bool:
        if not row.field.required or row.widget is None or isinstance(value, bool):
            return False
        if isinstance(value, list):
            return not value
        return not (value if row.field.kind == "text-private" else value.strip())

    def _show_problem(self, message: str, focus: Widget) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(Content(message))
        problem.add_class("-shown")
        focus.focus()

    def _submit(self) -> None:
        values: RegistrationValues = {}
        missing: list[_Row] = []
        for row in self._rows:
            value = self._value(row)
            if self._missing(row, value):
                missing.append(row)
            if row.field.var:
                values[row.field.var] = value
        if missing:
            names = ", ".join(_label_text(row.field) for row in missing)
            assert missing[0].widget is not None
            self._show_problem(f"Please fill in: {names}.", missing[0].widget)
            return
        if self._password_var:
            repeat = self.query_one("#repeat-password", Input)
            if repeat.value != values.get(self._password_var):
                self._show_problem("The two passwords do not match.", repeat)
                return
        self.dismiss(values)

    # ---------------------------------------------------------------- handlers

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
