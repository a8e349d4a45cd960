"""Teaching tools built on the core: explanations, contrasts, what-ifs, exercises and rule documents.

:mod:`.explain` and :mod:`.reasons` turn a decision into a derivation tree; :mod:`.contrast` says
why two decisions differ; :mod:`.whatif` finds the smallest changes that flip an outcome;
:mod:`.exercises` makes and grades worksheets; :mod:`.coverage` and :mod:`.decision_table` document
rule sets. This layer may import :mod:`detainer_model.core` and everything below it, never the
presenters, the population tools, the CLI or the web app.
"""
