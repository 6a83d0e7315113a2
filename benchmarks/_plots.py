"""The four curves of ``benchmarks/run.py`` as PNG files (matplotlib, optional)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._measure import MIB, Item

KIB = 1024


def _size_label(size: float, _pos: object = None) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size:g} B"


def _series(items: dict[str, Item], prefix: str) -> tuple[list[int], list[Item]]:
    found = sorted(((int(k.rsplit("/", 1)[1]), v) for k, v in items.items()
                    if k.rsplit("/", 1)[0] == prefix), key=lambda kv: kv[0])
    return [k for k, _ in found], [v for _, v in found]


def _errbars(values: list[Item], scale: Callable[[Item, float], float]
             ) -> tuple[list[float], list[list[float]]]:
    mids = [scale(v, v.median) for v in values]
    lows = [scale(v, v.spread[1]) for v in values]  # the slowest run, lowest throughput
    highs = [scale(v, v.spread[0]) for v in values]
    lo = [abs(m - a) for m, a in zip(mids, lows, strict=True)]
    hi = [abs(b - m) for m, b in zip(mids, highs, strict=True)]
    return mids, [lo, hi]


def plot_all(items: dict[str, Item], folder: Path, title_note: str) -> list[Path]:
    """Draw the curves that have data; return the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plt.rcParams.update({"font.size": 11, "axes.grid": True, "grid.alpha": 0.3,
                         "figure.dpi": 110})
    written: list[Path] = []

    def save(fig: Any, name: str) -> None:
        if not fig.axes[0].lines:
            plt.close(fig)  # nothing measured for this curve in this run
            return
        fig.axes[0].legend(fontsize=9)
        fig.tight_layout()
        path = folder / name
        fig.savefig(path)
        plt.close(fig)
        written.append(path)

    # 1. throughput against document size
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    curves = [("a/raw-enc", "raw loop encrypt (no fsync)", "C0", "--"),
              ("a/raw-dec", "raw loop decrypt (no fsync)", "C1", "--"),
              ("a/raw-enc+fsync", "raw loop encrypt + fsync", "C0", ":"),
              ("a/raw-dec+fsync", "raw loop decrypt + fsync", "C1", ":"),
              ("a/seal", "sandi seal_file (fsyncs)", "C0", "-"),
              ("a/seal-stream", "sandi seal_file to a stream (no fsync)", "C2", "-"),
              ("a/open", "sandi open_file (fsyncs)", "C1", "-")]
    for prefix, label, color, style in curves:
        sizes, values = _series(items, prefix)
        if not sizes:
            continue
        mids, err = _errbars(values, lambda v, s: v.nbytes / MIB / s)
        ax.errorbar(sizes, mids, yerr=err, label=label, color=color, linestyle=style,
                    marker="o", capsize=3)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_size_label))
    ax.set_xlabel("document size (log scale)")
    ax.set_ylabel("throughput, MiB/s (log scale)")
    ax.set_title(f"In-process throughput against document size\n{title_note}", fontsize=11)
    save(fig, "throughput_vs_size.png")

    # 2. seal time against the number of recipients
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    for prefix, label, color, style in (
            ("c/seal/classical", "seal, classical (X25519)", "C0", "-"),
            ("c/seal/hybrid", "seal, hybrid (X25519 + ML-KEM-768)", "C3", "-"),
            ("c/open/classical", "open, classical", "C0", ":"),
            ("c/open/hybrid", "open, hybrid", "C3", ":")):
        counts, values = _series(items, prefix)
        if not counts:
            continue
        mids, err = _errbars(values, lambda _v, s: s * 1e3)
        ax.errorbar(counts, mids, yerr=[err[1], err[0]], label=label, color=color,
                    linestyle=style, marker="o", capsize=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.set_xlabel("recipient agencies (log scale)")
    ax.set_ylabel("milliseconds per 1 KiB document (log scale)")
    ax.set_title(f"Seal and open time against the number of recipients\n{title_note}",
                 fontsize=11)
    save(fig, "seal_vs_recipients.png")

    # 3. pola load time against the number of agencies
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    for prefix, label, color, style in (
            ("e/load", "Pola.from_bytes (parse + verify)", "C0", "-"),
            ("e/decode", "decode_pola (parse and checks)", "C1", "--"),
            ("e/unpack", "msgpack.unpackb alone", "C2", ":"),
            ("e/verify", "verify_pola (SHA-256, 2 Ed25519 signatures)", "C3", "-."),
            ("e/index", "decision index", "C4", ":")):
        counts, values = _series(items, prefix)
        if not counts:
            continue
        mids, err = _errbars(values, lambda _v, s: s)
        ax.errorbar(counts, mids, yerr=[err[1], err[0]], label=label, color=color,
                    linestyle=style, marker="o", capsize=3)
    ax.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.text(110, 1.1, "target: 1 s at 25,000 agencies", color="grey", fontsize=9)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_xlabel("agencies (10 rules each; log scale)")
    ax.set_ylabel("seconds (log scale)")
    ax.set_title(f"Pola load time against the number of agencies\n{title_note}", fontsize=11)
    save(fig, "pola_load_vs_agencies.png")

    # 4. rewrap time against document size
    sizes, values = _series(items, "f/size")
    if sizes:
        fig, ax = plt.subplots(figsize=(8.5, 5.2))
        mids, err = _errbars(values, lambda _v, s: s * 1e3)
        ax.errorbar(sizes, mids, yerr=[err[1], err[0]], label="rewrap_file (in place)",
                    color="C0", marker="o", capsize=3)
        seal_sizes, seals = _series(items, "a/seal")
        if seal_sizes:
            smids, serr = _errbars(seals, lambda _v, s: s * 1e3)
            ax.errorbar(seal_sizes, smids, yerr=[serr[1], serr[0]],
                        label="seal_file of the same size, for scale", color="C7",
                        linestyle=":", marker=".", capsize=3)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_size_label))
        ax.set_xlabel("envelope payload size (log scale)")
        ax.set_ylabel("milliseconds (log scale)")
        ax.set_title(f"Rewrap time against document size\n{title_note}", fontsize=11)
        save(fig, "rewrap_vs_size.png")
    return written
