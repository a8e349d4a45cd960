"""The adapter to durable_rules: the only module that imports ``durable``.

durable_rules is a Rete engine with a C core (``durable_rules_engine``) under a Python layer
(``durable.engine.Host``) that has traps (see ``docs/engine-notes.md``) and is
slow: for every rule that fires, the Python layer builds a closure, dumps and loads the session
state as JSON twice and reads the clock twice. This adapter drives the C core directly, exactly
as ``Host`` does (``create_ruleset``, ``assert_fact``, then the action loop
``start_action_for_state`` / ``complete_and_start_action``, then ``delete_state``), and reads
which rule fired from each action message. It owns every engine ruleset of the process and
guards against each trap:

1. every evaluation gets a fresh session id whose state is deleted in a ``finally`` (a ruleset
   holds at most 1,024 live sessions);
2. no Python action runs inside the engine, so none can fail and be swallowed; the C core's
   error codes are checked after every call and raised as :class:`EngineError`;
3. a fact that matches no rule is reported as "not handled", and (measured here, not in the
   notes) deleting the state such a fact leaves behind crashes the process with a
   segmentation fault. So every ruleset carries one extra rule that matches every fact and does
   nothing: "nothing fired" is then an ordinary answer, and every session can be deleted;
4. each session receives exactly one fact, so no fact is ever asserted twice;
5-6. facts are complete and typed before they get here (see ``expressions.encode``);
7. rulesets are named by a hash of their conditions, so edited rules get a new name and
   reloading never collides; this adapter keeps its own registry of names;
8. no background thread is ever started (``Host`` starts two timer threads) and calls are
   serialised with a lock; batch assertion is never used;
9. facts carry only the fields their stratum reads (well under 255), rulesets stay small.
   Also measured here: a rule whose ``$or`` has several true branches fires once per true
   branch, so the ids that come back are de-duplicated (first firing kept).
10. the reference evaluator re-checks the engine in the test suite.

**The memo.** A ruleset here is a set of single-fact rules asserted into a fresh session, so
which of its rules fire is a function of the ruleset and the one fact alone. The engine
remembers each answer it gave, keyed by the ruleset's name (a hash of its conditions) and the
exact fact asserted, and returns that answer when the same fact comes again. Every answer still
comes from durable_rules, for exactly that ruleset and fact: the memo only avoids asking twice.
It holds at most :attr:`RuleEngine.memo_limit` answers (it is emptied when full) and can be
switched off (:meth:`RuleEngine.unmemoised`) to measure or test the engine itself. A fact is
frozen into a :class:`Fact` (its items, hash and JSON message computed once), so that callers
that assert the same inputs again hand the engine the same object and the memo's lookup is cheap.

:meth:`RuleEngine.fire` is the single entry point through which every engine decision of the
project flows (single cases, comparisons, populations). Callers may remember what follows from
its answers, on the same terms as the memo: ``evaluate.decide`` keeps a composition's decisions by
the values it reads, and gives one again only while the memo is on and only for the engine (and
``fire``) that answered (see ``detainer_model.core.evaluate``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import durable_rules_engine as _core

from ..errors import EngineError

ALWAYS_KEY = "dm__always"
# json.dumps with any argument builds a new encoder on every call: one, made once
_to_json = json.JSONEncoder(ensure_ascii=False).encode
_ALWAYS_RULE = "dm__always"
_HANDLED, _NOT_HANDLED, _OBSERVED = 0, 1, 2
MEMO_LIMIT = 250_000


class Fact(Mapping[str, Any]):
    """A fact to assert, frozen: its items, hash and JSON message (but for the session id) are
    computed once, so that a fact asked about again is looked up, not re-encoded.

    Two facts are the same fact when they hold the same fields with the same values in the same
    order (the order the message is written in).
    """

    __slots__ = ("_body", "_hash", "_items", "_values")

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)
        self._items = tuple(self._values.items())
        self._hash = hash(self._items)
        message = {k: v for k, v in self._values.items() if k != "sid"}
        message[ALWAYS_KEY] = True
        # the session id (digits, nothing to escape) is written last, per session (see _run)
        self._body = _to_json(message)[:-1] + ', "sid": "'

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fact):
            return self._items == other._items
        return isinstance(other, Mapping) and self._values == dict(other)

    def __repr__(self) -> str:
        return f"Fact({self._values!r})"

    def message(self, sid: str) -> str:
        """The JSON the engine is given: the fact, the catch-all key and the session id."""
        return f'{self._body}{sid}"}}'


class _Ruleset:
    """One ruleset registered in the C core: its handle and ``{engine rule name: rule id}``."""

    __slots__ = ("handle", "ids", "name")

    def __init__(self, name: str, handle: int, ids: dict[str, str]) -> None:
        self.name = name
        self.handle = handle
        self.ids = ids


class RuleEngine:
    """durable_rules' C core; fires named rulesets of single-fact rules on one fact at a time."""

    def __init__(self, memo_limit: int = MEMO_LIMIT) -> None:
        self._lock = threading.Lock()
        self._rulesets: dict[str, _Ruleset] = {}
        self._next_sid = 0
        self._memo: dict[tuple[str, Fact], tuple[str, ...]] = {}
        self.memo_limit = memo_limit
        self.memo_hits = 0

    @property
    def sessions_opened(self) -> int:
        """How many evaluations (sessions) this engine has run."""
        return self._next_sid

    @property
    def ruleset_names(self) -> tuple[str, ...]:
        return tuple(self._rulesets)

    @contextmanager
    def unmemoised(self) -> Iterator[None]:
        """Within the block every call asks the engine, even for a fact it has seen."""
        saved = self.memo_limit
        self.memo_limit = 0
        try:
            yield
        finally:
            self.memo_limit = saved

    def _ensure(self, name: str, conditions: Mapping[str, Mapping[str, Any]]) -> _Ruleset:
        known = self._rulesets.get(name)
        if known is not None:
            return known
        ids = {f"r{i}": rule_id for i, rule_id in enumerate(conditions)}
        rules: dict[str, Any] = {
            engine_name: {"all": [{"m": dict(conditions[rule_id])}]} for engine_name, rule_id in ids.items()
        }
        rules[_ALWAYS_RULE] = {"all": [{"m": {ALWAYS_KEY: True}}]}
        try:
            handle = _core.create_ruleset(name, _to_json(rules))
        except Exception as exc:
            raise EngineError(f"the rule engine refused ruleset {name}: {exc}") from None
        ruleset = _Ruleset(name, handle, ids)
        self._rulesets[name] = ruleset
        return ruleset

    def fire(
        self, name: str, conditions: Mapping[str, Mapping[str, Any]], fact: Mapping[str, Any]
    ) -> list[str]:
        """Assert ``fact`` to the ruleset ``name`` (registering it from ``conditions`` on first use).

        Returns the ids of the rules whose conditions matched, in the engine's firing order.
        A :class:`Fact` is used as it is; any other mapping is frozen into one first.
        """
        if not conditions:
            return []
        frozen = fact if isinstance(fact, Fact) else Fact(fact)
        key = (name, frozen)
        with self._lock:
            found = self._memo.get(key) if self.memo_limit else None
            if found is not None:
                self.memo_hits += 1
                return list(found)
            answer = self._run(self._ensure(name, conditions), frozen)
            if self.memo_limit:
                if len(self._memo) >= self.memo_limit:
                    self._memo.clear()
                self._memo[key] = answer
            return list(answer)

    def _run(self, ruleset: _Ruleset, fact: Fact) -> tuple[str, ...]:
        """One session: assert, collect every rule the engine fires, delete the state."""
        self._next_sid += 1
        sid = str(self._next_sid)
        handle, ids = ruleset.handle, ruleset.ids
        message = fact.message(sid)
        fired: list[str] = []
        deletable = True
        try:
            code, state = _core.assert_fact(handle, message)
            if code == _NOT_HANDLED:
                # cannot happen while the always-rule exists; its state must not be deleted (trap 3)
                deletable = False
                raise EngineError(f"the rule engine left a fact unhandled in ruleset {ruleset.name}")
            if code == _OBSERVED:
                raise EngineError("the rule engine saw the same fact twice in one session")
            if code != _HANDLED:
                raise EngineError(f"the rule engine answered code {code} in ruleset {ruleset.name}")
            started = _core.start_action_for_state(handle, state)
            action = started[1] if started else None
            while action:
                fired.append(_rule_of(action))
                action = _core.complete_and_start_action(handle, state)
        except _core.error as exc:
            raise EngineError(f"the rule engine failed: {exc}") from None
        finally:
            if deletable:
                self._delete(handle, sid)
        if _ALWAYS_RULE not in fired:
            raise EngineError(f"the rule engine skipped the catch-all rule of ruleset {ruleset.name}")
        try:
            return tuple(dict.fromkeys(ids[f] for f in fired if f != _ALWAYS_RULE))
        except KeyError as exc:
            raise EngineError(f"the rule engine fired an unknown rule {exc} in {ruleset.name}") from None

    @staticmethod
    def _delete(handle: int, sid: str) -> None:
        try:
            _core.delete_state(handle, sid)
        except _core.error as exc:
            raise EngineError(f"the rule engine could not delete session {sid}: {exc}") from None

    def live_sessions(self) -> int:
        """Ask the engine itself how many sessions still hold state (should always be 0)."""
        live = 0
        with self._lock:
            for ruleset in self._rulesets.values():
                for sid in range(1, self._next_sid + 1):
                    try:
                        _core.get_state(ruleset.handle, str(sid))
                    except _core.error:
                        continue
                    live += 1
        return live


def _rule_of(action: str) -> str:
    """The rule an action message names: ``{"r3": {"m": {...}}}`` -> ``r3``.

    Engine rule names are ours (``r<number>`` or the catch-all), so they need no unescaping.
    """
    if not action.startswith('{"'):
        raise EngineError(f"the rule engine sent an unreadable action: {action[:60]!r}")
    return action[2 : action.index('"', 2)]


_engine: RuleEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> RuleEngine:
    """The process's one rule engine."""
    global _engine
    if _engine is not None:
        return _engine
    with _engine_lock:
        if _engine is None:
            _engine = RuleEngine()
        return _engine
