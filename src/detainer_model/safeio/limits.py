"""Every limit on what an input may hold, in one place (documented on the reliability page).

Sizes are checked with ``stat`` before a byte is read, so a huge (or sparse) file costs nothing
before it is refused; YAML is also counted while it streams, so a small file cannot expand into a
large document. Messages are bounded where they are made (see :func:`detainer_model.errors.bound`).
"""

from __future__ import annotations

from ..errors import MAX_MESSAGE_LINES

# Text files read whole: scenarios, rule files, answer keys, answers, cohort profiles (and the
# Markdown pages `schema --docs` checks).
MAX_YAML_BYTES = 5_000_000
MAX_YAML_DEPTH = 64  # nesting levels
MAX_YAML_NODES = 200_000  # values, after aliases are expanded
MAX_NUMBER_DIGITS = 100  # characters of one number (in YAML, and digits in a rule's expression)

# One `when:` expression of a rule file (the engine's own limits are in rulebook/enginelimits.py).
MAX_EXPRESSION_CHARS = 50_000

# Batch tables (people, convictions, charges; results read by `report`), CSV or Parquet. About 25
# million people as CSV (Parquet holds far more in the same bytes); a larger population runs in
# parts, by booking month for instance (see the scale page).
MAX_TABLE_BYTES = 2_000_000_000
# What a table may become once read: a Parquet file is small on disk when its values repeat (fifty
# million copies of one long text compress to kilobytes), so its footer is read first (rows, bytes
# once decompressed, and the columns' widths times the rows), and the table's size in memory is
# checked again once read, before anything works on it (values shared through a Parquet dictionary
# count once per row, as they will when worked on). Generous: a 20-million-person run holds about
# 40 million result rows and under 4 GB of table. A streamed batch never holds a whole table, but
# its inputs are bounded alike: with 1.5 convictions a person, about 67 million people a run.
MAX_TABLE_ROWS = 100_000_000
MAX_TABLE_DECODED_BYTES = 16_000_000_000

# A table's manifest (NAME.csv.meta.json): a few hundred bytes when this package writes it.
MAX_MANIFEST_BYTES = 1_000_000

# Problems listed in one refusal: the first MAX_MESSAGE_LINES - 1, then "… and K more".
MAX_MESSAGES = MAX_MESSAGE_LINES

__all__ = [
    "MAX_EXPRESSION_CHARS",
    "MAX_MANIFEST_BYTES",
    "MAX_MESSAGES",
    "MAX_NUMBER_DIGITS",
    "MAX_TABLE_BYTES",
    "MAX_TABLE_DECODED_BYTES",
    "MAX_TABLE_ROWS",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
]
