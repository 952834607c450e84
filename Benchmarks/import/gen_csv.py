#!/usr/bin/env python3
"""Writes a deterministic ERP payables file in PayHub's `generic-csv` profile layout, for scripts/bench-import.

    gen_csv.py --rows 100000 --out Benchmarks/.data/import-100000.csv [--vendors 2000] [--seed 4]

The header is exactly the one of samples/erp/generic-csv.csv (the canonical field names). Every row is
valid, so PayHub should accept all of them and reject none:

- about 2,000 vendors (`--vendors`), each always with the same name, country, tax id and bank account;
  German (70 %), Austrian (15 %) and Dutch (15 %) vendors with IBANs whose MOD-97 check digits are computed
  (DE: 8-digit bank code + 10-digit account; AT: 5 + 11 digits; NL: 4-letter bank code + 10 digits),
  a BIC of the same country, EUR accounts; German VAT ids with their ISO 7064 MOD 11,10 check digit;
- unique external ids (`AP-<seed>-<row>`), invoice numbers, ISO dates (invoice date in 2026, due date
  0 to 60 days later), EUR amounts with 2 decimals; some vendor names hold a comma or quotes, so the file
  needs RFC 4180 quoting like a real export;
- the same seed and sizes always give the same bytes (the file is skipped when it already exists and
  `--force` is not given: scripts/bench-import keeps it between runs in Benchmarks/.data).

Python 3 standard library only.
"""

import argparse
import csv
import datetime
import os
import random
import sys

HEADER = [
    "external_id", "invoice_number", "invoice_date", "due_date", "amount", "currency", "remittance", "entity",
    "vendor.external_id", "vendor.name", "vendor.country", "vendor.tax_id", "vendor.iban", "vendor.account_number",
    "vendor.bic", "vendor.routing_number", "vendor.cnaps_code", "vendor.bank_name", "vendor.account_holder",
    "vendor.account_currency",
]

# (bank code, BIC, bank name) per country; the bank codes are shaped like the real ones, not looked up.
BANKS = {
    "DE": [
        ("10070000", "DEUTDEBBXXX", "Deutsche Bank"), ("37040044", "COBADEFFXXX", "Commerzbank"),
        ("50010517", "INGDDEFFXXX", "ING-DiBa"), ("70020270", "HYVEDEMMXXX", "UniCredit Bank - HypoVereinsbank"),
        ("60050101", "SOLADEST600", "Landesbank Baden-Württemberg"), ("43060967", "GENODEM1GLS", "GLS Bank"),
        ("20050550", "HASPDEHHXXX", "Hamburger Sparkasse"), ("30020900", "CMCIDEDDXXX", "Targobank"),
    ],
    "AT": [
        ("12000", "BKAUATWWXXX", "UniCredit Bank Austria"), ("20111", "GIBAATWWXXX", "Erste Bank"),
        ("32000", "RLNWATWWXXX", "Raiffeisenlandesbank NÖ-Wien"), ("14000", "BAWAATWWXXX", "BAWAG P.S.K."),
    ],
    "NL": [
        ("ABNA", "ABNANL2AXXX", "ABN AMRO"), ("INGB", "INGBNL2AXXX", "ING Bank"),
        ("RABO", "RABONL2UXXX", "Rabobank"), ("TRIO", "TRIONL2UXXX", "Triodos Bank"),
    ],
}

NAME_PARTS = {
    "DE": (
        ["Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
         "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
         "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Maier"],
        ["Maschinenbau", "Logistik", "Elektrotechnik", "Bürobedarf", "Verpackungen", "Stahlhandel", "IT-Services",
         "Gebäudereinigung", "Druckerei", "Kunststofftechnik", "Antriebstechnik", "Werkzeugbau", "Spedition"],
        ["GmbH", "GmbH & Co. KG", "AG", "KG", "e.K."],
    ),
    "AT": (
        ["Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer", "Hofer", "Leitner"],
        ["Holzbau", "Transporte", "Anlagenbau", "Handel", "Elektro", "Metallbau"],
        ["GmbH", "Ges.m.b.H.", "AG", "OG"],
    ),
    "NL": (
        ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer"],
        ["Techniek", "Logistiek", "Installaties", "Groothandel", "Verpakkingen", "Automatisering"],
        ["B.V.", "N.V.", "V.O.F."],
    ),
}


