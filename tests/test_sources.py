"""rules/sources.yaml: full citations, honest labels, and nothing that points outside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from detainer_model import load_rules
from detainer_model.rulebook.rulefile import Source

LIB = load_rules()

# Findings of the November 2026 review: cited as verified, but the page read was a blog, law-firm
# page, news story or advisory (secondary), or was not found (unverified).
NOT_GOVERNMENT_TEXT = (
    "i247-form",
    "ina-aggravated-felony",
    "ca-trust-act-2013",
    "nyc-local-laws-2014",
    "nyc-nypd-exception-2014",
    "sf-release-2015",
    "cook-county-wbez-2011",
    "oregon-counties-2014",
    "iowa-counties-2014",
    "miami-dade-reversal-2017",
    "galarza-2014",
    "miranda-olivares-2014",
)
NOT_SEEN = (
    "johnson-priorities-2014",
    "johnson-scomm-memo-2014",
    "eo-13768",
    "cfr-287-7",
    "crs-287g",
    "morton-detainer-2012",
    "chicago-welcoming-city",
    "miami-dade-r-1008-13",
)


@pytest.mark.parametrize("sid", sorted(LIB.sources))
def test_every_source_has_a_full_citation(sid: str) -> None:
    """Each source names its issuer and date, and says what it holds (a quote or a note)."""
    s = LIB.sources[sid]
    assert s.title.strip() and s.issuer and s.date, sid
    assert s.quote or s.note, f"{sid}: neither a quote nor a note says what the source holds"


@pytest.mark.parametrize("sid", NOT_GOVERNMENT_TEXT)
def test_secondary_pages_are_not_labelled_verified(sid: str) -> None:
    """A source read on a blog, news or advisory page is secondary (or weaker), never verified."""
    assert LIB.sources[sid].verification in ("secondary", "unverified")


@pytest.mark.parametrize("sid", NOT_SEEN)
def test_sources_the_review_could_not_find_are_unverified(sid: str) -> None:
    """A source whose page the review could not find is labelled unverified until read."""
    assert LIB.sources[sid].verification == "unverified"


# The outside pointers, spelt in pieces so that this file does not itself contain one.
OUTSIDE_FILE = "policy" + "-reference.md"
OUTSIDE_DIR = "shared" + "/domain/"


@pytest.mark.parametrize("pointer", [f"{OUTSIDE_FILE} §4.1", f"../{OUTSIDE_DIR}notes.md"])
def test_a_source_pointing_outside_the_repository_is_refused(pointer: str) -> None:
    """The Source model refuses a reference into the project's old notes outside the repository."""
    with pytest.raises(ValueError, match="outside the repository"):
        Source(title="t", reference=pointer, verification="secondary")
    assert Source(title="t", reference="§ 4.1", verification="secondary").reference == "§ 4.1"


def test_the_legend_defines_every_label(root: Path) -> None:
    """The header of sources.yaml explains each verification label the sources use."""
    head = (root / "rules" / "sources.yaml").read_text().split("sources:", 1)[0]
    for label in {s.verification for s in LIB.sources.values()}:
        assert f"#   {label}" in head, label
