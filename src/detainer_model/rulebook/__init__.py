"""The rule language and the rule library: how the law in ``rules/`` is read and composed.

:mod:`.expressions` parses the small, safe condition language (never ``eval``) and compiles it to
engine conditions and to plain-Python predicates; :mod:`.rulefile` holds the rule-file models;
:mod:`.library` loads ``rules/``, checks it against the vocabulary and composes a federal regime
with a local policy into strata. This layer may import :mod:`detainer_model.safeio` and the
foundation (``errors``, ``_version``); it knows no law itself, and never touches the engine.
"""
