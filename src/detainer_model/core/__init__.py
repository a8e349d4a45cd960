"""The core: scenario models, fact derivation, the rule engine, precedence and evaluation.

:mod:`.models` is the scenario schema; :mod:`.scenarios` loads scenario files; :mod:`.facts`
derives a case's facts from the rule files' definitions; :mod:`.engine` is the only module that
imports durable_rules; :mod:`.resolve` settles precedence; :mod:`.evaluate` gives ``evaluate`` and
``compare``; :mod:`.expectations` and :mod:`.runner` check ``expect`` blocks over files. This layer
may import :mod:`detainer_model.rulebook`, :mod:`detainer_model.safeio` and the foundation. It hands
results to the presenters and never calls them: the two presentation hooks
(``Comparison.to_frame``, ``RunResult.to_frame`` and ``_repr_html_``) import lazily from
:mod:`detainer_model.report`.
"""
