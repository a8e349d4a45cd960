"""A case as form fields, as a shareable URL token, and as a scenario file.

The builder keeps a case as the plain mapping a scenario file holds (``person``, ``convictions``
...), so that the same mapping fills the form, travels in the URL, downloads as YAML and is checked
by the very checks ``detainer-model run`` makes (:func:`check_case`), with their messages.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping
from typing import Any

import yaml

from ..core.models import Case
from ..core.scenarios import LoadedScenario, check_document
from ..rulebook.library import RuleLibrary
from ..safeio.yamlsafe import LocatedDocument
from .config import MAX_ITEMS
from .forms import ITEM_GROUPS, FieldSpec, fields_of, parameter_fields

BUILDER_ID = "built-case"
BUILDER_TITLE = "A case from the builder"
MAX_TOKEN_CHARS = 16_000
MAX_TOKEN_BYTES = 128 * 1024
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^-?\d{1,9}$")

FormData = Mapping[str, Any]  # name -> str, or list of str for multi-valued fields


class CaseProblem(Exception):
    """A case that cannot be read; ``lines`` says where and why, one line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


# ---------------------------------------------------------------------------------------------
# form fields -> case mapping


def _one(form: FormData, key: str) -> str:
    value = form.get(key, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


_BOOL = {"true": True, "false": False}


def _int_or_text(raw: str) -> int | str:
    """A whole number, or the text as typed (the case's check then names it)."""
    try:
        return int(raw)
    except ValueError:
        return raw


def _many(form: FormData, key: str) -> list[str]:
    value = form.get(key, [])
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if str(v).strip()]


def _read(spec: FieldSpec, form: FormData, index: int | None) -> tuple[bool, Any]:
    """(given, value) for one field; not given means the schema's default applies."""
    key = spec.key(index)
    if spec.kind == "set":
        chosen = _many(form, key)
        return bool(chosen), chosen
    raw = _one(form, key)
    if spec.kind == "bool":
        return raw in ("true", "on", "yes"), True
    if raw == "":
        return False, None
    if spec.kind == "maybe":
        return raw in ("true", "false"), raw == "true"
    if spec.kind == "int":
        return True, int(raw) if _INT.match(raw) else raw
    return True, raw


def item_count(form: FormData, group: str) -> int:
    raw = _one(form, f"{group}.count")
    return min(int(raw), MAX_ITEMS) if raw.isdigit() else 0


def case_from_form(form: FormData, lib: RuleLibrary) -> dict[str, Any]:
    """The case mapping the form describes (unchecked: :func:`check_case` checks it).

    Rows of convictions or charges left entirely blank are dropped.
    """
    data: dict[str, Any] = {
        "id": BUILDER_ID,
        "title": _one(form, "title") or BUILDER_TITLE,
        "booking_date": _one(form, "booking_date"),
        "jurisdiction": _one(form, "jurisdiction"),
    }
    params: dict[str, Any] = {}
    for p in parameter_fields(lib):
        raw = _one(form, f"param.{p.name}")
        if raw:  # blank: the policy's default
            params[p.name] = _BOOL.get(raw, raw) if p.type == "bool" else _int_or_text(raw)
    if params:
        data["jurisdiction"] = {"id": data["jurisdiction"], "params": params}
    for group in ("person", "ice"):
        values = {}
        for spec in fields_of(lib, group):
            given, value = _read(spec, form, None)
            if given:
                values[spec.name] = value
        if values or group == "person":
            data[group] = values
    for group in ITEM_GROUPS:
        items = []
        specs = fields_of(lib, group)
        for i in range(item_count(form, group)):
            item = {}
            for spec in specs:
                given, value = _read(spec, form, i)
                if given:
                    item[spec.name] = value
            if item:
                items.append(item)
        if items:
            data[group] = items
    notes = _one(form, "notes")
    if notes:
        data["notes"] = notes
    return data


# ---------------------------------------------------------------------------------------------
# checking, with the CLI's messages


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _DATE.match(value):  # written as a YAML date, as a person writing the file would
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    return dumper.represent_str(value)


_Dumper.add_representer(str, _str)


def scenario_yaml(data: Mapping[str, Any], title: str | None = None) -> str:
    """A scenario file holding this one case."""
    doc = {"title": title or str(data.get("title") or BUILDER_TITLE), "cases": [dict(data)]}
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def check_case(data: Mapping[str, Any], lib: RuleLibrary) -> Case:
    """The checked case, or :class:`CaseProblem` with the scenario checker's messages, each naming
    the field (``person.age``) rather than a line of a file the user never saw."""
    if not isinstance(data, Mapping):
        raise CaseProblem(["a case must be a mapping of fields"])
    # the same checks as a scenario file's, on the mapping itself (no line numbers to give here)
    doc = LocatedDocument("case", {"title": str(data.get("title") or BUILDER_TITLE), "cases": [dict(data)]})
    found = check_document(doc, lib)
    if not isinstance(found, LoadedScenario):
        raise CaseProblem([_field_message(p.field, p.message) for p in found])
    return found.cases[0]


def _field_message(path: str, message: str) -> str:
    where = re.sub(r"^cases\[0\]\.?", "", path)
    where = re.sub(r"\[(\d+)\]", lambda m: f" {int(m.group(1)) + 1}", where)
    return f"{where}: {message}" if where else message


def case_data(case: Case) -> dict[str, Any]:
    """A checked case as the mapping a scenario file would hold (defaults and ``expect`` left out)."""
    data: dict[str, Any] = case.model_dump(mode="json", exclude={"expect"}, exclude_defaults=True)
    data.setdefault("person", {})
    for key in ("id", "title", "booking_date"):
        data[key] = case.model_dump(mode="json")[key]
    jur = case.jurisdiction
    data["jurisdiction"] = jur.id if not jur.params else {"id": jur.id, "params": dict(jur.params)}
    order = [
        "id",
        "title",
        "booking_date",
        "jurisdiction",
        "person",
        "convictions",
        "charges",
        "ice",
        "notes",
    ]
    return {k: data[k] for k in order if k in data}


# ---------------------------------------------------------------------------------------------
# the shareable URL


def encode(data: Mapping[str, Any]) -> str:
    """A short URL-safe token for a case mapping."""
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode(token: str) -> dict[str, Any]:
    """The case mapping in a token, or :class:`CaseProblem` (never more than a bounded amount of work)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise CaseProblem([f"the case link is too long (over {MAX_TOKEN_CHARS:,} characters)"])
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_TOKEN_BYTES)
        if inflater.unconsumed_tail:
            raise CaseProblem(["the case link holds too large a case"])
        data = json.loads(raw.decode())
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError, ValueError):
        raise CaseProblem(["the case link is damaged (copy the whole address)"]) from None
    if not isinstance(data, dict):
        raise CaseProblem(["the case link does not hold a case"])
    return data
