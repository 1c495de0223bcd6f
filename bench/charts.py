"""Charts for docs/performance.md, drawn from the figures `make bench` and `make load` wrote
(bench/results.json, bench/load-summary.json, bench/load-history.json). matplotlib with the Agg
backend: no display needed. Each function writes one PNG and returns its file name."""

from __future__ import annotations

from pathlib import Path

DPI = 110


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, figure, directory: Path, name: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(directory / name, dpi=DPI)
    plt.close(figure)
    return name


def verification_rates(signatures: dict, directory: Path) -> str:
    plt = _pyplot()
    rates = signatures["rates_per_second"]
    bars = [
        ("pure-Python ecdsa", rates["python_ecdsa"]),
        ("native, one process", rates["native_single_process"]),
        (f"verify_batch, {signatures['cores']} processes", rates["verify_batch"]),
        ("native ceiling", signatures["native_ceiling_per_second"]),
    ]
    figure, axis = plt.subplots(figsize=(7, 2.8))
    labels, values = zip(*bars, strict=True)
    colours = ["#9e9e9e", "#90caf9", "#1565c0", "#e0e0e0"]
    axis.barh(labels, values, color=colours)
    for position, rate in enumerate(values):
        axis.text(rate * 1.05, position, f"{rate:,.0f}/s", va="center", fontsize=9)
    axis.set_xscale("log")
    axis.set_xlim(right=max(values) * 6)
    axis.invert_yaxis()
    axis.set(xlabel="signatures verified per second (log scale)", title="Batch verification")
    return _save(plt, figure, directory, "verification.png")


def append_throughput(appends: dict, target: float, directory: Path) -> str:
    plt = _pyplot()
    plans = appends["plans"]
    figure, axis = plt.subplots(figsize=(6, 3))
    labels = [f"batches of {plan['batch_size']:,}" for plan in plans]
    values = [plan["entries_per_second"] for plan in plans]
    axis.bar(labels, values, color="#1565c0")
    axis.axhline(target, color="#c62828", linestyle="--", label=f"target {target:,.0f}/s (1,000s)")
    for position, rate in enumerate(values):
        axis.text(position, rate, f"{rate:,.0f}", ha="center", va="bottom", fontsize=9)
    axis.set(ylabel="entries per second to durable commit", title="Ledger appends over RPC")
    axis.legend(loc="upper left")
    return _save(plt, figure, directory, "appends.png")


def commit_growth(growth: dict, directory: Path) -> str:
    plt = _pyplot()
    sizes = [row["ledger_size"] for row in growth["sizes"]]
    times = [row["median_ms"] for row in growth["sizes"]]
    figure, axis = plt.subplots(figsize=(6, 3))
    axis.plot(sizes, times, marker="o", color="#1565c0")
    axis.set_xscale("log")
    axis.set_ylim(bottom=0, top=max(times) * 1.5)
    for size, ms in zip(sizes, times, strict=True):
        axis.annotate(f"{ms:.0f} ms", (size, ms), textcoords="offset points", xytext=(0, 8),
                      ha="center", fontsize=9)  # fmt: skip
    axis.set(xlabel="ledger size, entries (log scale)", ylabel="ms",
             title=f"One {growth['group']:,}-entry group commit as the ledger grows")  # fmt: skip
    return _save(plt, figure, directory, "commit-growth.png")


def load_latency(load: dict, directory: Path) -> str:
    """p50 / p95 / p99 of every operation of the last `make load`, one row each."""
    plt = _pyplot()
    rows = [
        (f"{phase}: {name}", op)
        for phase, figures in load["phases"].items()
        for name, op in figures["operations"].items()
        if name != "Aggregated" and op["requests"]
    ]
    figure, axis = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    positions = range(len(rows))
    for offset, (key, colour) in zip(
        (-0.27, 0, 0.27),
        (("p50_ms", "#1565c0"), ("p95_ms", "#90caf9"), ("p99_ms", "#e0e0e0")),
        strict=True,
    ):
        values = [max(op[key], 0.5) for _, op in rows]  # a 0 ms bucket drawn at 0.5 on log
        axis.barh([p + offset for p in positions], values, 0.27, color=colour,
                  label=key.removesuffix("_ms"))  # fmt: skip
    axis.set_yticks(list(positions), [label for label, _ in rows], fontsize=7)
    axis.invert_yaxis()
    axis.set_xscale("log")
    axis.set(xlabel="ms (log scale)", title="Latency per operation, last make load")
    axis.legend(loc="lower right")
    return _save(plt, figure, directory, "load-latency.png")


def load_history(history: list[dict], directory: Path) -> str:
    """Each run's ping ceiling and ledger batch throughput: machines differ run to run."""
    plt = _pyplot()
    labels = [f"{run['measured_at'][11:16]}\n{run['code'][:7]}" for run in history]
    figure, left = plt.subplots(figsize=(8, 3.4))
    positions = list(range(len(history)))

    def series(key):
        return [run[key] if run[key] is not None else float("nan") for run in history]

    left.plot(positions, series("batches_1000_entries_per_s"), marker="o", color="#1565c0",
              label="batches of 1000, entries/s")  # fmt: skip
    left.plot(positions, series("batches_mixed_entries_per_s"), marker="s", color="#2e7d32",
              label="mixed batches, entries/s")  # fmt: skip
    left.axhline(5000, color="#c62828", linestyle="--", linewidth=1, label="5,000 entries/s")
    left.set_ylabel("entries per second")
    left.set_xticks(positions, labels, fontsize=8)
    right = left.twinx()
    right.plot(positions, series("ping_per_s"), marker="^", color="#9e9e9e", linestyle=":",
               label="ping ceiling, calls/s (right)")  # fmt: skip
    right.set_ylabel("ping calls per second")
    right.set_ylim(bottom=0)
    left.set_ylim(bottom=0)
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    left.legend(handles=handles, loc="upper left", fontsize=8)
    left.set_title("make load runs on record")
    return _save(plt, figure, directory, "load-history.png")
