"""Moved to bnwatch.extract.dateparse (the shared extraction library); this old path is the same module object, so
`from consumers.clean.dates import ...` keeps working for every name, private ones included."""

import sys

from bnwatch.extract import dateparse as _moved

sys.modules[__name__] = _moved
