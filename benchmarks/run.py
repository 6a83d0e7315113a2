"""One command for every sandi benchmark: ``.venv/bin/python benchmarks/run.py``.

Measures, in one run and on the same files: (a) seal_file / open_file against
the raw AES-256-GCM + SHA-256 loop; (b) the sandi CLI against age and gpg with
peak RSS; (c) 1 KiB seal / open against the recipient count, and the bare
primitives; (d) start-up; (e) the pola at 100 ... 25,000 agencies; (f) rewrap;
(g) audit appends; (h) the hybrid suite against the classical one. Prints one
table of medians with their spread (min-max), the ratios and whether each
target holds; writes every run to ``OUT/latest.json`` (and ``OUT/table.md``)
and the curves as PNG files. ``--publish`` copies the JSON, the table and the
PNGs into benchmarks/ (what benchmarks/README.md shows).

Options: ``--quick`` (small sizes, a minute or two), ``--out DIR`` (default
benchmarks/results/), ``--sections abcdefgh``, ``--max-load 0.5`` (wait, up to
``--wait-tries`` times ``--wait-seconds``, for the 1-minute load average to
drop below it before starting; the loads are recorded either way), ``--no-plots``.
Needs the Debian packages ``age``, ``gnupg`` and ``time``, and matplotlib for
the plots (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if not __package__:  # run as a script: make ``benchmarks`` importable as a package
    sys.path.insert(0, str(HERE.parent))

from benchmarks import _fast, _history  # noqa: E402
from benchmarks import _sections as s  # noqa: E402
from benchmarks._measure import MIB, Item  # noqa: E402

SECTIONS: dict[str, tuple[str, Callable[[s.Plan, s.Recorder], None]]] = {
    "a": ("in process: seal_file / open_file against the raw loop", s.inprocess),
    "b": ("whole process: the sandi CLI against age and gpg", s.cli),
    "c": ("1 KiB documents against recipients; the bare primitives", s.small),
    "d": ("start-up", s.startup),
    "e": ("the pola at scale", s.pola),
    "f": ("rewrap", s.rewrap),
    "g": ("audit log appends", s.audit),
    "h": ("hybrid against classical (demo pola)", s.suites),
    "i": ("an envelope naming an older pola version, at scale", _history.history),
    "j": ("small things fast: commands on tmpfs and disk, CPU, faults, RSS", _fast.fast),
}
PLOTS = ("throughput_vs_size.png", "seal_vs_recipients.png", "pola_load_vs_agencies.png",
         "rewrap_vs_size.png")


# --- the machine -------------------------------------------------------------------------


def _first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError:
        return "missing"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) \
        else "?"


def machine() -> dict[str, Any]:
    """CPU, cores, memory, kernel and the versions that matter."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(next(x for x in f if x.startswith("MemTotal")).split()[1])
    versions = {name: metadata.version(name) for name in
                ("sandi", "cryptography", "PyNaCl", "msgpack", "click")}
    try:
        versions["matplotlib"] = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        versions["matplotlib"] = "missing"
    flags = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = line
                break
    git = _first_line(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(HERE.parent), "status", "--porcelain", "--",
                            "sandi", "cli"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "aes_ni": " aes " in flags, "sha_ni": " sha_ni " in flags,
        "kernel": platform.release(), "python": platform.python_version(),
        "versions": versions, "age": _first_line(["age", "--version"]),
        "gpg": _first_line(["gpg", "--version"]),
        "git": git, "sandi_tree_modified": bool(dirty.stdout.strip()),
    }


def wait_for_quiet(max_load: float, tries: int, pause: float) -> list[float]:
    """Wait until the 1-minute load average is below ``max_load`` (at most ``tries``
    pauses); return the loads seen."""
    seen = [os.getloadavg()[0]]
    for _ in range(tries):
        if seen[-1] < max_load:
            break
        print(f"load average {seen[-1]:.2f} >= {max_load}: waiting {pause:.0f} s", flush=True)
        time.sleep(pause)
        seen.append(os.getloadavg()[0])
    return seen


# --- ratios and targets ------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One target of the brief, with the measured value and whether it holds."""

    name: str
    measured: str
    goal: str
    holds: bool | None  # None: not measured in this run
    note: str = ""


