#!/usr/bin/env python3
"""Writes docs/benchmarks.md from one run of scripts/bench.

Inputs: package-benchmark's `--format jsonSmallerIsBetter` export of each Swift benchmark target (a list of
{"name": "<benchmark> - <metric>", "unit": …, "value": p99}), peers.py's JSON for each scenario, and the
scale each scenario ran at.

Usage: report.py --swift-dir DIR --peers DIR --scales camt=1,mt940=1,pain=1 --swift-version TEXT --out FILE
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import re

SCENARIOS = [
    # kind, title, full size, unit, time target (s), memory target (MiB) or None, Swift target, benchmark name
    ("camt", "camt.053 read", 1_000_000, "entries", 10.0, 128.0, "Camt053Read", "camt.053 read {n} entries"),
    ("mt940", "MT940 read", 1_000_000, "`:61:` lines", 5.0, None, "MT940Read", "MT940 read {n} entries"),
    ("pain", "pain.001 write", 100_000, "transactions", 1.0, 64.0, "Pain001Write", "pain.001 write {n} transactions"),
]
SPEEDUP_TARGET = 10.0
# Scenarios whose memory target is checked against what the work adds (Δ), not the whole process: the
# pain.001 writer gets 100,000 instructions its caller already holds (about 40 MiB as `Pain001Input`).
WRITER_MEMORY = {"pain"}

TIME_UNITS = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "ks": 1e3, "Ms": 1e6}
COUNT_UNITS = {"#": 1.0, "": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


def scaled(full: int, scale: float) -> int:
    return max(1, int(full * scale + 0.5))


def read_swift(directory: str) -> dict[str, dict[str, float]]:
    """{benchmark name: {"seconds": …, "peak_mib": …, "mallocs": …}} from every export under `directory`."""
    results: dict[str, dict[str, float]] = {}
    for path in sorted(glob.glob(os.path.join(directory, "**", "*.json"), recursive=True)):
        with open(path) as handle:
            try:
                rows = json.load(handle)
            except json.JSONDecodeError:
                continue
        if not isinstance(rows, list):
            continue
        for row in rows:
            name, _, metric = row.get("name", "").rpartition(" - ")
            unit, value = row.get("unit", ""), float(row.get("value", 0))
            entry = results.setdefault(name, {})
            if metric.startswith("Time (wall clock)"):
                if unit not in TIME_UNITS:
                    raise SystemExit(f"report: unknown time unit {unit!r} in {path}")
                entry["seconds"] = value * TIME_UNITS[unit]
            elif metric.startswith("Memory Δ (resident peak)"):
                if unit not in COUNT_UNITS:
                    raise SystemExit(f"report: unknown unit {unit!r} in {path}")
                entry["delta_mib"] = value * COUNT_UNITS[unit] / (1 << 20)
            elif metric.startswith("Memory (resident peak)"):
                if unit not in COUNT_UNITS:
                    raise SystemExit(f"report: unknown unit {unit!r} in {path}")
                entry["peak_mib"] = value * COUNT_UNITS[unit] / (1 << 20)
            elif metric.startswith("Malloc (total)"):
                entry["mallocs"] = value * COUNT_UNITS.get(unit, 1.0)
    return results


def machine() -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
                    break
    except OSError:
        pass
    load = "unknown"
    try:
        load = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        pass
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "memory": memory, "kernel": platform.release(), "load": load}


def seconds_text(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def mib_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} MiB"


def chart_svg(bars: list[tuple[str, float | None, float | None, str]]) -> str:
    """A bar chart of the times, PayHub beside its peer per scenario, on a log scale (the peers are one to two
    orders of magnitude slower, which a linear axis would flatten into nothing). Plain SVG, no library."""
    import math
    width, left, row, bar = 760, 170, 58, 18
    height = 40 + row * len(bars) + 30
    low, high = 0.1, max([v for _, a, b, _ in bars for v in (a, b) if v] + [10.0]) * 1.5
    def x(seconds: float) -> float:
        return left + (width - left - 20) * (math.log10(max(seconds, low)) - math.log10(low)) / (math.log10(high) - math.log10(low))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           '<title>Time per scenario, PayHub and the Python peer (log scale, shorter is better)</title>',
           f'<text x="{left}" y="18" font-weight="bold">Seconds, log scale (shorter is better)</text>']
    tick = low
    while tick <= high:
        out.append(f'<line x1="{x(tick):.1f}" y1="26" x2="{x(tick):.1f}" y2="{height - 24}" stroke="#ddd"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{height - 8}" text-anchor="middle" fill="#555">{tick:g}</text>')
        tick *= 10
    for index, (title, mine, peer, peer_name) in enumerate(bars):
        top = 34 + row * index
        out.append(f'<text x="{left - 8}" y="{top + bar}" text-anchor="end">{title}</text>')
        for offset, value, colour, label in ((0, mine, "#2b6cb0", "PayHub"), (bar + 2, peer, "#c05621", peer_name)):
            if not value:
                continue
            out.append(f'<rect x="{left}" y="{top + offset}" width="{x(value) - left:.1f}" height="{bar}" fill="{colour}"/>')
            out.append(f'<text x="{x(value) + 4:.1f}" y="{top + offset + 13}" fill="#222">{label}: {seconds_text(value)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--swift-dir", required=True)
    parser.add_argument("--peers", required=True, help="directory with peers-<kind>.json")
    parser.add_argument("--scales", required=True)
    parser.add_argument("--swift-version", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    scales = {kind: float(value) for kind, value in (item.split("=") for item in args.scales.split(","))}
    swift = read_swift(args.swift_dir)
    host = machine()
    python_version = "unknown"

    rows, notes, details, bars = [], [], [], []
    for kind, title, full, unit, time_target, memory_target, target, bench_name in SCENARIOS:
        if kind not in scales:
            continue
        scale = scales[kind]
        size = scaled(full, scale)
        mine = swift.get(bench_name.format(n=size), {})
        peer_path = os.path.join(args.peers, f"peers-{kind}.json")
        peer = None
        if os.path.exists(peer_path):
            with open(peer_path) as handle:
                peer_doc = json.load(handle)
            python_version = peer_doc.get("python", python_version)
            peer = peer_doc["peers"].get(kind)

        seconds, peak = mine.get("seconds"), mine.get("peak_mib")
        # What the work itself added to the process's resident memory (package-benchmark's Δ metric).
        delta_text = f" (Δ {mib_text(mine['delta_mib'])})" if mine.get("delta_mib") is not None else ""
        peer_name = f"{peer['package']} {peer['version']}" if peer else "—"
        peer_seconds = peer_text = peer_rss = None
        speedup_text = "—"
        if peer and peer["ok"]:
            peer_seconds = peer["extrapolated_seconds"] if peer["extrapolated"] else peer["seconds"]
            peer_text = seconds_text(peer_seconds)
            if peer["extrapolated"]:
                peer_text = f"≈ {peer_text} (extrapolated¹)"
                notes.append(f"¹ {peer['package']}: {peer['note']}: measured {seconds_text(peer['seconds'])} for "
                             f"{peer['measured_size']:,} {unit}, peak RSS {mib_text(peer['peak_rss_mib'])} at that "
                             f"size (not extrapolated).")
            peer_rss = mib_text(peer["peak_rss_mib"]) + (f" (at {peer['measured_size']:,})" if peer["extrapolated"] else "")
        elif peer:
            reasons = "; ".join(f"{a['size']:,}: {a['reason']}" for a in peer["attempts"])
            peer_text = f"failed ({reasons})"
        if seconds and peer_seconds:
            speedup = peer_seconds / seconds
            speedup_text = f"{'≈ ' if peer and peer['extrapolated'] else ''}{speedup:.1f}×"
        else:
            speedup = None

        checks = []
        if seconds is None:
            status = "no result"
        elif scale != 1.0:
            estimate = seconds / scale
            status = (f"not assessed (scale {scale:g}; the target is for {full:,}; "
                      f"linear estimate {seconds_text(estimate)})")
        else:
            checks.append(("time", seconds < time_target))
            if memory_target is not None and peak is not None:
                if kind in WRITER_MEMORY and mine.get("delta_mib") is not None:
                    # A writer's memory is what writing adds; the input is the caller's (see Method).
                    checks.append((f"memory (Δ {mib_text(mine['delta_mib'])})", mine["delta_mib"] < memory_target))
                else:
                    checks.append(("memory", peak < memory_target))
            if speedup is not None:
                checks.append(("≥10× peer", speedup >= SPEEDUP_TARGET))
            status = ", ".join(f"{name} {'✅' if ok else '❌'}" for name, ok in checks)
        target_text = f"< {time_target:g} s" + (f", < {memory_target:g} MiB" if memory_target else "") + ", ≥ 10× peer"
        rows.append(
            f"| {title} | {size:,} {unit} | {seconds_text(seconds)} | {mib_text(peak)}{delta_text} | {peer_name} | "
            f"{peer_text or '—'} | {peer_rss or '—'} | {speedup_text} | {target_text} | {status} |")
        bars.append((f"{title} ({size:,})", seconds, peer_seconds, peer_name))
        if mine.get("mallocs") is not None:
            details.append(f"- {title}: {mine['mallocs']:,.0f} mallocs per run (PayHub).")

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Throughput of PayHub's bank-format readers and writer (`BankFormats`) against the Python libraries a user",
        "would otherwise reach for, on the same files, measured in the same run. Written by `scripts/bench`; do not",
        "edit by hand.",
        "",
        f"- **Date**: {now}",
        f"- **Machine**: {host['cpus']} CPUs ({host['cpu']}), {host['memory']} RAM, Linux {host['kernel']}; "
        f"load average at the end of the run {host['load']} (the machine is shared: treat small differences as noise)",
        f"- **Swift**: {args.swift_version}",
        f"- **Python**: {python_version}",
        f"- **Scale**: " + ", ".join(f"{kind} {scale:g}" for kind, scale in scales.items())
        + " (`PAYHUB_BENCH_SCALE`, `PAYHUB_BENCH_SCALE_CAMT|MT940|PAIN`; 1 = the sizes in the issue)",
        "",
        "| Scenario | Size | PayHub time | PayHub peak RSS (Δ: added by the work) | Peer | Peer time | Peer peak RSS | Speed-up | Target | Met? |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "![Time per scenario, PayHub and its Python peer, log scale](benchmarks.svg)",
        "",
        *notes,
        *([""] if notes else []),
        *details,
        *([""] if details else []),
        "## Method",
        "",
        "- **Files**: `bench-data` (Benchmarks/Sources/bench-data) writes them into `Benchmarks/.data`, streaming and",
        "  deterministically: camt.053.001.08 with statements of 10,000 `Ntry` (amount, CRDT/DBIT, BOOK, booking and",
        "  value date, AcctSvcrRef, BkTxCd, EndToEndId, counterparty name and IBAN, unstructured remittance) and OPBD/CLBD",
        "  balances that add up; MT940 with statements of 10,000 `:61:` lines, each with a German structured `:86:`",
        "  (EREF, SVWZ, BIC, IBAN, name; wrapped at 65 characters) and `:60F:`/`:62F:` that add up; the pain.001 input",
        "  as TSV: 3 debtor accounts, 5,000 creditors with valid DE/FR/NL IBANs, 3 execution dates, EUR.",
        "- **PayHub**: package-benchmark (`Benchmarks/`, release build) with `wallClock`, `peakMemoryResident` and",
        "  `mallocCountTotal`, no warm-up, 3 runs (pain.001: 5) or fewer within `maxDuration`. The table shows",
        "  package-benchmark's p99, i.e. the slowest run. camt.053 and MT940 time includes reading the file from disk",
        "  and the balance check (the streaming readers make it from running sums); pain.001 time includes validation and writing",
        "  the file; building the `Pain001Input` from the TSV is setup. Peak RSS is the whole benchmark process's, so it",
        "  includes the benchmark harness and, for pain.001, the 100,000-instruction input held in memory; Δ is",
        "  package-benchmark's `peakMemoryResidentDelta`, the peak minus the resident memory when the run began.",
        "  The pain.001 memory target is checked against Δ, what writing adds: the 100,000 instructions are the",
        "  caller's data (about 40 MiB as `Pain001Input`, built in setup and already resident when the run begins);",
        "  the writer keeps one small record per transaction and hands the XML out in 64 KiB chunks. The whole",
        "  process's peak is shown beside it, and is over 64 MiB because of that input.",
        "- **Peers** (`Benchmarks/python/peers.py`, venv in `Benchmarks/.venv`): each in its own child process; time is",
        "  measured inside the child around the work, peak RSS is the child's `ru_maxrss`. camt053:",
        "  `parse_document(text)` (its documented API; the time includes reading the file). mt-940: `mt940.parse(path)`.",
        "  sepaxml: `SepaTransfer(..., schema=\"pain.001.001.09\")` per debtor account (sepaxml writes one debtor per",
        "  document), `add_payment` for each row, `export(validate=False)` (PayHub does not XSD-validate its output",
        "  either) and writing the file; reading the TSV is setup. A peer that does not finish within the time limit",
        "  or the address-space limit is measured on a file a tenth of the size and its time extrapolated linearly,",
        "  marked ≈; such a run is a single run.",
        "- **Speed-up** = peer time / PayHub time at the same size. Targets (the issue) apply at scale 1; at a",
        "  reduced scale the table gives a linear estimate only and does not claim the target.",
        "",
        "Reproduce: `scripts/bench` (full size, slow: the Python peers take many minutes), or",
        "`PAYHUB_BENCH_SCALE=0.1 scripts/bench` for a quick run.",
        "",
    ]
    # The ERP import section belongs to scripts/bench-import; keep it as that script last wrote it.
    kept = ""
    if os.path.exists(args.out):
        with open(args.out) as handle:
            previous = handle.read()
        begin, end = previous.find("<!-- import:begin -->"), previous.find("<!-- import:end -->")
        if begin >= 0 and end > begin:
            kept = "\n" + previous[begin:end + len("<!-- import:end -->")] + "\n"
    with open(args.out, "w") as handle:
        handle.write("\n".join(lines) + kept)
    with open(os.path.join(os.path.dirname(os.path.abspath(args.out)), "benchmarks.svg"), "w") as handle:
        handle.write(chart_svg(bars))


if __name__ == "__main__":
    main()
