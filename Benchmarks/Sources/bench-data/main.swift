// bench-data: writes the benchmark files into Benchmarks/.data (or $PAYHUB_BENCH_DATA), streaming, so
// even the 1,000,000-entry files never sit in memory. Deterministic: the same scale gives the same bytes.
//
//   bench-data [--scale S] [--force] [camt] [mt940] [pain]
//
// Without a kind, all three are written; a file that already exists is kept unless --force.
// The scale defaults to $PAYHUB_BENCH_SCALE_<KIND>, else $PAYHUB_BENCH_SCALE, else 1.0. Prints each file's path.
import BenchSupport
import Foundation

var scaleOverride: Double?
var force = false
var kinds: Set<String> = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--scale":
        guard let text = arguments.popFirst(), let value = Double(text), value > 0 else {
            FileHandle.standardError.write(Data("--scale needs a positive number\n".utf8))
            exit(2)
        }
        scaleOverride = value
    case "--force": force = true
    case "camt", "mt940", "pain": kinds.insert(argument)
    default:
        FileHandle.standardError.write(Data("usage: bench-data [--scale S] [--force] [camt] [mt940] [pain]\n".utf8))
        exit(2)
    }
}
if kinds.isEmpty { kinds = ["camt", "mt940", "pain"] }

/// Day `offset` after 2026-01-01 as `(yyyy-MM-dd, yyMMdd, MMdd)`.
func day(_ offset: Int) -> (iso: String, yymmdd: String, mmdd: String) {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let start = calendar.date(from: DateComponents(year: 2026, month: 1, day: 1))!
    let date = calendar.date(byAdding: .day, value: offset, to: start)!
    let parts = calendar.dateComponents([.year, .month, .day], from: date)
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let (y, m, d) = (parts.year!, parts.month!, parts.day!)
    return ("\(y)-\(two(m))-\(two(d))", "\(two(y % 100))\(two(m))\(two(d))", "\(two(m))\(two(d))")
}

/// One statement's entry amounts in cents, signed (credits positive): the same for camt and MT940.
func amounts(statement: Int, count: Int) -> [Int64] {
    var random = BenchRandom(seed: 0xC0FFEE &+ UInt64(statement))
    return (0..<count).map { _ in
        let cents = Int64(100 + random.next(below: 499_900))  // 1.00 … 5,000.00
        return random.next(below: 100) < 55 ? cents : -cents
    }
}

let counterparties = BenchParties.make(count: 5_000, seed: 42)
let purposes = ["Rechnung", "Invoice", "Factuur", "Facture", "Miete", "Gehalt", "Abonnement", "Bestellung"]

func statementSizes(total: Int) -> [Int] {
    var sizes: [Int] = []
    var left = total
    while left > 0 {
        sizes.append(min(BenchConfig.entriesPerStatement, left))
        left -= sizes.last!
    }
    return sizes
}

