"""Package surfaces that import each public name from its module on first use (PEP 562).

``import sandi`` or ``import sandi.keys`` then costs next to nothing: sealing never
pays for the authority's TOML, the custodians' SLIP-39 or the audit log's SQLite.

>>> from sandi._internal.lazy import surface
>>> getattr_, dir_ = surface("json", {"dumps": "json", "decoder": "json.decoder"})
>>> getattr_("dumps")([1]), getattr_("decoder").__name__
('[1]', 'json.decoder')
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def surface(package: str, names: Mapping[str, str]
            ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: each name in ``names`` comes from the
    module it maps to (``"module:attribute"`` when the module calls it otherwise); a name
    mapped to ``package.name`` is that submodule itself."""

    def getattr_(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        value = module if module_name == f"{package}.{name}" else getattr(module,
                                                                          attribute or name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def dir_() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return getattr_, dir_
