"""Text another party chose, made safe to show on a terminal.

A sender chooses an envelope's file name and subject, a recipient the member named in
a receipt, an authority the agency names of its pola. Printed raw, such a string can
clear the screen, recolour it, set the window title (ESC sequences), forge a line that
looks like sandi's own (``\\nsandi: error: ...``) or reverse the text that follows
(bidi overrides). Every character that :meth:`str.isprintable` rejects (controls, C1
controls such as U+009B, format characters such as U+202E, line and paragraph
separators, unassigned and private-use code points, and every space but U+0020) is
shown as a Python-style escape instead: ``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0001``.
Nothing else changes, so an ordinary Indonesian name reads as it is.

The CLI applies this where text leaves it (:class:`sandi_cli.context.Session`'s
``say``, ``table``, ``echo``, ``warn``, the error lines and paths), and
:func:`json_text` does the same inside JSON strings, which stay valid JSON.

>>> printable("laporan\\x1b[2J.pdf")
'laporan\\\\x1b[2J.pdf'
>>> printable("nota\\nsandi: error: palsu")
'nota\\\\nsandi: error: palsu'
>>> printable("Surat Dinas Kesehatan")
'Surat Dinas Kesehatan'
"""

from __future__ import annotations

import json
from typing import Any

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _SHORT:
        return _SHORT[ch]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every non-printable character escaped; with ``lines``, newlines
    are kept (for text sandi composed of several lines around escaped values)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or (lines and ch == "\n") else _escape(ch)
                   for ch in text)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells a code point beyond the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(doc: Any) -> str:
    """``doc`` as indented JSON whose strings carry no character a terminal would act
    on: each is a ``\\uXXXX`` escape, so a JSON reader gets the exact string back."""
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    if text.isprintable():
        return text
    # Outside strings JSON has only printable characters and the newlines of the
    # indentation (inside strings json.dumps has already escaped every newline).
    return "".join(ch if ch.isprintable() or ch == "\n" else _json_escape(ch) for ch in text)
