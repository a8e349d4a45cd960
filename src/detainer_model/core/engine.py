"""The adapter to durable_rules: the only module that imports ``durable``.

durable_rules is a Rete engine with a C core whose Python layer has traps (see
``docs/engine-notes.md``). This adapter owns one engine per process and guards
against each of them:

1. every evaluation gets a fresh session id whose state is deleted in a ``finally`` (a ruleset
   holds at most 1,024 live sessions);
2. exceptions raised inside actions are recorded and re-raised, not swallowed;
3. a fact that matches no rule raises ``MessageNotHandledException``, and (measured here, not in
   the notes) deleting the state such a fact leaves behind crashes the process with a
   segmentation fault. So every ruleset carries one extra rule that matches every fact and does
   nothing: "nothing fired" is then an ordinary answer, and every session can be deleted;
4. each session receives exactly one fact, so no fact is ever asserted twice;
5-6. facts are complete and typed before they get here (see ``expressions.encode``);
7. rulesets are named by a hash of their conditions, so edited rules get a new name and
   reloading never collides with "already registered";
8. the host's background dispatch threads are never started and calls are serialised with a
   lock; ``post_batch`` is never used;
9. facts carry only the fields their stratum reads (well under 255), rulesets stay small.
   Also measured here: a rule whose ``$or`` has several true branches fires once per true
   branch, so the ids that come back are de-duplicated (first firing kept).
10. the reference evaluator re-checks the engine in the test suite.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException, MessageObservedException

from ..errors import EngineError


class _SynchronousHost(Host):  # type: ignore[misc]
    """A durable Host that starts no timer threads: actions run inside ``assert_fact``."""

    def _run(self) -> None:
        return None


ALWAYS_KEY = "dm__always"
_ALWAYS_RULE = "dm__always"


class RuleEngine:
    """One durable_rules host; fires named rulesets of single-fact rules on one fact at a time."""

    def __init__(self) -> None:
        self._host = _SynchronousHost()
        self._lock = threading.Lock()
        self._rulesets: dict[str, dict[str, str]] = {}  # engine name -> {engine rule name: rule id}
        self._next_sid = 0
        self._fired: list[str] = []
        self._errors: list[BaseException] = []

    @property
    def sessions_opened(self) -> int:
        """How many evaluations (sessions) this engine has run."""
        return self._next_sid

    @property
    def ruleset_names(self) -> tuple[str, ...]:
        return tuple(self._rulesets)

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        def action(_closure: Any) -> None:
            try:
                self._fired.append(rule_id)
            except BaseException as exc:  # pragma: no cover - appending cannot fail in practice
                self._errors.append(exc)
                raise

        return action

    def _ensure(self, name: str, conditions: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
        known = self._rulesets.get(name)
        if known is not None:
            return known
        names = {f"r{i}": rule_id for i, rule_id in enumerate(conditions)}
        rules: dict[str, Any] = {
            engine_name: {"all": [{"m": dict(conditions[rule_id])}], "run": self._action(rule_id)}
            for engine_name, rule_id in names.items()
        }
        rules[_ALWAYS_RULE] = {"all": [{"m": {ALWAYS_KEY: True}}], "run": _nothing}
        definition = {name: rules}
        try:
            self._host.register_rulesets(definition)
        except Exception as exc:
            raise EngineError(f"the rule engine refused ruleset {name}: {exc}") from None
        self._rulesets[name] = names
        return names

    def fire(
        self, name: str, conditions: Mapping[str, Mapping[str, Any]], fact: Mapping[str, Any]
    ) -> list[str]:
        """Assert ``fact`` to the ruleset ``name`` (registering it from ``conditions`` on first use).

        Returns the ids of the rules whose conditions matched, in the engine's firing order.
        """
        if not conditions:
            return []
        with self._lock:
            self._ensure(name, conditions)
            self._next_sid += 1
            sid = str(self._next_sid)
            self._fired = []
            self._errors = []
            deletable = True
            try:
                self._host.assert_fact(name, {**fact, ALWAYS_KEY: True, "sid": sid})
            except MessageNotHandledException:
                # cannot happen while the always-rule exists; its state must not be deleted (trap 3)
                deletable = False
                raise EngineError(f"the rule engine left a fact unhandled in ruleset {name}") from None
            except MessageObservedException:
                raise EngineError("the rule engine saw the same fact twice in one session") from None
            except durable_rules_engine.error as exc:
                raise EngineError(f"the rule engine failed: {exc}") from None
            finally:
                if deletable:
                    self._delete(name, sid)
            if self._errors:
                raise EngineError(f"a rule action failed: {self._errors[0]!r}") from self._errors[0]
            return list(dict.fromkeys(self._fired))

    def _delete(self, name: str, sid: str) -> None:
        # no state exists when nothing matched, so there may be nothing to delete
        with contextlib.suppress(durable_rules_engine.error):
            self._host.delete_state(name, sid)

    def live_sessions(self) -> int:
        """Ask the engine itself how many sessions still hold state (should always be 0)."""
        live = 0
        with self._lock:
            for name in self._rulesets:
                for sid in range(1, self._next_sid + 1):
                    try:
                        self._host.get_state(name, str(sid))
                    except durable_rules_engine.error:
                        continue
                    live += 1
        return live


def _nothing(_closure: Any) -> None:
    return None


_engine: RuleEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> RuleEngine:
    """The process's one rule engine."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = RuleEngine()
        return _engine
