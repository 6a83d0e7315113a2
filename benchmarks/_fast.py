"""(j) Small things fast (issue 18): whole commands against age and gpg, on tmpfs and
on disk, with what each costs besides its time.

For each file system (tmpfs, and the results' disk) and size (1 MiB, 64 MiB, 1 GiB;
``--quick``: 1, 16, 64 MiB), in rounds: each round runs ``python -c pass`` and then
every tool's encrypt and decrypt once, in turn, so that the load of the moment falls
on all of them alike; ratios are medians of per-round ratios. Every run goes through
GNU time: wall time, CPU time (user + system), minor page faults and peak RSS. A
competitor's output is fsynced after its run, timed apart (sandi fsyncs its own).

sandi's keys are already unlocked: a ``sandi agent`` holds each home's keystore for
the section (issue 18 §4; started untimed, its own memory not counted, as gpg's agent's
is not), so the fixed cost measured is the command's own, with no key derivation in
it. (The keystore is sealed at the test-only Argon2id cost, paid once, by the agent.)

From the rows: the fixed cost of each command (its time at 1 MiB, and that over
``python -c pass``), its CPU seconds per GiB and page faults per GiB (the growth
from 1 MiB to the largest size, per GiB), and its peak RSS.
"""

from __future__ import annotations

import filecmp
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sandi.demo import DEMO_PASSPHRASE, demo_world
from sandi.keys import KdfParams

from . import baselines
from ._measure import MIB, Item, Measurement, fsync_path, make_input, run_process, settle
from ._sections import Plan, Recorder, human

GIB = 1024 * MIB
SANDI = str(Path(sys.executable).with_name("sandi"))
FILE_SYSTEMS = ("tmpfs", "disk")
TOOLS = ("sandi", "age", "gpg")
STEPS = {"sandi": ("seal", "open"), "age": ("-r", "-d"), "gpg": ("-e", "-d")}


@dataclass
class _Place:
    """One file system: its directory, the inputs made there, the scratch outputs."""

    name: str
    path: Path

    def input(self, size: int) -> Path:
        path = self.path / f"j-input-{size}.bin"
        if not path.exists():
            make_input(path, size)
        return path


def sizes(quick: bool) -> list[int]:
    """The sizes of the rows."""
    return [MIB, 16 * MIB, 64 * MIB] if quick else [MIB, 64 * MIB, GIB]


def fast(plan: Plan, rec: Recorder) -> None:
    """Section j: see the module docstring."""
    shm = Path(tempfile.mkdtemp(prefix="sandi-bench-", dir="/dev/shm"))
    agents: list[_Place] = []
    try:
        places = [_Place("tmpfs", shm), _Place("disk", plan.tmp)]
        for place in places:  # the home (keys, pola, audit log) on the same file system
            demo_world(place.path / "j-home", kdf=KdfParams.TEST)
        secret = plan.tmp / "j-passphrase.txt"
        secret.write_text(DEMO_PASSPHRASE + "\n")
        secret.chmod(0o600)
        env = dict(plan.child_env, SANDI_PASSPHRASE_FILE=str(secret))
        for _ in range(2):  # warm the bytecode cache
            run_process([SANDI, "--version"], env=env)
        for place in places:  # keys unlocked once, held by an agent per home
            _agent(place, env, "start")
            agents.append(place)
        keys, gpg = baselines.age_setup(plan.tmp), baselines.gpg_setup(plan.tmp)
        try:
            for place in places:
                for size in sizes(plan.quick):
                    _rounds(plan, rec, place, size, env, keys, gpg, human(size))
                    for name in ("j.enc", "j.dec"):
                        (place.path / name).unlink(missing_ok=True)
                    if size >= 64 * MIB:
                        place.input(size).unlink()
        finally:
            baselines.gpg_teardown(gpg)
        rec.facts["j_keys"] = "sandi keys held by sandi agent (unlocked once, untimed)"
    finally:
        for place in agents:
            _agent(place, plan.child_env, "stop")
        shutil.rmtree(shm)


def _agent(place: _Place, env: dict[str, str], what: str) -> None:
    """``sandi agent start`` (or ``stop``) for the place's home; its output is not kept
    (the agent's process must not hold a pipe of ours open)."""
    subprocess.run([SANDI, "--home", str(place.path / "j-home"), "agent", what], env=env,
                   check=what == "start", stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120)


def _fresh(fn: Callable[[], Measurement], out: Path) -> Measurement:
    out.unlink(missing_ok=True)
    settle()
    return fn()