def _med(items: dict[str, Item], key: str) -> float | None:
    item = items.get(key)
    return item.median if item else None


def _ratio(items: dict[str, Item], other: str, ours: str) -> float | None:
    """other time / our time: > 1 means sandi is faster."""
    a, b = _med(items, other), _med(items, ours)
    return a / b if a and b else None


def ratios(items: dict[str, Item], plan: s.Plan) -> dict[str, float]:
    """Every ratio of the table, keyed by a readable name."""
    out: dict[str, float] = {}

    def put(name: str, value: float | None) -> None:
        if value is not None:
            out[name] = value

    for size in plan.table_sizes:
        tag = s.human(size)
        for step, raw in (("seal", "raw-enc"), ("open", "raw-dec")):
            put(f"a: sandi {step} / raw, {tag}", _ratio(items, f"a/{raw}/{size}",
                                                        f"a/{step}/{size}"))
            put(f"a: sandi {step} / raw, both fsynced, {tag}",
                _ratio(items, f"a/{raw}+fsync/{size}", f"a/{step}/{size}"))
            ours = items.get(f"a/{step}/{size}")
            raw_t = _med(items, f"a/{raw}/{size}")
            if ours and raw_t and ours.extra:
                put(f"a: sandi {step} / raw, neither fsynced, {tag}",
                    raw_t / (ours.median - ours.extra["fsync_median"]))
        for step in ("enc", "dec"):
            for other in ("age", "gpg", "gpg-sign"):
                label = {"age": "age", "gpg": "gpg", "gpg-sign": "gpg sign+enc"}[other]
                put(f"b: {label} / sandi {step}, {tag}",
                    _ratio(items, f"b/{other}-{step}/{size}", f"b/sandi-{step}/{size}"))
                put(f"b: {label} / sandi {step}, both fsynced, {tag}",
                    _ratio(items, f"b/{other}-{step}+fsync/{size}", f"b/sandi-{step}/{size}"))
    for suite in ("classical", "hybrid"):
        put(f"c: floor / sandi seal+open 1 KiB, {suite}, 1 recipient",
            _ratio(items, f"c/prim/floor-{suite}", f"c/seal+open/{suite}/1"))
    put("d: sandi --version - python -c pass (ms)",
        _diff_ms(items, "d/version", "d/python"))
    put("d: sandi verify - python -c pass (ms)", _diff_ms(items, "d/verify", "d/python"))
    put("h: hybrid / classical time, 1 KiB", _ratio(items, "h/small/hybrid", "h/small/classical"))
    put(f"h: hybrid / classical time, {s.human(plan.table_sizes[0])}",
        _ratio(items, "h/big/hybrid", "h/big/classical"))
    big = max(plan.rewrap_sizes)
    put(f"f: rewrap {s.human(big)} / 1 KiB", _ratio(items, f"f/size/{big}", f"f/size/{s.KIB}"))
    return out


def _diff_ms(items: dict[str, Item], a: str, b: str) -> float | None:
    x, y = _med(items, a), _med(items, b)
    return (x - y) * 1e3 if x is not None and y is not None else None


def _per_recipient(items: dict[str, Item], prefix: str, lo: int, hi: int) -> float | None:
    a, b = _med(items, f"{prefix}/{lo}"), _med(items, f"{prefix}/{hi}")
    return (b - a) / (hi - lo) if a is not None and b is not None else None


def targets(items: dict[str, Item], ratio: dict[str, float], plan: s.Plan) -> list[Target]:
    """Each target of the brief against this run."""
    out = [t for t in _targets(items, ratio, plan) if t.measured != "-"]
    return out


