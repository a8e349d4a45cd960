"""Reading and writing files safely: the lowest layer above :mod:`detainer_model.errors`.

YAML is loaded without ever building objects from tags, within size, depth and alias limits, and
remembering the line of every key (:mod:`.yamlsafe`); pydantic's errors become one located line
each (:mod:`.validation`); outputs are written atomically (:mod:`.atomicwrite`). This layer may
import only :mod:`detainer_model.errors` and :mod:`detainer_model._version`; it knows nothing of
rules, cases or the engine.
"""
