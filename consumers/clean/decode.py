"""Moved to bnwatch.extract.decode (the shared extraction library); this old path is the same module object, so
`from consumers.clean.decode import ...` keeps working for every name, private ones included."""

import sys

from bnwatch.extract import decode as _moved

sys.modules[__name__] = _moved
