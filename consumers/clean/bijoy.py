"""Moved to bnwatch.extract.bijoy (the shared extraction library); this old path is the same module object, so
`from consumers.clean.bijoy import ...` keeps working for every name, private ones included."""

import sys

from bnwatch.extract import bijoy as _moved

sys.modules[__name__] = _moved