def _rounds(plan: Plan, rec: Recorder, place: _Place, size: int, env: dict[str, str],
            keys: baselines.AgeKeys, gpg: baselines.GpgHome, tag: str) -> None:
    src = place.input(size)
    enc, dec = place.path / "j.enc", place.path / "j.dec"
    sandi = [SANDI, "--home", str(place.path / "j-home")]
    runs: dict[str, Callable[[], Measurement]] = {
        "python": partial(run_process, [sys.executable, "-c", "pass"], env=env),
        "sandi-enc": partial(_fresh, partial(run_process, [
            *sandi, "seal", str(src), "--from", "setda", "--to", "inspektorat",
            "--classification", "terbatas", "-o", str(enc)], env=env, nbytes=size), enc),
        "sandi-dec": partial(_fresh, partial(run_process, [
            *sandi, "open", str(enc), "-o", str(dec)], env=env, nbytes=size), dec),
        "age-enc": partial(_fresh, partial(baselines.age_encrypt, src, enc, keys), enc),
        "age-dec": partial(_fresh, partial(baselines.age_decrypt, enc, dec, keys), dec),
        "gpg-enc": partial(_fresh, partial(baselines.gpg_encrypt, src, enc, gpg), enc),
        "gpg-dec": partial(_fresh, partial(baselines.gpg_decrypt, enc, dec, gpg), dec),
    }
    # Each tool decrypts its own output: the round runs them pairwise, encrypt then decrypt.
    order = ["python", "sandi-enc", "sandi-dec", "age-enc", "age-dec", "gpg-enc", "gpg-dec"]
    got: dict[str, list[Measurement]] = {k: [] for k in order}
    fsyncs: dict[str, list[float]] = {k: [] for k in order}
    n = plan.repeats_for(size)
    for _ in range(n):
        for key in order:
            got[key].append(runs[key]())
            if key.endswith("-dec") and not filecmp.cmp(src, dec, shallow=False):
                raise SystemExit(f"{key} {tag} on {place.name}: round trip mismatch")
            if key.split("-")[0] in ("age", "gpg"):
                fsyncs[key].append(fsync_path(enc if key.endswith("-enc") else dec))
    for key in order:
        tool, _, step = key.partition("-")
        label = "python -c pass" if tool == "python" else \
            f"{tool} {STEPS[tool][step == 'dec']} {tag}"
        ms = got[key]
        item = Item("j", f"{label} ({place.name})", [m.seconds for m in ms],
                    0 if tool == "python" else size,
                    rss=[m.max_rss_bytes for m in ms if m.max_rss_bytes is not None],
                    cpu=[m.cpu_seconds for m in ms if m.cpu_seconds is not None],
                    faults=[m.minor_faults for m in ms if m.minor_faults is not None],
                    extra={"fsync_median": statistics.median(fsyncs[key])}
                    if fsyncs[key] else None)
        # Per-round ratios to python -c pass, for the fixed cost (same round, same load).
        if tool != "python":
            pairs = list(zip(ms, got["python"], strict=True))
            item.extra = dict(item.extra or {}, python_ratio=statistics.median(
                [m.seconds / p.seconds for m, p in pairs]), python_cpu_ratio=statistics.median(
                [(m.cpu_seconds or 0) / (p.cpu_seconds or 1) for m, p in pairs]))
        rec.add(f"j/{place.name}/{key}/{size}", item)


def _median(values: list[float] | list[int] | None) -> float | None:
    return statistics.median(values) if values else None


def per_gib(items: dict[str, Item], place: str, key: str, what: str, top: int
            ) -> float | None:
    """The growth of CPU seconds (``what`` = "cpu") or minor faults ("faults") from
    1 MiB to ``top``, per GiB of payload: the part that scales with the size."""
    lo, hi = items.get(f"j/{place}/{key}/{MIB}"), items.get(f"j/{place}/{key}/{top}")
    if lo is None or hi is None:
        return None
    a, b = _median(getattr(lo, what)), _median(getattr(hi, what))
    if a is None or b is None:
        return None
    return (b - a) / ((top - MIB) / GIB)


