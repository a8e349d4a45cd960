"""The published figures a population report sets beside the model's (``record.yaml``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InputError
from ..safeio.fieldtypes import Tuple
from ..safeio.validation import validate_document
from ..safeio.yamlsafe import load_yaml_file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Figure(_Strict):
    """One published figure: a value, a range or a mix of shares, with its source."""

    label: str
    value: float | None = None
    qualifier: str | None = None
    low: float | None = None
    high: float | None = None
    mix: dict[str, float] | None = None
    period: str
    source: str
    reference: str | None = Field(default=None, description="a pinpoint inside the source itself")
    verification: Literal["verified", "secondary", "unverified"]
    why: Tuple[str] = Field(default=(), description="why the model's figure may differ from this one")


class RecordFile(_Strict):
    kind: Literal["record"]
    title: str
    figures: dict[str, Figure]
    caveats: Tuple[str] = ()


def record_path() -> Path:
    return Path(str(resources.files("detainer_model") / "population" / "record.yaml"))


def load_record(path: Path | None = None) -> RecordFile:
    """The published figures (by default the ones shipped with the package)."""
    doc = load_yaml_file(path or record_path())
    value, problems = validate_document(RecordFile, doc)
    if value is None:
        raise InputError(problems)
    return value
