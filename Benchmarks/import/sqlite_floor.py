#!/usr/bin/env python3
"""SQLite's own share of an import: the rows an import of N payables writes, made ready in advance and
written with the same schema, settings, batches and multi-row inserts, by Python's sqlite3.

    sqlite_floor.py SCHEMA_DB ROWS

SCHEMA_DB is a PayHub SQLite file (its schema is copied; its data is not). Prints the seconds the writes
took. What is left between this figure and PayHub's import is PayHub's own work.
"""
import argparse
import hashlib
import json
import os
import random
import sqlite3
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema_db")
    parser.add_argument("rows", type=int)
    args = parser.parse_args()

    schema = [row[0] for row in sqlite3.connect(args.schema_db).execute(
        "select sql from sqlite_master where sql is not null and name not like 'sqlite_%' order by type desc")]
    folder = tempfile.mkdtemp(prefix="payhub-floor-")
    path = os.path.join(folder, "floor.sqlite")
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ["page_size = 16384", "journal_mode = wal", "synchronous = full", "cache_size = -32768",
                   "wal_autocheckpoint = 8192"]:
        db.execute("pragma " + pragma)
    for statement in schema:
        db.execute(statement)
    db.execute("insert into entities (id, name, country, base_currency, lei, created_at) "
               "values ('ent_1', 'E', 'DE', 'EUR', null, 0)")
    for vendor in range(2000):
        db.execute("insert into vendors (id, entity_id, name, country, tax_id, source_system, source_external_id, "
                   "created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
                   (f"ven_{vendor:05d}", "ent_1", f"V{vendor}", "DE", None, "generic", f"V{vendor}", 0))

    random.seed(1)
    payables, audit, events = [], [], []
    previous = "0" * 64
    for i in range(args.rows):
        payable_id = f"pyb_{i:026d}"
        vendor = f"ven_{random.randrange(2000):05d}"
        payables.append((payable_id, "ent_1", vendor, f"RE-{i}", "2026-11-01",
                         f"2026-12-{random.randrange(1, 28):02d}", random.randrange(1, 10**7), "EUR", "generic",
                         f"AP-{i:08d}", "open", 0, 0))
        snapshot = json.dumps({
            "amount": "123.45", "created_at": "2026-11-29T12:00:00.000Z", "currency": "EUR",
            "due_date": "2026-12-01", "entity_id": "ent_1", "external_id": f"AP-{i:08d}", "id": payable_id,
            "invoice_date": "2026-11-01", "invoice_number": f"RE-{i}", "source": "generic", "state": "open",
            "vendor_id": vendor}, separators=(",", ":"))
        digest = hashlib.sha256((previous + snapshot).encode()).hexdigest()
        audit.append((i + 1, 0, "user", "cli:bench", "payable.created", "payable", payable_id, "ent_1", None,
                      snapshot, "cli", None, previous, digest))
        previous = digest
        events.append((i + 1, f"evt_{i:026d}", "payable.created", "payable", payable_id, "ent_1", 0, snapshot, None))

    def insert(table, rows, per_statement, suffix=""):
        width = len(rows[0])
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            placeholders = ", ".join(["(" + ", ".join(["?"] * width) + ")"] * len(chunk))
            db.execute(f"insert into {table} values {placeholders}{suffix}",
                       [value for row in chunk for value in row]).fetchall()

    batch = 10000
    started = time.perf_counter()
    for start in range(0, args.rows, batch):
        db.execute("begin")
        end = min(start + batch, args.rows)
        insert("payables (id, entity_id, vendor_id, invoice_number, invoice_date, due_date, amount_minor, currency, "
               "source_system, source_external_id, state, created_at, updated_at)", payables[start:end], 256,
               " on conflict do nothing")
        insert("audit_events", audit[start:end], 256)
        insert("events", events[start:end], 400)
        db.execute("commit")
    print(f"{time.perf_counter() - started:.3f}")
    db.close()
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    os.rmdir(folder)


if __name__ == "__main__":
    main()
