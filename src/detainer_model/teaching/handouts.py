"""Print-ready handouts for a class: the two federal programs side by side, a page per local
policy, and the glossary.

Every word comes from the rule files (summaries, notes, sources and their verification labels,
``glossary.yaml``); the pages are self-contained HTML (no script, no stylesheet from elsewhere)
that prints one handout per page.
"""

from __future__ import annotations

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..rulebook.library import RuleLibrary
from .exercises import template_environment
from .plain import glossary

# glossary entries the one-pager on the two programs explains
PROGRAM_TERMS = ("detainer", "notification-request", "ident", "priorities-2014", "i-247", "i-247d", "i-247n")


def handout_files(lib: RuleLibrary) -> dict[str, str]:
    """``index.html``, ``sc-vs-pep.html``, ``glossary.html`` and ``policy-ID.html`` for each local
    policy, rendered (nothing is written here)."""
    env = template_environment()
    template = env.get_template("handout.html.j2")
    terms = glossary(lib)
    policies = [lib.rulesets[j] for j in lib.jurisdictions]
    common = {
        "disclaimer": DISCLAIMER,
        "version": __version__,
        "digest": lib.digest[:19],
        "sources": lib.sources,
        "policies": policies,
        "names": {e.id: e.term for e in terms},
    }
    by_id = {e.id: e for e in terms}
    files = {
        "index.html": template.render(kind="index", title="Handouts: immigration detainers", **common),
        "sc-vs-pep.html": template.render(
            kind="regimes",
            title="Secure Communities and the Priority Enforcement Program",
            regimes=[lib.rulesets[r] for r in lib.regimes],
            terms=[by_id[t] for t in PROGRAM_TERMS if t in by_id],
            **common,
        ),
        "glossary.html": template.render(kind="glossary", title="Glossary", terms=terms, **common),
    }
    for p in policies:
        files[f"policy-{p.id}.html"] = template.render(kind="policy", title=p.title, policy=p, **common)
    return files


__all__ = ["PROGRAM_TERMS", "handout_files"]
