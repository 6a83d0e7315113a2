"""Views of a pola (or a draft) for people: the flow matrix and a diagram; what changed
between two versions is :mod:`sandi.pola.changes`.

>>> from sandi.demo import demo_world
>>> pola = demo_world().pola
>>> to_dot(pola).startswith("digraph pola")
True
>>> matrix(pola)[0][1]
'setda'
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from sandi.pola.classification import Classification
from sandi.pola.content import PolaContent
from sandi.pola.model import Agency, Effect

#: Colour of an edge by the highest classification allowed on it.
COLOURS = {
    Classification.BIASA: "#4a90d9",
    Classification.TERBATAS: "#2e9e5b",
    Classification.RAHASIA: "#e08a00",
    Classification.SANGAT_RAHASIA: "#c62828",
}
SHORT = {Classification.BIASA: "B", Classification.TERBATAS: "T",
         Classification.RAHASIA: "R", Classification.SANGAT_RAHASIA: "SR"}


def highest(pola: PolaContent, sender: str, recipient: str) -> Classification | None:
    """The highest classification ``sender`` may send to ``recipient``, or None."""
    best = None
    for level in Classification:
        if pola.may_send(sender, recipient, level):
            best = level
    return best


def matrix(pola: PolaContent) -> list[list[str]]:
    """Rows of the agency-by-agency matrix: header row, then one row per sender."""
    ids = [a.id for a in pola.agencies]
    rows = [["", *ids]]
    for sender in ids:
        cells = []
        for recipient in ids:
            level = highest(pola, sender, recipient) if sender != recipient else None
            cells.append("·" if sender == recipient else (SHORT[level] if level else "-"))
        rows.append([sender, *cells])
    return rows


def _flows(pola: PolaContent) -> dict[tuple[str, str], Classification]:
    out = {}
    for a in pola.agencies:
        for b in pola.agencies:
            if a.id != b.id and (level := highest(pola, a.id, b.id)) is not None:
                out[(a.id, b.id)] = level
    return out


def _quote(text: str) -> str:
    """A DOT string. The names are the pola author's: a control, line-break or bidi
    character is written as a visible ``\\uXXXX`` (never raw into a terminal that shows
    the DOT, and never a DOT escape such as ``\\n`` or ``\\l`` that changes the label)."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    if not quoted.isprintable():
        quoted = "".join(ch if ch.isprintable() else f"\\\\u{ord(ch):04x}" for ch in quoted)
    return '"' + quoted + '"'


def _dot_lines(pola: PolaContent) -> Iterator[str]:
    yield "digraph pola {"
    yield (f"  graph [label={_quote(f'{pola.name} (v{pola.version})')}, labelloc=t, fontsize=20,"
           " layout=dot, rankdir=LR, splines=true, overlap=false, nodesep=0.25, ranksep=1.2,"
           ' fontname="Helvetica"];')
    yield '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="Helvetica"];'
    yield '  edge [arrowsize=0.6, fontname="Helvetica", fontsize=9];'
    groups: dict[str, list[Agency]] = {}
    for agency in pola.agencies:
        groups.setdefault(agency.groups[0] if agency.groups else "lain", []).append(agency)
    for group, members in groups.items():
        yield f"  subgraph cluster_{group.replace('-', '_')} {{"
        yield f'    label={_quote(group)}; style=dashed; color="#999999";'
        for a in members:
            yield f"    {_quote(a.id)} [label={_quote(a.abbrev)}, tooltip={_quote(a.name)}];"
        yield "  }"
    flows = _flows(pola)
    # Draw only the flows above the city-wide default ("*" -> "*"), or forty
    # agencies draw 1,560 edges; the legend states the default.
    default = max((r.level for r in pola.rules if r.effect is Effect.ALLOW
                   and r.source == "*" and r.target == "*"), default=None)
    drawn = {pair: level for pair, level in flows.items()
             if default is None or level > default}
    yield from _fans(drawn, len(pola.agencies))
    for (src, dst), level in sorted(drawn.items()):
        yield _edge(src, dst, level)
    note = ("edges: highest classification allowed" if default is None else
            f"edges above the default: everyone may send up to {default.label} to everyone,"
            " unless denied")
    rows = "".join(f'<tr><td bgcolor="{colour}" width="24"></td><td align="left">'
                   f"{level.label}</td></tr>" for level, colour in COLOURS.items())
    yield (f'  legend [shape=plaintext, style="", label=<<table border="0" cellspacing="2">'
           f'<tr><td colspan="2"><b>Legenda / Legend</b></td></tr>{rows}'
           f'<tr><td colspan="2">{html.escape(note)}</td></tr></table>>];')
    denies = [r for r in pola.rules if r.effect is Effect.DENY]
    if denies:
        text = "; ".join(f"{r.source} -/-> {r.target} from {r.level.slug}" for r in denies)
        yield f"  denials [shape=note, label={_quote('Larangan / Denials: ' + text)}];"
    yield "}"


ALL = "*semua*"


def _edge(src: str, dst: str, level: Classification) -> str:
    return (f"  {_quote(src)} -> {_quote(dst)} [color={_quote(COLOURS[level])},"
            f" penwidth={1 + int(level)}, tooltip={_quote(level.label)}];")


def _fans(drawn: dict[tuple[str, str], Classification], agencies: int) -> Iterator[str]:
    """Replace "one agency to (or from) most agencies at one level" by one edge to
    an "all agencies" node; removes those pairs from ``drawn``."""
    fans: list[tuple[str, str, Classification]] = []
    for outgoing in (True, False):
        ends: dict[tuple[str, Classification], list[tuple[str, str]]] = {}
        for (src, dst), level in drawn.items():
            ends.setdefault((src if outgoing else dst, level), []).append((src, dst))
        for (agency, level), pairs in sorted(ends.items()):
            if len(pairs) > agencies // 2:
                for pair in pairs:
                    drawn.pop(pair, None)
                fans.append((agency, ALL, level) if outgoing else (ALL, agency, level))
    if fans:
        yield (f"  {_quote(ALL)} [label=\"Semua OPD / all agencies\", shape=ellipse,"
               ' fillcolor="#ffffff"];')
        for src, dst, level in fans:
            yield _edge(src, dst, level)


def to_dot(pola: PolaContent) -> str:
    """Graphviz DOT: agencies as nodes clustered by group, allowed flows as edges
    coloured by the highest classification, a legend, and the denials."""
    return "\n".join(_dot_lines(pola)) + "\n"
