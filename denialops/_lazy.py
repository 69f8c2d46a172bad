"""Names a package exports but loads on first use (PEP 562 module ``__getattr__``).

``import denialops`` and ``import denialops.work.priority`` run their package files; the
modules behind the exported names are imported only when a name is used, so a command
pays for what it runs (bench/RESULTS.md, "Command start-up").
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def load(namespace: dict[str, Any], package: str, lazy: Mapping[str, str], name: str) -> Any:
    """Import the module ``lazy[name]``, keep its ``name`` in the package's namespace."""
    module = lazy.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    namespace[name] = value
    return value
