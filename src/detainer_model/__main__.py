"""``python -m detainer_model`` runs the command line."""

from .cli import script

script()
