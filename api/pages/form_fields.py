"""Forms built from the payload models the API publishes (mowakaba.schemas.PAYLOADS).

A model's fields give the form's fields: an enum or a literal is a choice, a bool a yes/no,
a small bounded integer a scale, a date a date, a string a line or (longer than a line) a
text area; a `dict[Enum, Model]` is one group per member (the axes), a `list[Model]` rows
(the milestones). A posted form becomes the payload dict again, field names being the
payload's paths (`axes.health.score`, `milestones.0.title`), and the same model validates
it: its errors come back by path, next to their fields.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Literal

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import BaseModel, StringConstraints, ValidationError

from api.pages.common import N_
from api.pages.form_labels import field_label, hint_of, option_label

ONE_LINE = 300  # longer strings are free text: a text area
MAX_ROWS = 100


@dataclass(frozen=True)
class Spec:
    """One field of a form: its name (the payload path), how it is entered, its bounds."""

    name: str
    widget: str  # radio, select, yesno, scale, date, line, text, buttons, group, rows
    label: str
    hint: str | None = None
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label msgid)
    max_length: int | None = None
    default: str = ""
    children: tuple[Spec, ...] = ()  # a group's or a row's fields (names relative)
    keys: tuple[tuple[str, str], ...] = ()  # a group's members: (value, label msgid)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """The type under Optional and Annotated, whether None is allowed, the constraints."""
    optional, metadata = False, []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata += extra
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional, metadata


def _bound(metadata: list[Any], kind: type, attribute: str) -> Any:
    for item in metadata:
        if (
            isinstance(item, kind | StringConstraints)
            and getattr(item, attribute, None) is not None
        ):
            return getattr(item, attribute)
    return None


def specs_of(model: type[BaseModel], prefix: str = "") -> tuple[Spec, ...]:
    """The fields of a payload model, in its order."""
    specs = []
    for name, info in model.model_fields.items():
        kind, optional, metadata = _unwrap(info.annotation)
        metadata += info.metadata
        path = prefix + name
        common: dict[str, Any] = {
            "name": path, "label": field_label(model.__name__, name),
            "hint": hint_of(model.__name__, name),
            "required": info.is_required() and not optional,
        }  # fmt: skip
        if info.default not in (None, "") and not info.is_required():
            common["default"] = str(getattr(info.default, "value", info.default))
        origin = typing.get_origin(kind)
        if origin is dict:
            key, value = typing.get_args(kind)
            keys = tuple((m.value, option_label((key.__name__,), m.value)) for m in key)
            specs.append(Spec(widget="group", keys=keys, children=specs_of(value), **common))
        elif origin is list:
            (row,) = typing.get_args(kind)
            specs.append(Spec(widget="rows", children=specs_of(row), **common))
        elif origin is Literal or (isinstance(kind, type) and issubclass(kind, Enum)):
            values = typing.get_args(kind) if origin is Literal else [m.value for m in kind]
            owners = (f"{model.__name__}.{name}", name) if origin is Literal else (kind.__name__,)
            options = tuple((v, option_label(owners, v)) for v in values)
            widget = "buttons" if name == "decision" else "radio" if len(options) <= 5 else "select"
            specs.append(Spec(widget=widget, options=options, **common))
        elif kind is bool:
            options = tuple((v, option_label((name,), v)) for v in ("true", "false"))
            specs.append(Spec(widget="yesno", options=options, **common))
        elif kind is int and name.endswith("_id"):
            # A record chosen from a list the page fills (forms.item_specs): a document.
            specs.append(Spec(widget="select", **common))
        elif kind is int:
            low, high = _bound(metadata, Ge, "ge"), _bound(metadata, Le, "le")
            options = tuple((str(n), str(n)) for n in range(low, high + 1))
            specs.append(Spec(widget="scale", options=options, **common))
        elif kind is date:
            specs.append(Spec(widget="date", **common))
        else:
            longest = _bound(metadata, MaxLen, "max_length")
            widget = "line" if longest is not None and longest <= ONE_LINE else "text"
            if _bound(metadata, MinLen, "min_length"):
                common["required"] = True
            specs.append(Spec(widget=widget, max_length=longest, **common))
    return tuple(specs)


# ---------------------------------------------------------------- the posted form


@dataclass
class Entry:
    """What a form holds: the typed values by path, rows per list, errors by path."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    errors: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)

    def error(self, name: str, message: str, **params: Any) -> None:
        found = self.errors.setdefault(name, [])
        if (message, params) not in found:
            found.append((message, params))


def entry_from_form(specs: tuple[Spec, ...], form: dict[str, str]) -> Entry:
    """Read the typed values of a form; rows left wholly empty are dropped, the others
    renumbered from 0 (so errors and the form re-shown name the same rows)."""
    entry = Entry()
    for spec in specs:
        if spec.widget == "group":
            for key, _ in spec.keys:
                for child in spec.children:
                    name = f"{spec.name}.{key}.{child.name}"
                    entry.values[name] = form.get(name, "")
        elif spec.widget == "rows":
            indices = sorted({
                int(k.split(".")[1]) for k in form
                if k.startswith(spec.name + ".") and k.split(".")[1].isdigit()
                and int(k.split(".")[1]) < MAX_ROWS * 2
            })  # fmt: skip
            kept = 0
            for index in indices:
                row = {c.name: form.get(f"{spec.name}.{index}.{c.name}", "") for c in spec.children}
                if any(v.strip() for v in row.values()):
                    for child_name, value in row.items():
                        entry.values[f"{spec.name}.{kept}.{child_name}"] = value
                    kept += 1
            entry.rows[spec.name] = kept
        else:
            entry.values[spec.name] = form.get(spec.name, "")
    return entry