def summary(items: dict[str, Item], quick: bool) -> list[list[str]]:
    """The rows of the per-command table: fixed cost, CPU s/GiB, faults, peak RSS."""
    top = sizes(quick)[-1]
    rows = []
    for place in FILE_SYSTEMS:
        for tool in TOOLS:
            for step in ("enc", "dec"):
                key = f"{tool}-{step}"
                one = items.get(f"j/{place}/{key}/{MIB}")
                big = items.get(f"j/{place}/{key}/{top}")
                if one is None:
                    continue
                cpu = per_gib(items, place, key, "cpu", top)
                faults = per_gib(items, place, key, "faults", top)
                rss = max(i.max_rss or 0 for i in (one, big) if i is not None)
                rows.append([
                    f"{tool} {STEPS[tool][step == 'dec']}", place,
                    f"{one.median * 1e3:.0f} ms ({(one.extra or {}).get('python_ratio', 0):.1f}x"
                    " python -c pass)",
                    "-" if cpu is None else f"{cpu:.2f}",
                    f"{_median(one.faults) or 0:,.0f}",
                    "-" if faults is None else f"{faults:,.0f}",
                    f"{rss / MIB:.1f}"])
    return rows


SUMMARY_HEAD = ["command", "file system", "fixed cost (1 MiB)", "CPU s per GiB",
                "minor faults at 1 MiB", "minor faults per GiB", "peak RSS MiB"]


def _ratio(items: dict[str, Item], other: str, ours: str) -> float | None:
    a, b = items.get(other), items.get(ours)
    return a.median / b.median if a and b else None


def targets(items: dict[str, Item], quick: bool, target: type) -> list[object]:
    """Issue 18's targets, from section j (and c for the in-process floor)."""
    out: list[object] = []
    top = sizes(quick)[-1]
    mid = sizes(quick)[-2]
    for step, name in (("enc", "seal"), ("dec", "open")):
        one = items.get(f"j/tmpfs/sandi-{step}/{MIB}")
        if one is not None and one.extra:
            r = one.extra["python_ratio"]
            cpu = one.extra.get("python_cpu_ratio", 0.0)
            out.append(target(f"18.1 sandi {name} 1 MiB (tmpfs) / python -c pass",
                              f"{r:.1f}x ({one.median * 1e3:.0f} ms)", "<= 4x", r <= 4,
                              f"CPU time {cpu:.1f}x; keys held by sandi agent"))
    goals = {("enc", mid): 1.0, ("dec", mid): 1.0, ("enc", top): 1.3, ("dec", top): 1.5}
    for (step, size), goal in goals.items():
        r = _ratio(items, f"j/tmpfs/age-{step}/{size}", f"j/tmpfs/sandi-{step}/{size}")
        if r is not None:
            out.append(target(f"18.2 age / sandi time, {'seal' if step == 'enc' else 'open'}"
                              f" {human(size)} (tmpfs)", f"{r:.2f}", f">= {goal}",
                              r >= goal if size >= 64 * MIB else None))
    for step in ("enc", "dec"):
        ours = per_gib(items, "tmpfs", f"sandi-{step}", "cpu", top)
        age = per_gib(items, "tmpfs", f"age-{step}", "cpu", top)
        if ours and age:
            out.append(target(f"18.2 CPU s per GiB, sandi / age, {step}", f"{ours / age:.2f}"
                              f" ({ours:.2f} / {age:.2f})", "<= 1.2", ours / age <= 1.2))
        ours = per_gib(items, "tmpfs", f"sandi-{step}", "faults", top)
        age = per_gib(items, "tmpfs", f"age-{step}", "faults", top)
        if ours is not None and age is not None:
            # Marginal faults can be ~0 (or below, by noise) for both: compare with
            # age's whole-process count at the largest size when its growth is nil.
            whole = _median(items[f"j/tmpfs/age-{step}/{top}"].faults) or 1
            floor = max(age, whole)
            out.append(target(f"18.2 minor page faults per GiB, sandi / age, {step}",
                              f"{ours:,.0f} / {age:,.0f} per GiB", "<= 10x age's",
                              ours <= 10 * floor, f"age's whole process at {human(top)}:"
                              f" {whole:,.0f}"))
    for suite in ("classical", "hybrid"):
        r = _ratio(items, f"c/seal+open/{suite}/1", f"c/prim/floor-{suite}")
        if r is not None:
            out.append(target(f"18.3 1 KiB seal+open rate / the floor's, {suite}",
                              f"{1 / r:.2f}", ">= 0.85", 1 / r >= 0.85))
    peaks = [(i.name, i.max_rss or 0) for k, i in items.items()
             if k.startswith("j/") and "/sandi-" in k and i.max_rss]
    if peaks:
        name, worst = max(peaks, key=lambda p: p[1])
        out.append(target("18.5 sandi peak RSS, any command and size, no key derivation",
                          f"{worst / MIB:.1f} MiB ({name})", "<= 32 MiB", worst <= 32 * MIB,
                          "keys held by sandi agent: no Argon2id in the command"))
    return out
