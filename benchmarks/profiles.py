"""Profiles behind the targets that do not hold: ``.venv/bin/python benchmarks/profiles.py``.

Writes text reports to ``OUT/profiles/`` (default benchmarks/results/):

* ``pola_load.txt``: cProfile of ``Pola.from_bytes`` on the 25,000-agency pola;
* ``seal_open_1k.txt``: cProfile of 2,000 seal+open of 1 KiB, one recipient;
* ``seal_open_1k_hybrid.txt``: the same with the hybrid suite;
* ``startup_imports.txt``: ``python -X importtime`` of the CLI, biggest imports first;
* ``seal_file.txt``: cProfile of seal_file of 256 MiB (``--size`` MiB), fsync included.

Options: ``--out DIR``, ``--agencies N`` (default 25,000), ``--size MIB``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
if not __package__:
    sys.path.insert(0, str(HERE.parent))

import sandi  # noqa: E402
from benchmarks import _worlds  # noqa: E402
from benchmarks._measure import MIB, make_input  # noqa: E402
from sandi.demo import demo_world  # noqa: E402


def profile(fn: Callable[[], object], title: str, path: Path, lines: int = 35) -> None:
    """cProfile ``fn``; write the top functions by own time and by cumulative time."""
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.runcall(fn)
    wall = time.perf_counter() - start
    out = io.StringIO()
    out.write(f"{title}\nwall time under the profiler: {wall:.3f} s\n\n")
    for order in ("tottime", "cumulative"):
        out.write(f"--- top {lines} by {order} ---\n")
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(order).print_stats(lines)
    path.write_text(out.getvalue())
    print(f"wrote {path} ({wall:.2f} s)")


def imports(path: Path, lines: int = 40) -> None:
    """``-X importtime`` of ``import sandi_cli.main``, sorted by cumulative microseconds."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(path.parent / "pycache")
    for _ in range(2):  # the second run reads cached bytecode
        err = subprocess.run([sys.executable, "-X", "importtime", "-c",
                              "import sandi_cli.main"], capture_output=True, text=True,
                             env=env, check=True).stderr
    rows = []
    for line in err.splitlines()[1:]:
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative), int(own), name.rstrip()))
    rows.sort(reverse=True)
    text = ["python -X importtime -c 'import sandi_cli.main' (bytecode cached), top by"
            " cumulative time", f"{'cumulative us':>14} {'self us':>10}  module"]
    text += [f"{c:>14} {o:>10}  {n}" for c, o, n in rows[:lines]]
    text.append("")
    text.append("top by self time:")
    text += [f"{c:>14} {o:>10}  {n}" for c, o, n in sorted(rows, key=lambda r: -r[1])[:lines]]
    path.write_text("\n".join(text) + "\n")
    print(f"wrote {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--agencies", type=int, default=25_000)
    parser.add_argument("--size", type=int, default=256, help="MiB for seal_file")
    args = parser.parse_args()
    folder = args.out / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    imports(folder / "startup_imports.txt")
    scale = _worlds.pola_at_scale(args.agencies)
    profile(lambda: sandi.Pola.from_bytes(scale.data),
            f"Pola.from_bytes, {args.agencies:,} agencies, {scale.rules:,} rules,"
            f" {len(scale.data) / MIB:.1f} MiB", folder / "pola_load.txt")
    with tempfile.TemporaryDirectory(prefix="bench-prof-", dir=args.out) as tmp:
        w = _worlds.bench_world(Path(tmp) / "home", others=10)
        ident = w.keystore.identity(_worlds.SENDER)
        doc = os.urandom(1024)
        for suite, level in (("classical", "rahasia"), ("hybrid", "sangat-rahasia")):
            def loop(level: str = level) -> None:
                for _ in range(2000 if level == "rahasia" else 300):
                    env = sandi.seal(doc, sender=ident, to=[_worlds.OPENER],
                                     classification=level, pola=w.pola)
                    sandi.open(env, keystore=w.keystore, pola=w.pola)
            name = "seal_open_1k.txt" if suite == "classical" else "seal_open_1k_hybrid.txt"
            profile(loop, f"seal+open of 1 KiB, {suite}, 1 recipient"
                          f" ({2000 if suite == 'classical' else 300} times)", folder / name)
        demo = demo_world(Path(tmp) / "demo")
        src = Path(tmp) / "in.bin"
        make_input(src, args.size * MIB)
        dst = Path(tmp) / "out.sandi"
        os.sync()
        profile(lambda: sandi.seal_file(src, dst, sender=demo.keystore.identity("setda"),
                                        to=["inspektorat"], classification="terbatas",
                                        pola=demo.pola),
                f"seal_file of {args.size} MiB (demo pola, classical)",
                folder / "seal_file.txt", lines=20)
        out = Path(tmp) / "out.bin"
        os.sync()
        profile(lambda: sandi.open_file(dst, out, keystore=demo.keystore, pola=demo.pola),
                f"open_file of {args.size} MiB (demo pola, classical)",
                folder / "open_file.txt", lines=20)
        w25 = sandi.Pola.from_bytes(scale.data)
        ids = scale.ids
        pairs = [(ids[i * 7 % len(ids)], ids[i * 13 % len(ids)]) for i in range(50_000)]
        profile(lambda: [w25.may_send(a, b, "rahasia") for a, b in pairs],
                f"50,000 uncached may_send at {args.agencies:,} agencies",
                folder / "may_send.txt", lines=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