def blank_entry(specs: tuple[Spec, ...], rows: int = 1) -> Entry:
    """A new form: the models' defaults, and `rows` empty rows per list."""
    entry = Entry()
    for spec in specs:
        if spec.widget == "rows":
            entry.rows[spec.name] = rows
        elif spec.default:
            entry.values[spec.name] = spec.default
    return entry


def payload_of(specs: tuple[Spec, ...], entry: Entry) -> dict[str, Any]:
    """The payload a form's values stand for: empty fields are left out (the model's
    default, or its "required" error), the rest go as typed for the model to convert."""
    payload: dict[str, Any] = {}
    for spec in specs:
        if spec.widget == "group":
            payload[spec.name] = {
                key: _flat(spec.children, entry, f"{spec.name}.{key}.") for key, _ in spec.keys
            }
        elif spec.widget == "rows":
            payload[spec.name] = [
                _flat(spec.children, entry, f"{spec.name}.{i}.")
                for i in range(entry.rows.get(spec.name, 0))
            ]
        else:
            payload.update(_flat((spec,), entry, ""))
    return payload


def _flat(specs: tuple[Spec, ...], entry: Entry, prefix: str) -> dict[str, str]:
    values = {s.name: entry.values.get(prefix + s.name, "") for s in specs}
    return {name: value for name, value in values.items() if value.strip()}


# ---------------------------------------------------------------- errors, by path

# Pydantic's error types → what the form says (translated in the template).
MESSAGES = {
    "missing": N_("Required."),
    "string_too_short": N_("Required."),
    "too_short": N_("Add at least one row."),
    "too_long": N_("At most %(max)s rows."),
    "string_too_long": N_("At most %(max)s characters."),
    "date_format": N_("Enter a date (day, month and year)."),
    "date_parsing": N_("Enter a date (day, month and year)."),
    "date_from_datetime_parsing": N_("Enter a date (day, month and year)."),
    "date_range": N_("Enter a date between 1900 and 2100."),
    "unsafe_text": N_("This text holds characters that are not allowed."),
}
CHOICE_ERRORS = {"enum", "literal_error", "bool_parsing", "int_parsing", "greater_than_equal",
                 "less_than_equal", "int_from_float"}  # fmt: skip
INVALID = N_("This value is not valid.")


def validate(model: type[BaseModel], specs: tuple[Spec, ...], entry: Entry) -> Any:
    """Validate the form's payload with the kind's model; None if it has errors (then in
    `entry.errors`, by field: a rule on the whole payload goes to the field it is about)."""
    try:
        return model.model_validate(payload_of(specs, entry))
    except ValidationError as exc:
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"])
            if not path:
                whole_payload_error(entry, str(error.get("ctx", {}).get("error", error["msg"])))
                continue
            kind = error["type"]
            if kind in CHOICE_ERRORS:
                entry.error(path, N_("Choose one of the options."))
            else:
                limit = (error.get("ctx") or {}).get("max_length")
                entry.error(path, MESSAGES.get(kind, INVALID), **({"max": limit} if limit else {}))
        return None


# A rule on the whole payload (mowakaba.schemas' model validators) → the field it is
# about and what the form says there. Matched on the start of the model's message.
WHOLE_PAYLOAD = (
    ("every axis needs a score", "axes", N_("Score every axis.")),
    ("a rejection needs a comment", "comment",
     N_("A plan sent back needs a comment for the mediator.")),
    ("a delayed milestone needs", "new_due_date", N_("A delayed milestone needs its new date.")),
    ("a dropped milestone needs", "reason", N_("A dropped milestone needs a reason.")),
    ("'not needed' needs a reason", "reason", N_("“Not needed” needs a reason.")),
    ("an unplanned exit needs a reason", "reason",
     N_("An exit that was not planned needs a reason.")),
    ("'no contact' records no findings", "contact",
     N_("“No contact” records no findings: clear them, or choose that you were in touch.")),
    ("agreement_method:", "agreement_method", N_("Say how the young person agreed.")),
    ("agreement_date:", "agreement_date", N_("Give the date the young person agreed.")),
)  # fmt: skip
WITNESS = ("agreement_witness_name", "agreement_witness_role")
FINDINGS = ("housing", "activity", "health_coverage", "id_documents", "income",
            "support_network", "well_being")  # fmt: skip


def whole_payload_error(entry: Entry, message: str) -> None:
    """Put a rule on the whole payload next to the field (or fields) it is about."""
    if message.startswith("a contact records"):
        for name in FINDINGS:
            if not entry.values.get(name, "").strip():
                entry.error(name, N_("Required when you were in touch."))
        return
    if message.startswith(WITNESS[0]):
        for name in WITNESS:
            if not entry.values.get(name, "").strip():
                entry.error(name, N_("Required when the agreement was confirmed in person."))
        return
    for start, name, text in WHOLE_PAYLOAD:
        if message.startswith(start):
            entry.error(name, text)
            return
    entry.error("", INVALID)