func writeCamt(entries total: Int, to url: URL) throws {
    let file = try StreamingFile(url)
    let owner = BenchParties.owners[0]
    let sizes = statementSizes(total: total)
    try file.write("""
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <BkToCstmrStmt>
            <GrpHdr>
              <MsgId>PAYHUB-BENCH-\(total)</MsgId>
              <CreDtTm>2026-06-30T18:00:00+02:00</CreDtTm>
              <MsgPgntn>
                <PgNb>1</PgNb>
                <LastPgInd>true</LastPgInd>
              </MsgPgntn>
            </GrpHdr>

        """)
    var balance: Int64 = 1_250_000_00
    var serial = 0
    for (statementIndex, size) in sizes.enumerated() {
        let amounts = amounts(statement: statementIndex, count: size)
        let opening = balance
        let closing = amounts.reduce(opening, +)
        balance = closing
        let date = day(statementIndex)
        func bal(_ code: String, _ cents: Int64) -> String {
            """
                  <Bal>
                    <Tp>
                      <CdOrPrtry>
                        <Cd>\(code)</Cd>
                      </CdOrPrtry>
                    </Tp>
                    <Amt Ccy="EUR">\(formatCents(abs(cents)))</Amt>
                    <CdtDbtInd>\(cents < 0 ? "DBIT" : "CRDT")</CdtDbtInd>
                    <Dt>
                      <Dt>\(date.iso)</Dt>
                    </Dt>
                  </Bal>

            """
        }
        try file.write("""
                <Stmt>
                  <Id>STMT-\(date.iso)-\(statementIndex + 1)</Id>
                  <ElctrncSeqNb>\(statementIndex + 1)</ElctrncSeqNb>
                  <CreDtTm>\(date.iso)T18:00:00+02:00</CreDtTm>
                  <FrToDt>
                    <FrDtTm>\(date.iso)T00:00:00+02:00</FrDtTm>
                    <ToDtTm>\(date.iso)T23:59:59+02:00</ToDtTm>
                  </FrToDt>
                  <Acct>
                    <Id>
                      <IBAN>\(owner.iban)</IBAN>
                    </Id>
                    <Ccy>EUR</Ccy>
                    <Ownr>
                      <Nm>\(owner.name)</Nm>
                    </Ownr>
                    <Svcr>
                      <FinInstnId>
                        <BICFI>\(owner.bic)</BICFI>
                      </FinInstnId>
                    </Svcr>
                  </Acct>

            """)
        try file.write(bal("OPBD", opening))
        try file.write(bal("CLBD", closing))
        for amount in amounts {
            serial += 1
            let party = counterparties[serial % counterparties.count]
            let credit = amount > 0
            let value = formatCents(abs(amount))
            let role = credit ? "Dbtr" : "Cdtr"
            let purpose = purposes[serial % purposes.count]
            try file.write("""
                      <Ntry>
                        <Amt Ccy="EUR">\(value)</Amt>
                        <CdtDbtInd>\(credit ? "CRDT" : "DBIT")</CdtDbtInd>
                        <Sts>
                          <Cd>BOOK</Cd>
                        </Sts>
                        <BookgDt>
                          <Dt>\(date.iso)</Dt>
                        </BookgDt>
                        <ValDt>
                          <Dt>\(date.iso)</Dt>
                        </ValDt>
                        <AcctSvcrRef>PH\(date.yymmdd)\(serial)</AcctSvcrRef>
                        <BkTxCd>
                          <Domn>
                            <Cd>PMNT</Cd>
                            <Fmly>
                              <Cd>\(credit ? "RCDT" : "ICDT")</Cd>
                              <SubFmlyCd>ESCT</SubFmlyCd>
                            </Fmly>
                          </Domn>
                        </BkTxCd>
                        <NtryDtls>
                          <TxDtls>
                            <Refs>
                              <EndToEndId>E2E-\(date.yymmdd)-\(serial)</EndToEndId>
                            </Refs>
                            <Amt Ccy="EUR">\(value)</Amt>
                            <CdtDbtInd>\(credit ? "CRDT" : "DBIT")</CdtDbtInd>
                            <RltdPties>
                              <\(role)>
                                <Pty>
                                  <Nm>\(party.name)</Nm>
                                </Pty>
                              </\(role)>
                              <\(role)Acct>
                                <Id>
                                  <IBAN>\(party.iban)</IBAN>
                                </Id>
                              </\(role)Acct>
                            </RltdPties>
                            <RmtInf>
                              <Ustrd>\(purpose) \(serial) vom \(date.iso)</Ustrd>
                            </RmtInf>
                          </TxDtls>
                        </NtryDtls>
                      </Ntry>

                """)
        }
        try file.write("    </Stmt>\n")
    }
    try file.write("  </BkToCstmrStmt>\n</Document>\n")
    try file.close()
}

/// MT940 `:86:` lines are at most 65 characters; banks wrap the structured field anywhere.
func wrapped86(_ text: String) -> String {
    var lines: [Substring] = []
    var rest = Substring(text)
    var width = 61  // the first line carries ":86:"
    while !rest.isEmpty {
        lines.append(rest.prefix(width))
        rest = rest.dropFirst(width)
        width = 65
    }
    return ":86:" + lines.joined(separator: "\r\n") + "\r\n"
}

