"""Layers: the policies of a place and of every place containing it, combined into one answer.

A booking in San Francisco is governed by San Francisco's policy and by California's; one in
Chicago by Chicago's and by Illinois's. The places and their dated versions are data
(``rules/places.yaml``); how their answers combine is data too (``layering`` in
``rules/model.yaml``): each layer in force answers ICE's request on its own, and the answer most
restrictive toward ICE wins. A layer whose version is a *mandate* (a state law requiring
cooperation) replaces the answers of the places inside it. Where no place in the chain has a
policy in force on the booking date, the model's fallback policy (full cooperation) applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Problem, RuleFileError
from ..rulebook.library import RuleLibrary, RuleSet, join_ref
from ..rulebook.rulefile import Layering


@dataclass(frozen=True)
class Layer:
    """One place's policy in force on the booking date."""

    place: str
    version: RuleSet
    fallback: bool = False

    @property
    def mandate(self) -> bool:
        return self.version.meta.mandate

    def ref(self, reading: str | None) -> str:
        """The version's id with ``reading`` if the version declares it, else the id alone (its default)."""
        return join_ref(self.version.id, reading) if reading in self.version.readings else self.version.id


def layering(lib: RuleLibrary) -> Layering:
    """The model's rule for combining layers, or a located error if the model has none."""
    if lib.model.layering is None:
        raise RuleFileError([Problem("model", None, "layering", "places need the model's 'layering' rule")])
    return lib.model.layering


def layers_for(lib: RuleLibrary, place_id: str, day: dt.date) -> tuple[Layer, ...]:
    """The versions in force on ``day`` for the place and the places containing it, outermost first."""
    found = tuple(
        Layer(p, rs) for p in lib.place_chain(place_id) if (rs := lib.version_in_force(p, day)) is not None
    )
    if found:
        return found
    return (Layer(place_id, lib.rulesets[layering(lib).fallback], fallback=True),)


def deciding_layer(answers: Sequence[str], mandates: Sequence[bool], order: Sequence[str]) -> int:
    """The index of the layer whose answer stands.

    ``answers`` are the layers' answers, outermost first. Only the layers down to the outermost
    mandate count (a mandate binds the places inside it); among them the answer earliest in
    ``order`` (most restrictive first) wins, and of equal answers the most specific layer's.
    """
    scope = len(answers)
    for i, mandate in enumerate(mandates):
        if mandate:
            scope = i + 1
            break
    rank = {v: k for k, v in enumerate(order)}
    best = 0
    for i in range(1, scope):
        if rank[answers[i]] <= rank[answers[best]]:
            best = i
    return best
