"""Deferred imports for ``lct validate``, a command a CSO runs and waits for.

Great Expectations imports scipy.stats and altair when it is imported, for
expectations and charts ``lct validate`` never uses: about 2.5 s of a cold
start of 8. ``defer`` puts a stand-in module in their place that imports the
real one on first use, so nothing changes for code that does use them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class _Deferred(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        real = self.__dict__.get("_module")
        if real is None:
            del sys.modules[self.__name__]  # let the import system load the real one
            real = importlib.import_module(self.__name__)
            sys.modules[self.__name__] = real
            self._module = real
        return getattr(real, name)


def defer(*names: str) -> None:
    """Import ``names`` on first attribute access rather than when imported."""
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        module = _Deferred(name)
        # Real attributes, so the import system can look at them without loading.
        module.__spec__ = spec
        module.__file__ = spec.origin
        module.__path__ = list(spec.submodule_search_locations or [])
        sys.modules[name] = module