def iban(country, bban):
    """`country` + MOD-97 check digits + `bban` (ISO 13616: move the first four to the end, letters to 10..35)."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def iban_is_valid(text):
    moved = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def german_vat_id(rng):
    """DE + 8 digits + the ISO 7064 MOD 11,10 check digit (as the Bundeszentralamt für Steuern computes it)."""
    body = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
    product = 10
    for digit in body:
        total = (digit + product) % 10 or 10
        product = (2 * total) % 11
    check = (11 - product) % 10
    return "DE" + "".join(map(str, body)) + str(check)


def make_vendors(count, rng):
    vendors = []
    names = set()
    for number in range(count):
        roll = rng.random()
        country = "DE" if roll < 0.70 else ("AT" if roll < 0.85 else "NL")
        surnames, trades, forms = NAME_PARTS[country]
        while True:
            first, second = rng.sample(surnames, 2)
            style = rng.random()
            if style < 0.08:
                name = f"{first}, {second} & Partner {rng.choice(forms)}"  # needs quoting
            elif style < 0.11:
                name = f'"{first}" {rng.choice(trades)} {rng.choice(forms)}'  # quotes inside a quoted field
            elif style < 0.5:
                name = f"{first} {rng.choice(trades)} {rng.choice(forms)}"
            else:
                name = f"{first} & {second} {rng.choice(trades)} {rng.choice(forms)}"
            if name not in names:
                names.add(name)
                break
        bank_code, bic, bank_name = rng.choice(BANKS[country])
        if country == "DE":
            bban = bank_code + f"{rng.randrange(10**10):010d}"
            tax_id = german_vat_id(rng)
        elif country == "AT":
            bban = bank_code + f"{rng.randrange(10**11):011d}"
            tax_id = f"ATU{rng.randrange(10**7, 10**8)}"
        else:
            bban = bank_code + f"{rng.randrange(10**10):010d}"
            tax_id = f"NL{rng.randrange(10**8, 10**9)}B01"
        account = iban(country, bban)
        assert iban_is_valid(account), account
        vendors.append({
            "vendor.external_id": f"V-{100000 + number}", "vendor.name": name, "vendor.country": country,
            "vendor.tax_id": tax_id, "vendor.iban": account, "vendor.account_number": "", "vendor.bic": bic,
            "vendor.routing_number": "", "vendor.cnaps_code": "", "vendor.bank_name": bank_name,
            "vendor.account_holder": name, "vendor.account_currency": "EUR",
        })
    return vendors


def write(path, rows, vendor_count, seed):
    rng = random.Random(seed)
    vendors = make_vendors(vendor_count, rng)
    # A few vendors get most invoices, as in a real ledger (weights ~ 1/rank^0.8).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(vendors))]
    start = datetime.date(2026, 1, 1)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        picks = rng.choices(range(len(vendors)), weights=weights, k=rows)
        for row in range(rows):
            vendor = vendors[picks[row]]
            invoice_date = start + datetime.timedelta(days=rng.randrange(334))
            due = rng.choice((0, 14, 30, 30, 30, 45, 60))
            cents = int(rng.lognormvariate(11.0, 1.4)) % 500_000_000 + 100  # 1.00 … 5,000,000.99
            invoice = f"RE-{invoice_date.year}-{row + 1:07d}"
            record = {
                "external_id": f"AP-{seed}-{row + 1:08d}",
                "invoice_number": invoice,
                "invoice_date": invoice_date.isoformat(),
                "due_date": (invoice_date + datetime.timedelta(days=due)).isoformat() if rng.random() < 0.9 else "",
                "amount": f"{cents // 100}.{cents % 100:02d}",
                "currency": "EUR",
                "remittance": f"Rechnung {invoice} vom {invoice_date:%d.%m.%Y}" if rng.random() < 0.8 else "",
                "entity": "DE01",
                **vendor,
            }
            writer.writerow([record[field] for field in HEADER])
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--vendors", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--out", required=True)
    parser.add_argument("--force", action="store_true", help="write the file even if it exists")
    args = parser.parse_args()
    if os.path.exists(args.out) and not args.force:
        print(f"gen_csv: {args.out} exists, kept", file=sys.stderr)
        return
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write(args.out, args.rows, min(args.vendors, max(args.rows, 1)), args.seed)
    print(f"gen_csv: wrote {args.out} ({args.rows} rows, {os.path.getsize(args.out):,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