def _targets(items: dict[str, Item], ratio: dict[str, float], plan: s.Plan) -> list[Target]:
    out: list[Target] = []
    for size in plan.table_sizes:
        tag = s.human(size)
        for step in ("seal", "open"):
            r = ratio.get(f"a: sandi {step} / raw, {tag}")
            fair = ratio.get(f"a: sandi {step} / raw, both fsynced, {tag}")
            bare = ratio.get(f"a: sandi {step} / raw, neither fsynced, {tag}")
            out.append(Target(
                f"a. sandi {step}_file throughput / raw loop, {tag}",
                "-" if r is None else f"{r:.2f}", ">= 0.8", None if r is None else r >= 0.8,
                "" if fair is None or bare is None else
                f"both fsynced {fair:.2f}; without sandi's fsync {bare:.2f}"))
        for step in ("enc", "dec"):
            for label in ("age", "gpg", "gpg sign+enc"):
                r = ratio.get(f"b: {label} / sandi {step}, {tag}")
                fair = ratio.get(f"b: {label} / sandi {step}, both fsynced, {tag}")
                out.append(Target(
                    f"b. {label} / sandi time, {'encrypt' if step == 'enc' else 'decrypt'},"
                    f" {tag}", "-" if r is None else f"{r:.2f}", ">= 1.0",
                    None if r is None else r >= 1.0,
                    "" if fair is None else f"{label} output fsynced too: {fair:.2f}"))
    rss = [(i.name, i.max_rss) for k, i in items.items()
           if (k.startswith("b/sandi") or k in ("d/version", "d/verify")) and i.max_rss]
    if rss:
        worst = max(rss, key=lambda x: x[1] or 0)
        out.append(Target("b. sandi CLI peak RSS, any size", f"{worst[1] / MIB:.1f} MiB"
                          f" ({worst[0]})", "<= 64 MiB", (worst[1] or 0) <= 64 * MIB))
    one = items.get("c/seal+open/classical/1")
    if one:
        out.append(Target("c. 1 KiB seal+open per second, 1 recipient (classical)",
                          f"{one.per_s:,.0f}/s", ">= 4,000/s", one.per_s >= 4000))
    for suite in ("classical", "hybrid"):
        # Cost per added recipient, (t(r) - t(1)) / (r - 1), measured over the whole span
        # from one recipient (robust to noise, unlike decade-to-decade increments): the
        # cost is linear, not worse, if it does not grow by more than 1.5x from r = 100
        # to the largest r.
        per = {r: _per_recipient(items, f"c/seal/{suite}", 1, r) for r in (10, 100, 1000)}
        top = max((r for r, v in per.items() if v), default=None)
        if top and top > 100 and per[100]:
            growth = (per[top] or 0.0) / per[100]
            note = "seal, per added recipient: " + ", ".join(
                f"{v * 1e6:.0f} us (1->{r})" for r, v in per.items() if v)
            both = _per_recipient(items, f"c/seal+open/{suite}", 1, 100)
            if both:
                note += f"; seal+open {both * 1e6:.0f} us (1->100)"
            out.append(Target(f"c. cost linear in recipients ({suite})",
                              f"per-recipient cost at {top} / at 100: {growth:.2f}", "<= 1.5",
                              growth <= 1.5, note))
    d = ratio.get("d: sandi --version - python -c pass (ms)")
    if d is not None:
        out.append(Target("d. sandi --version minus python -c pass", f"{d:.0f} ms",
                          "<= 100 ms", d <= 100))
    if plan.pola_sizes:
        top = max(plan.pola_sizes)
        load = _med(items, f"e/load/{top}")
        if load is not None:
            out.append(Target(f"e. Pola.from_bytes at {top:,} agencies / {top * 10:,} rules",
                              s.fmt_s(load), "< 1 s" + ("" if top >= 25_000 else
                                                        " (at 25,000: not run)"),
                              load < 1.0 if top >= 25_000 else None))
        for kind in ("uncached", "cached"):
            worst_t = max((i.median for k, i in items.items()
                           if k.startswith(f"e/may-send-{kind}/")), default=None)
            if worst_t is not None:
                out.append(Target(f"e. one may_send decision, {kind} pair (worst size)",
                                  s.fmt_s(worst_t), "< 10 us", worst_t < 10e-6))
    if plan.pola_sizes:
        top = max(plan.pola_sizes)
        old = _med(items, f"i/refuse-old/{top}")
        if old is not None:
            note = ", ".join(f"{what} {s.fmt_s(v)}" for what, v in (
                ("naming v2", _med(items, f"i/refuse-current/{top}")),
                ("naming v1 after v2", _med(items, f"i/refuse-superseded/{top}")),
                ("first index read", _med(items, f"i/first-read/{top}"))) if v is not None)
            out.append(Target(f"i. refuse a forged envelope naming an older pola version,"
                              f" {top:,} agencies", s.fmt_s(old),
                              "< 1 ms" + ("" if top >= 25_000 else " (at 25,000: not run)"),
                              old < 1e-3 if top >= 25_000 else None, note))
    big = max(plan.rewrap_sizes)
    r = ratio.get(f"f: rewrap {s.human(big)} / 1 KiB")
    if r is not None:
        out.append(Target(f"f. rewrap time {s.human(big)} / 1 KiB", f"{r:.2f}", "<= 1.5",
                          r <= 1.5 if big >= s.GIB else None))
    out += [t for t in _fast.targets(items, plan.quick, Target) if isinstance(t, Target)]
    return out


