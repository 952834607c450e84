#!/usr/bin/env python3
"""Times the Python libraries a PayHub user would otherwise reach for, on the same files as the Swift
benchmarks (written by the `bench-data` generator into Benchmarks/.data):

- camt053 (PyPI `camt053`):  `camt053.parse_document(text)` on the camt.053 file (the library's documented
  entry point; it takes the whole document as a `str`).
- mt-940 (PyPI `mt-940`):    `mt940.parse(path)` on the MT940 file.
- sepaxml (PyPI `sepaxml`):  `SepaTransfer(...).add_payment(...)` for every row of the pain.001 input, then
  `export(validate=False)` and writing the file. sepaxml writes one debtor per document, so it writes one
  document per debtor account (3) and the time is their sum. `validate=False`: PayHub does not run an
  XSD validator over its output either (sepaxml's default XSD validation would make it slower still).

Each peer runs in a child process (so its peak RSS, `ru_maxrss` from `wait4`, is its own), with a time
limit and an address-space limit. When a peer cannot finish the full-size file within them, it is
measured on a file a tenth of the size (written with the same generator), and the result says so and
gives the linear extrapolation to full size, marked as such. Nothing is invented: a peer that fails at
every size is reported as failed.

Usage: peers.py --scale S --data DIR --bench-data BIN [--only camt,mt940,pain] [--timeout 600]
         [--memory-gib 12] --out results.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import signal
import subprocess
import sys
import time
from importlib import metadata

FULL = {"camt": 1_000_000, "mt940": 1_000_000, "pain": 100_000}
FILES = {
    "camt": "camt053-{n}.xml",
    "mt940": "mt940-{n}.sta",
    "pain": "pain001-input-{n}.tsv",
}
PACKAGES = {"camt": "camt053", "mt940": "mt-940", "pain": "sepaxml"}
DEBTORS = [  # BenchParties.owners in Benchmarks/Sources/BenchSupport/BenchSupport.swift
    ("PayHub Demo GmbH", "DE89370400440532013000", "COBADEFFXXX"),
    ("PayHub Demo GmbH", "DE02500105170137075030", "INGDDEFFXXX"),
    ("PayHub Demo GmbH", "NL91ABNA0417164300", "ABNANL2AXXX"),
]


def scaled(full: int, scale: float) -> int:
    # Same rounding as BenchConfig.scaled (Swift's .rounded() rounds half away from zero).
    return max(1, int(full * scale + 0.5))


# ---------------------------------------------------------------------------------------------- children


def child_camt(path: str) -> dict:
    import camt053

    started = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    document = camt053.parse_document(text)
    entries = sum(len(statement.entries) for statement in document.statements)
    return {"seconds": time.perf_counter() - started, "items": entries}


def child_mt940(path: str) -> dict:
    import mt940

    started = time.perf_counter()
    transactions = mt940.parse(path)
    count = len(transactions)
    return {"seconds": time.perf_counter() - started, "items": count}


def child_pain(path: str) -> dict:
    from sepaxml import SepaTransfer

    # Setup, not measured (as in the Swift benchmark): read the rows.
    rows = []
    with open(path, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            e2e, cents, currency, date, debtor, name, iban, bic, remittance = line.rstrip("\n").split("\t")
            rows.append((e2e, int(cents), currency, datetime.date.fromisoformat(date), int(debtor), name, iban, bic,
                         remittance))
    out_path = path.replace("pain001-input-", "pain001-sepaxml-").replace(".tsv", "-{debtor}.xml")

    started = time.perf_counter()
    written = 0
    for index, (debtor_name, debtor_iban, debtor_bic) in enumerate(DEBTORS):
        transfer = SepaTransfer(
            {"name": debtor_name, "IBAN": debtor_iban, "BIC": debtor_bic, "batch": True, "currency": "EUR"},
            schema="pain.001.001.09",
        )
        for e2e, cents, currency, date, debtor, name, iban, bic, remittance in rows:
            if debtor != index:
                continue
            transfer.add_payment({
                "name": name, "IBAN": iban, "BIC": bic, "amount": cents, "currency": currency,
                "execution_date": date, "description": remittance, "endtoend_id": e2e,
            })
            written += 1
        xml = transfer.export(validate=False)
        with open(out_path.format(debtor=index), "wb") as handle:
            handle.write(xml)
    return {"seconds": time.perf_counter() - started, "items": written}


CHILDREN = {"camt": child_camt, "mt940": child_mt940, "pain": child_pain}


# ---------------------------------------------------------------------------------------------- parent


def run_child(kind: str, path: str, timeout: int, memory_gib: float) -> dict:
    """Runs one peer in a child process; returns its result with peak RSS, or why it failed."""

    def limits() -> None:
        limit = int(memory_gib * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result_path = path + f".{kind}.peer.json"
    if os.path.exists(result_path):
        os.remove(result_path)
    command = [sys.executable, __file__, "--child", kind, path, result_path]
    started = time.perf_counter()
    process = subprocess.Popen(command, preexec_fn=limits, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = started + timeout
    status = rusage = None
    while True:
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            break
        if time.perf_counter() > deadline:
            process.send_signal(signal.SIGKILL)
            _, status, rusage = os.wait4(process.pid, 0)
            return {"ok": False, "reason": f"did not finish within {timeout} s (killed)",
                    "peak_rss_mib": rusage.ru_maxrss / 1024}
        time.sleep(0.05)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_mib = rusage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    if process.returncode != 0 or not os.path.exists(result_path):
        tail = stderr.strip().splitlines()[-1:] or [f"exit code {process.returncode}"]
        reason = "ran out of memory" if "MemoryError" in stderr else tail[0][:300]
        return {"ok": False, "reason": f"{reason} (limit {memory_gib:g} GiB address space)", "peak_rss_mib": peak_mib}
    with open(result_path) as handle:
        child = json.load(handle)
    os.remove(result_path)
    return {"ok": True, "seconds": child["seconds"], "items": child["items"], "peak_rss_mib": peak_mib}


def measure(kind: str, args) -> dict:
    target = scaled(FULL[kind], args.scale)
    attempts = []
    size, attempt_scale = target, args.scale
    for _ in range(2):  # the target size, then a tenth of it
        path = os.path.join(args.data, FILES[kind].format(n=size))
        if not os.path.exists(path):
            subprocess.run([args.bench_data, "--scale", repr(attempt_scale), kind],
                           check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PAYHUB_BENCH_DATA": args.data})
        print(f"peers: {PACKAGES[kind]} on {os.path.basename(path)} …", file=sys.stderr, flush=True)
        outcome = run_child(kind, path, args.timeout, args.memory_gib)
        outcome.update({"size": size, "file": os.path.basename(path)})
        attempts.append(outcome)
        print(f"peers:   {outcome}", file=sys.stderr, flush=True)
        if outcome["ok"] or size < 10:
            break
        attempt_scale = args.scale / 10
        size = scaled(FULL[kind], attempt_scale)
    final = attempts[-1]
    result = {
        "package": PACKAGES[kind],
        "version": metadata.version(PACKAGES[kind]),
        "target_size": target,
        "attempts": attempts,
        "ok": final["ok"],
        "measured_size": final["size"],
        "seconds": final.get("seconds"),
        "peak_rss_mib": final.get("peak_rss_mib"),
        "extrapolated": False,
    }
    if final["ok"] and final["size"] != target:
        result["extrapolated"] = True
        result["extrapolated_seconds"] = final["seconds"] * target / final["size"]
        result["note"] = (f"{PACKAGES[kind]} failed on the {target:,}-item file ({attempts[0].get('reason')}); "
                          f"measured on {final['size']:,} items, time extrapolated linearly to {target:,}")
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, path, result_path = sys.argv[2:5]
        result = CHILDREN[kind](path)
        with open(result_path, "w") as handle:
            json.dump(result, handle)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("PAYHUB_BENCH_SCALE", "1.0")))
    parser.add_argument("--data", required=True)
    parser.add_argument("--bench-data", required=True, help="the bench-data generator executable")
    parser.add_argument("--only", default="camt,mt940,pain")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--memory-gib", type=float, default=12.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    results = {"python": sys.version.split()[0], "scale": args.scale, "timeout_s": args.timeout,
               "memory_limit_gib": args.memory_gib, "peers": {}}
    for kind in [k for k in args.only.split(",") if k]:
        results["peers"][kind] = measure(kind, args)
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
