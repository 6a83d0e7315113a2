"""Canonical msgpack: the one encoding every sandi structure uses.

Decoding is strict: it refuses anything whose re-encoding differs from the input
(non-minimal integers, unsorted map keys, float32, trailing bytes), so each
structure has exactly one byte form and no field can be made malleable. Every
failure is raised as the caller's ``MalformedInput`` subclass, never as a
msgpack, ``ValueError`` or ``KeyError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

import msgpack

from sandi._internal.i18n import Phrase
from sandi.errors import MalformedInput

Raise = Callable[[str], NoReturn]


def pack(obj: object) -> bytes:
    """Encode ``obj`` canonically (maps with sorted keys, bin for bytes)."""
    return msgpack.packb(_sorted(obj), use_bin_type=True)  # type: ignore[no-any-return]


def pack_arrays(obj: object) -> bytes:
    """:func:`pack` for a structure of arrays and scalars only (an envelope's blocks): with
    no map in it there is nothing to sort, so it is not walked first. A map given here
    would not be sorted, and the strict decoder would refuse what came out."""
    return msgpack.packb(obj, use_bin_type=True)  # type: ignore[no-any-return]


def _sorted(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _sorted(obj[k]) for k in sorted(obj)}
    if isinstance(obj, (list, tuple)):
        return [_sorted(x) if isinstance(x, (dict, list, tuple)) else x for x in obj]
    return obj


def _sorted_pairs(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    # Canonical maps have strictly ascending keys; checking here, as msgpack builds
    # each map, lets the canonical check re-encode the decoded object as it is.
    keys = [k for k, _ in pairs]
    if keys != sorted(set(keys)):
        raise ValueError("map keys not in canonical (sorted, unique) order")
    return dict(pairs)


def _refuse_ext(code: int, data: bytes) -> NoReturn:
    raise ValueError(f"msgpack extension type {code} is not allowed")


def unpack(data: bytes, error: type[MalformedInput], what: Phrase | str, limit: int, *,
           caller_checks_key_order: bool = False) -> Any:
    """Decode ``data`` (at most ``limit`` bytes) and insist it is canonical.

    With ``caller_checks_key_order`` the order of map keys is left to the caller, which
    must check it on every map it accepts (maps then decode at C speed; a map out of
    order re-encodes as it came, so the re-encoding check below cannot see it).
    ``what`` names the structure in errors.
    """
    if len(data) > limit:
        raise error("{what}: {size} bytes is over the limit of {limit}", what=what, size=len(data),
                    limit=limit)
    try:
        obj = msgpack.unpackb(
            data,
            raw=False,
            use_list=True,
            strict_map_key=True,
            ext_hook=_refuse_ext,
            object_pairs_hook=None if caller_checks_key_order else _sorted_pairs,
        )
    except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError,
            msgpack.StackError, OverflowError, RecursionError) as exc:
        raise error("{what}: not valid msgpack ({cause})", what=what,
                    cause=type(exc).__name__) from exc
    try:
        canonical = msgpack.packb(obj, use_bin_type=True) == data
    except (TypeError, ValueError, RecursionError) as exc:
        # A map mixing str and bytes keys cannot be sorted, and nesting deeper than
        # the encoder (or Python's stack) allows cannot be re-encoded: neither has a
        # canonical form, so neither is a sandi structure.
        raise error("{what}: not in canonical encoding ({cause})", what=what,
                    cause=type(exc).__name__) from exc
    if not canonical:
        raise error("{what}: not in canonical encoding", what=what)
    return obj


class Fields:
    """Typed field access for decoded msgpack, raising ``error`` with a fixed prefix."""

    def __init__(self, error: type[MalformedInput], what: Phrase | str) -> None:
        self._error = error
        self._what = what

    def fail(self, template: str, /, **params: object) -> NoReturn:
        """Raise the structure's malformed-input error: ``template`` (English, with
        ``params``) says what is wrong, after the structure's name."""
        raise self._error("{what}: {problem}", what=self._what,
                          problem=Phrase(template, **params))

    def array(self, value: object, name: str, lo: int, hi: int) -> list[Any]:
        """A list whose length is in ``[lo, hi]``."""
        if not isinstance(value, list):
            self.fail("{name} must be an array", name=name)
        if not lo <= len(value) <= hi:
            self.fail("{name} must have {lo}..{hi} items, has {size}", name=name, lo=lo, hi=hi,
                      size=len(value))
        return value

    def record(self, value: object, name: str, size: int) -> list[Any]:
        """A positional record: a list of exactly ``size`` items."""
        return self.array(value, name, size, size)

    def map(self, value: object, name: str, required: set[str],
            optional: frozenset[str] = frozenset()) -> dict[str, Any]:
        """A map with string keys: all of ``required``, some of ``optional``, no others."""
        if not isinstance(value, dict):
            self.fail("{name} must be a map", name=name)
        keys = set(value)
        if missing := required - keys:
            self.fail("{name} lacks {fields}", name=name, fields=', '.join(sorted(missing)))
        if extra := keys - required - optional:
            self.fail("{name} has unknown fields {fields}", name=name,
                      fields=', '.join(sorted(map(str, extra))))
        return value

    def integer(self, value: object, name: str, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]`` (booleans are not integers here)."""
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail("{name} must be an integer", name=name)
        if not lo <= value <= hi:
            self.fail("{name} must be in {lo}..{hi}, is {value}", name=name, lo=lo, hi=hi,
                      value=value)
        return value

    def blob(self, value: object, name: str, lo: int, hi: int | None = None) -> bytes:
        """A byte string of length ``lo`` (or in ``[lo, hi]``)."""
        if not isinstance(value, bytes):
            self.fail("{name} must be bytes", name=name)
        top = lo if hi is None else hi
        if not lo <= len(value) <= top:
            want = str(lo) if hi is None else f"{lo}..{hi}"
            self.fail("{name} must be {want} bytes, is {size}", name=name, want=want,
                      size=len(value))
        return value

    def text(self, value: object, name: str, hi: int, lo: int = 1) -> str:
        """A UTF-8 string of ``lo..hi`` bytes."""
        if not isinstance(value, str):
            self.fail("{name} must be a string", name=name)
        size = len(value.encode())
        if not lo <= size <= hi:
            self.fail("{name} must be {lo}..{hi} bytes of text, is {size}", name=name, lo=lo, hi=hi,
                      size=size)
        return value

    def opt_str(self, value: object, name: str, hi: int) -> str | None:
        """A string or nil."""
        return None if value is None else self.text(value, name, hi)

    def slug(self, value: object, name: str) -> str:
        """An identifier: lowercase letters, digits and inner hyphens, at most 32 bytes."""
        if isinstance(value, str) and is_slug(value):  # ASCII: 1..32 characters are bytes
            return value
        text = self.text(value, name, 32)
        if not is_slug(text):
            self.fail("{name} {text!r} is not a slug (a-z, 0-9, inner '-')", name=name, text=text)
        return text


# 1..32 of a-z, 0-9 and "-", neither first nor last; ASCII only (no re.IGNORECASE or
# \w), and fullmatch allows no trailing newline.
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")


def is_slug(text: str) -> bool:
    """Whether ``text`` is a valid agency, member or group id."""
    return _SLUG.fullmatch(text) is not None