# --- output ------------------------------------------------------------------------------


def _row(item: Item) -> list[str]:
    lo, hi = item.spread
    rate = ""
    if item.nbytes and not item.per_op:
        rate = f"{item.mib_per_s:,.0f} MiB/s"
    if item.per_op:
        rate = f"{item.per_s:,.0f} /s"
    if item.extra and "files_per_s" in item.extra:
        rate = f"{item.extra['files_per_s']:,.0f} files/s"
    if item.extra and "fsync_median" in item.extra and item.extra["fsync_median"] > 0.0005:
        rate += f" (fsync {s.fmt_s(item.extra['fsync_median'])})"
    rss = f"{item.max_rss / MIB:.1f}" if item.max_rss else ""
    return [item.name, s.fmt_s(item.median), f"{s.fmt_s(lo)} - {s.fmt_s(hi)}",
            str(len(item.runs)), rate, rss]


HEAD = ["item", "median", "spread (min - max)", "n", "rate", "peak RSS MiB"]


def render(rec: s.Recorder, ratio: dict[str, float], goals: list[Target], meta: dict[str, Any],
           markdown: bool) -> str:
    """The table (plain text, or markdown for the README)."""
    lines: list[str] = []
    sections = sorted({i.section for i in rec.items.values()})
    for sec in sections:
        rows = [_row(i) for i in rec.items.values() if i.section == sec]
        title = f"({sec}) {SECTIONS[sec][0]}"
        lines += _table(title, HEAD, rows, markdown)
    sizes = {k: v for k, v in rec.facts.items() if k.startswith("header_bytes/")}
    if sizes:
        rows = []
        for key, by_count in sizes.items():
            suite = key.split("/")[1]
            one, ten = by_count["1"], by_count["10"]
            rows.append([suite, str(one), str(ten), f"{(ten - one) / 9:.0f}",
                         str(meta["signature_bytes"][suite])])
        lines += _table("(h) envelope size overhead", [
            "suite", "header, 1 recipient", "header, 10 recipients", "bytes per recipient",
            "signature trailer"], rows, markdown)
    per_command = _fast.summary(rec.items, bool(meta.get("quick")))
    if per_command:
        lines += _table("(j) per command: fixed cost, CPU and page faults per GiB (growth from"
                        " 1 MiB to the largest size), peak RSS", _fast.SUMMARY_HEAD,
                        per_command, markdown)
    polas = {k: v for k, v in rec.facts.items() if k.startswith("pola/")}
    if polas:
        rows = [[f"{v['agencies']:,}", f"{v['rules']:,}", f"{v['bytes'] / MIB:.1f} MiB",
                 s.fmt_s(v["build_seconds"])] for v in polas.values()]
        lines += _table("(e) the polas built", ["agencies", "rules", "file size",
                                                "build + sign"], rows, markdown)
    lines += _table("ratios (other time / sandi time: above 1 means sandi is faster)",
                    ["ratio", "value"], [[k, f"{v:.2f}"] for k, v in ratio.items()], markdown)
    verdict = {True: "holds", False: "DOES NOT HOLD", None: "not measured"}
    lines += _table("targets", ["target", "measured", "goal", "verdict", "note"],
                    [[t.name, t.measured, t.goal, verdict[t.holds], t.note] for t in goals],
                    markdown)
    return "\n".join(lines)