func writeMT940(entries total: Int, to url: URL) throws {
    let file = try StreamingFile(url)
    let owner = BenchParties.owners[0]
    var balance: Int64 = 1_250_000_00
    var serial = 0
    func balanceField(_ tag: String, _ cents: Int64, _ date: String) -> String {
        ":\(tag):\(cents < 0 ? "D" : "C")\(date)EUR\(formatCents(abs(cents), separator: ","))\r\n"
    }
    for (statementIndex, size) in statementSizes(total: total).enumerated() {
        let amounts = amounts(statement: statementIndex, count: size)
        let opening = balance
        let closing = amounts.reduce(opening, +)
        balance = closing
        let date = day(statementIndex)
        try file.write(":20:STARTUMS\r\n:25:37040044/0532013000\r\n:28C:\(statementIndex + 1)/1\r\n")
        try file.write(balanceField("60F", opening, date.yymmdd))
        for amount in amounts {
            serial += 1
            let party = counterparties[serial % counterparties.count]
            let credit = amount > 0
            let purpose = purposes[serial % purposes.count]
            try file.write(
                ":61:\(date.yymmdd)\(date.mmdd)\(credit ? "C" : "D")\(formatCents(abs(amount), separator: ","))"
                    + "NTRFNONREF//PH\(date.yymmdd)\(serial)\r\n")
            let code = credit ? "166?00SEPA-GUTSCHRIFT" : "177?00SEPA-UEBERWEISUNG"
            try file.write(wrapped86(
                "\(code)?109310?20EREF+E2E-\(date.yymmdd)-\(serial)?21SVWZ+\(purpose) \(serial)"
                    + "?22vom \(date.iso)?30\(party.bic)?31\(party.iban)?32\(party.name.prefix(27))?34000"))
        }
        try file.write(balanceField("62F", closing, date.yymmdd))
        try file.write("-\r\n")
    }
    _ = owner
    try file.close()
}

func writePainInput(transactions total: Int, to url: URL) throws {
    let file = try StreamingFile(url)
    var random = BenchRandom(seed: 0x9A1_001)
    let dates = ["2026-02-02", "2026-02-03", "2026-02-04"]
    try file.write("end_to_end_id\tamount_cents\tcurrency\texecution_date\tdebtor\tcreditor_name\tcreditor_iban\tcreditor_bic\tremittance\n")
    for index in 1...total {
        let party = counterparties[index % counterparties.count]
        let debtor = index % BenchParties.owners.count
        let cents = 100 + random.next(below: 999_900)
        let purpose = purposes[index % purposes.count]
        try file.write(
            "PH-E2E-\(index)\t\(cents)\tEUR\t\(dates[(index / 7) % dates.count])\t\(debtor)\t\(party.name)\t\(party.iban)\t\(party.bic)\t\(purpose) \(index) Kunde \(100_000 + index)\n")
    }
    try file.close()
}

func produce(_ url: URL, force: Bool, _ write: (URL) throws -> Void) throws {
    if !force, FileManager.default.fileExists(atPath: url.path) {
        print(url.path)
        return
    }
    let temporary = url.appendingPathExtension("partial")
    let started = Date()
    try write(temporary)
    _ = try? FileManager.default.removeItem(at: url)
    try FileManager.default.moveItem(at: temporary, to: url)
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    FileHandle.standardError.write(Data(String(format: "wrote %@ (%.1f MiB) in %.1f s\n", url.lastPathComponent, Double(size) / 1_048_576, Date().timeIntervalSince(started)).utf8))
    print(url.path)
}

do {
    if kinds.contains("camt") {
        let count = BenchConfig.scaled(1_000_000, scale: scaleOverride ?? BenchConfig.scale(for: "CAMT"))
        try produce(BenchConfig.camtFile(entries: count), force: force) { try writeCamt(entries: count, to: $0) }
    }
    if kinds.contains("mt940") {
        let count = BenchConfig.scaled(1_000_000, scale: scaleOverride ?? BenchConfig.scale(for: "MT940"))
        try produce(BenchConfig.mt940File(entries: count), force: force) { try writeMT940(entries: count, to: $0) }
    }
    if kinds.contains("pain") {
        let count = BenchConfig.scaled(100_000, scale: scaleOverride ?? BenchConfig.scale(for: "PAIN"))
        try produce(BenchConfig.painInputFile(transactions: count), force: force) { try writePainInput(transactions: count, to: $0) }
    }
} catch {
    FileHandle.standardError.write(Data("bench-data: \(error)\n".utf8))
    exit(1)
}
