"""Generate docs/api.md, the API reference, from the docstrings of ``sandi.__all__``.

Standard library only (``inspect``): for every public name, its signature and
docstring; for a class, its public methods and properties; for an error, its
exit code and its hint in English and Indonesian; for a module, its own
public functions and classes.

Usage (from the repository root)::

    .venv/bin/python docs/gen_api.py            # rewrite docs/api.md
    .venv/bin/python docs/gen_api.py --check    # exit 1 if docs/api.md is out of date

``tests/test_docs.py`` runs the check.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "api.md"
COMMAND = ".venv/bin/python docs/gen_api.py"

HEADER = f"""\
# sandi API reference

Generated from the docstrings by `docs/gen_api.py`; do not edit by hand. After changing
a public name or a docstring, run `{COMMAND}` (the test suite checks that this file is
up to date). Examples and explanations are in [developers.md](developers.md); what each
error means for an official is in [faq.md](faq.md).

Everything below is importable from the package: `import sandi`, then `sandi.NAME`; the
tools of key custodians and of the authority from the surfaces of its subpackages
(`sandi.keys.NAME`, `sandi.authority.NAME`...). Nothing else is public.

Conventions. Every time a caller passes or reads is a timezone-aware `datetime` (a naive
one, or epoch seconds, is refused with `InvalidArgument`); the byte formats keep integer
seconds (docs/format.md). An argument that can only be a file path takes a `str` or any
`os.PathLike`; an envelope argument (`open`, `verify`, `open_file`'s source) takes bytes,
text or a binary stream as well, so there a `str` is armored text, never a file name.
"""

#: The subpackages whose ``__init__`` is a public surface, after the top-level names.
SURFACES = ("envelope", "keys", "pola", "audit", "authority", "agent")


# --- text ---------------------------------------------------------------------------

_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc):`~?([^`]+)`")
WIDTH = 88  # longer signatures get one parameter per line


def _rst_to_md(text: str) -> str:
    """Docstring text to Markdown: ``code`` to `code`, doctest and ``::`` blocks fenced."""
    out: list[str] = []
    text = _ROLE.sub(r"`\1`", text.replace("``", "`"))
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += ["```pycon", *block, "```"]
            continue
        if line.rstrip().endswith("::") and not line.lstrip().startswith(">>>"):
            head = line.rstrip()[:-1].rstrip()
            if head.endswith(":"):
                head = head[:-1].rstrip()
            out.append(head + ":" if head else "")
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["", "```", *inspect.cleandoc("\n".join(block)).splitlines(), "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out).strip()


def _doc(obj: object) -> str:
    doc = inspect.getdoc(obj)
    return _rst_to_md(doc) if doc else "*(no docstring)*"


def _own_doc(obj: object) -> str | None:
    """The object's own docstring (not one inherited from a base class)."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) else None


# --- signatures ---------------------------------------------------------------------


def _annotation(ann: Any) -> str:
    if isinstance(ann, str):
        return ann
    return inspect.formatannotation(ann)


def _default(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)


def _signature(obj: Callable[..., Any], *, drop_first: bool = False
               ) -> tuple[str, list[str], str]:
    """``(a: int, *, b: str = 'x') -> bool`` with string annotations unquoted, the
    parameters one by one, and the ``-> ...`` part."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)", [], ""
    params = list(sig.parameters.values())
    if drop_first and params:
        params = params[1:]
    parts: list[str] = []
    star = False
    for n, p in enumerate(params):
        text = p.name
        if p.kind is p.VAR_POSITIONAL:
            text, star = "*" + p.name, True
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + p.name
        elif p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += (" = " if p.annotation is not p.empty else "=") + _default(p.default)
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (
                n + 1 == len(params) or params[n + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    ret = "" if sig.return_annotation is sig.empty else \
        f" -> {_annotation(sig.return_annotation)}"
    return f"({', '.join(parts)}){ret}", parts, ret


def _call(name: str, obj: Callable[..., Any], *, drop_first: bool = False,
          returns: bool = True) -> str:
    """``name(params) -> ret``, one parameter per line when it is too long."""
    one_line, parts, ret = _signature(obj, drop_first=drop_first)
    if not returns:
        one_line, ret = one_line.split(" -> ")[0], ""
    if len(name) + len(one_line) <= WIDTH or not parts:
        return name + one_line
    return name + "(\n" + "".join(f"    {p},\n" for p in parts) + ")" + ret


def _code(line: str) -> list[str]:
    return ["```python", line, "```"]


# --- one entry per kind ---------------------------------------------------------------


def _is_error(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Exception)


def _sandi_bases(cls: type) -> list[type]:
    """The class and its bases defined in sandi, most basic first."""
    return [c for c in reversed(cls.__mro__) if c.__module__.startswith("sandi")]


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    """Public methods and properties, in definition order (bases first)."""
    seen: set[str] = set()
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    for base in _sandi_bases(cls):
        for name in base.__dict__:
            if name.startswith("_") or name in seen or name in fields:
                continue
            attr = inspect.getattr_static(cls, name)
            if isinstance(attr, (staticmethod, classmethod, property, types.FunctionType)):
                seen.add(name)
                yield name, attr


def _member_lines(cls: type, name: str, attr: Any) -> list[str]:
    if isinstance(attr, property):
        ann = attr.fget.__annotations__.get("return") if attr.fget else None
        kind = f"property {name}" + (f": {_annotation(ann)}" if ann is not None else "")
        return [f"#### `{cls.__name__}.{name}`", "", *_code(kind), "", _doc(attr), ""]
    if isinstance(attr, classmethod):
        func, prefix, drop = attr.__func__, "classmethod ", True
    elif isinstance(attr, staticmethod):
        func, prefix, drop = attr.__func__, "staticmethod ", False
    else:
        func, prefix, drop = attr, "", True
    line = prefix + _call(name, func, drop_first=drop)
    return [f"#### `{cls.__name__}.{name}()`", "", *_code(line), "", _doc(func), ""]


def _class_lines(name: str, cls: type) -> list[str]:
    bases = [b.__name__ for b in cls.__bases__ if b is not object]
    head = f"class {name}" + (f"({', '.join(bases)})" if bases else "")
    lines = [f"### `sandi.{name}`", ""]
    if issubclass(cls, enum.Enum):
        lines += [*_code(head), "", _doc(cls), "", "| member | value |", "| --- | --- |"]
        lines += [f"| `{m.name}` | `{m.value!r}` |" for m in cls]
        lines.append("")
    else:
        init = cls if dataclasses.is_dataclass(cls) else cls.__init__
        call = _call(name, init, drop_first=not dataclasses.is_dataclass(cls), returns=False)
        lines += [*_code(f"{head}\n{call}"), "", _doc(cls), ""]
    for member, attr in _members(cls):
        lines += _member_lines(cls, member, attr)
    return lines


def _error_row(cls: type) -> str:
    doc = " ".join((_own_doc(cls) or "").split()).replace("|", "\\|")
    base = cls.__bases__[0].__name__
    return f"| `{cls.__name__}` | {base} | {getattr(cls, 'exit_code', '')} | {doc} |"


def _error_lines(name: str, cls: type) -> list[str]:
    base = cls.__bases__[0].__name__
    lines = [f"### `sandi.{name}`", "", *_code(f"class {name}({base})"), "", _doc(cls), ""]
    lines += [f"Exit code {cls.exit_code}. Hint (en): {cls.hint_en}",  # type: ignore[attr-defined]
              f"Hint (id): {cls.hint_id}", ""]  # type: ignore[attr-defined]
    return lines


def _function_lines(name: str, func: Callable[..., Any], prefix: str = "sandi.") -> list[str]:
    return [f"### `{prefix}{name}()`", "", *_code(_call(name, func)), "",
            _doc(func), ""]


#: The modules of sandi.errors, in the order its families are documented.
_ERROR_MODULES = ("sandi.errors.base", "sandi.errors.malformed", "sandi.errors.refusals",
                  "sandi.errors.misuse")


def _where(cls: type) -> tuple[int, int]:
    """An error class's place in the documentation: by family module, then by line."""
    module = cls.__module__
    rank = _ERROR_MODULES.index(module) if module in _ERROR_MODULES else len(_ERROR_MODULES)
    return rank, inspect.getsourcelines(cls)[1]


def _module_lines(name: str, module: types.ModuleType, top: dict[int, str]) -> list[str]:
    """A module or a subpackage's surface: every name of its ``__all__`` (a name that is
    also top-level is a reference to its entry there)."""
    lines = [f"### `sandi.{name}`", "", _doc(module), ""]
    surface = getattr(module, "__all__", None)
    names = surface or sorted(vars(module))
    errors: list[type] = []
    for member in names:
        obj = getattr(module, member, None)
        if member.startswith("_") or (surface is None
                                      and getattr(obj, "__module__", None) != module.__name__):
            continue
        if id(obj) in top and not _is_error(obj):
            lines += [f"#### `sandi.{name}.{member}`", "", f"The same as `sandi.{top[id(obj)]}`.",
                      ""]
        elif isinstance(obj, str):
            lines += [f"#### `sandi.{name}.{member}`", "", *_code(f"{member} = {obj!r}"), ""]
        elif _is_error(obj):
            errors.append(obj)  # type: ignore[arg-type]
        elif inspect.isclass(obj):
            lines += [line.replace("### `sandi.", f"#### `sandi.{name}.", 1)
                      for line in _class_lines(member, obj)]
        elif inspect.isfunction(obj):
            lines += [line.replace("### ", "#### ", 1)
                      for line in _function_lines(member, obj, f"sandi.{name}.")]
    if errors:
        errors.sort(key=_where)
        lines += ["| error | base | exit code | raised when |", "| --- | --- | --- | --- |"]
        lines += [_error_row(c) for c in errors]
        lines.append("")
    return lines


# --- the document ---------------------------------------------------------------------


def render() -> str:
    """The full text of docs/api.md."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import sandi

    sections: dict[str, list[str]] = {"Functions": [], "Classes": [], "Errors": [],
                                      "Modules": [], "Constants": []}
    top = {id(getattr(sandi, name)): name for name in sandi.__all__
           if not isinstance(getattr(sandi, name), (str, types.ModuleType))}
    for name in [*sandi.__all__, *SURFACES]:
        obj = getattr(sandi, name)
        if isinstance(obj, types.ModuleType):
            sections["Modules"] += _module_lines(name, obj, top)
        elif _is_error(obj):
            sections["Errors"] += _error_lines(name, obj)
        elif inspect.isclass(obj):
            sections["Classes"] += _class_lines(name, obj)
        elif callable(obj):
            sections["Functions"] += _function_lines(name, obj)
        else:
            sections["Constants"] += [f"### `sandi.{name}`", "", *_code(f"{name} = {obj!r}"),
                                      ""]
    out = [HEADER]
    index = [f"- [{title}](#{title.lower()})" for title, body in sections.items() if body]
    out += ["## Contents", "", *index, ""]
    for title, body in sections.items():
        if body:
            out += [f"## {title}", "", *body]
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"docs/api.md is out of date; run: {COMMAND}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