def _table(title: str, head: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        out = [f"**{title}**", "", "| " + " | ".join(head) + " |",
               "|" + "|".join(" --- " for _ in head) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return [*out, ""]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    return ["", title, fmt.format(*head), fmt.format(*("-" * w for w in widths)),
            *(fmt.format(*r) for r in rows)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and counts")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--sections", default="".join(SECTIONS))
    parser.add_argument("--max-load", type=float, default=0.5)
    parser.add_argument("--wait-tries", type=int, default=5)
    parser.add_argument("--wait-seconds", type=float, default=60.0)
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--publish", action="store_true",
                        help="copy latest.json, table.md and the PNGs into benchmarks/")
    args = parser.parse_args(argv)
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {''.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    waited = wait_for_quiet(args.max_load, args.wait_tries, args.wait_seconds)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    meta = machine()
    meta.update(started=started.isoformat(timespec="seconds"), quick=args.quick,
                sections=args.sections, load_waited=waited, load_start=os.getloadavg())
    print(f"sandi benchmarks ({'quick' if args.quick else 'full'}) on {meta['cpu']},"
          f" {meta['cores']} cores; load {meta['load_start'][0]:.2f}", flush=True)
    rec = s.Recorder()
    with tempfile.TemporaryDirectory(prefix="bench-tmp-", dir=args.out) as tmp:
        plan = s.Plan.make(args.quick, Path(tmp), args.out.resolve())
        for key in args.sections:
            title, fn = SECTIONS[key]
            before = os.getloadavg()
            print(f"\n({key}) {title}  [load {before[0]:.2f}]", flush=True)
            start = time.perf_counter()
            try:
                fn(plan, rec)
            except Exception as exc:  # one broken section must not lose the others
                traceback.print_exc()
                rec.errors[key] = f"{type(exc).__name__}: {exc}"
                print(f"({key}) FAILED: {rec.errors[key]}", flush=True)
            rec.loads[key] = (before[0], os.getloadavg()[0], time.perf_counter() - start)
    from sandi.crypto.suite import Suite

    meta["signature_bytes"] = {x.slug: x.signature_len for x in Suite}
    meta["load_end"] = os.getloadavg()
    meta["git_end"] = _first_line(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"])
    if meta["git_end"] != meta["git"]:
        print(f"warning: sandi moved from {meta['git']} to {meta['git_end']} during the run;"
              " child processes (sections b, d) may have run newer code")
    meta["seconds"] = time.perf_counter() - t0
    meta["section_loads"] = {k: {"load_before": a, "load_after": b, "seconds": c}
                             for k, (a, b, c) in rec.loads.items()}
    ratio = ratios(rec.items, plan)
    goals = targets(rec.items, ratio, plan)
    print(render(rec, ratio, goals, meta, markdown=False))
    doc = {"meta": meta, "items": {k: v.to_json() for k, v in rec.items.items()},
           "facts": rec.facts, "errors": rec.errors, "ratios": ratio,
           "targets": [vars(t) for t in goals]}
    (args.out / "latest.json").write_text(json.dumps(doc, indent=1) + "\n")
    (args.out / "table.md").write_text(render(rec, ratio, goals, meta, markdown=True) + "\n")
    written: list[Path] = []
    if not args.no_plots:
        try:
            from benchmarks._plots import plot_all
        except ImportError:  # pragma: no cover - matplotlib is optional
            print("matplotlib missing: no plots (pip install -e '.[bench]')")
        else:
            peak = max((v["load_after"] for v in meta["section_loads"].values()),
                       default=meta["load_start"][0])
            note = (f"{meta['cpu']}, {meta['cores']} cores; median of runs, bars min-max;"
                    f" load {meta['load_start'][0]:.2f} at start, up to {peak:.2f}")
            written = plot_all(rec.items, args.out, note)
    if args.publish:
        for path in [args.out / "latest.json", args.out / "table.md", *written]:
            shutil.copy(path, HERE / path.name)
    for key, error in rec.errors.items():
        print(f"section ({key}) failed: {error}")
    print(f"\nwrote {args.out / 'latest.json'}, table.md and {len(written)} plots in"
          f" {meta['seconds']:.0f} s; load at end {meta['load_end'][0]:.2f}")
    return 1 if rec.errors else 0


if __name__ == "__main__":
    sys.exit(main())
