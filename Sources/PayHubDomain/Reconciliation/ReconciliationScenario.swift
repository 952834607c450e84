import Foundation

/// Labelled test data for the matcher: open items, the statement lines a bank would book for them, and for
/// every line the items it truly belongs to.
///
/// The noise is what real statements carry: names typed differently or transliterated (`MUELLER` for
/// `Müller`), banks that drop the end-to-end id, fees deducted by the payer's bank, batch bookings, one
/// receipt paying several invoices, split and partial payments, returns, bank charges and payers nobody
/// expected. Everything comes from ``SplitMix64`` and the seed: the same seed gives the same scenario.
public struct ReconciliationScenario: Sendable {
    public let items: [ReconciliationItem]
    public let lines: [StatementLine]
    /// For every line, the ids of the items it belongs to; empty for a line that belongs to none.
    public let labels: [String: Set<String>]
    /// The labelled lines the cascade is designed to explain. A line whose only link to its item was lost
    /// (no reference, no account, a name garbled beyond the threshold) is labelled but not explainable.
    public let explainableLineIDs: Set<String>

    /// About `count` lines (a scenario is never cut in half, so a few more) and their items.
    public static func generate(seed: UInt64, count: Int) -> ReconciliationScenario {
        var builder = ScenarioBuilder(seed: seed)
        while builder.lines.count < count { builder.addScenario() }
        return ReconciliationScenario(
            items: builder.items, lines: builder.lines, labels: builder.labels,
            explainableLineIDs: builder.explainable)
    }

    /// How well `result` agrees with the labels.
    ///
    /// A matched line is correct when the items it was matched to are exactly the items it belongs to.
    /// Precision: correct matched lines over matched lines. Recall: correctly matched explainable lines over
    /// explainable lines.
    public func quality(of result: ReconciliationResult) -> ReconciliationQuality {
        var matched = 0
        var correct = 0
        var explainedCorrectly = 0
        for match in result.matches {
            let matchedItems = Set(match.itemIDs)
            for lineID in match.lineIDs {
                matched += 1
                guard labels[lineID] == matchedItems else { continue }
                correct += 1
                if explainableLineIDs.contains(lineID) { explainedCorrectly += 1 }
            }
        }
        return ReconciliationQuality(
            matchedLines: matched, correctlyMatchedLines: correct, explainableLines: explainableLineIDs.count,
            correctlyExplainedLines: explainedCorrectly)
    }
}

/// Precision and recall of a matching run against labelled data.
public struct ReconciliationQuality: Hashable, Sendable, CustomStringConvertible {
    public let matchedLines: Int
    public let correctlyMatchedLines: Int
    public let explainableLines: Int
    public let correctlyExplainedLines: Int

    /// Correct matched lines per million matched lines; a million when nothing was matched (no wrong match).
    public var precisionPartsPerMillion: Int { Self.partsPerMillion(correctlyMatchedLines, of: matchedLines) }

    /// Correctly matched explainable lines per million explainable lines; a million when none was explainable.
    public var recallPartsPerMillion: Int { Self.partsPerMillion(correctlyExplainedLines, of: explainableLines) }

    /// Whether precision and recall reach `precisionPartsPerMillion` and `recallPartsPerMillion`, compared
    /// exactly (cross-multiplied, no rounding).
    public func meets(precisionPartsPerMillion: Int, recallPartsPerMillion: Int) -> Bool {
        Int128(correctlyMatchedLines) * 1_000_000 >= Int128(precisionPartsPerMillion) * Int128(matchedLines)
            && Int128(correctlyExplainedLines) * 1_000_000 >= Int128(recallPartsPerMillion) * Int128(explainableLines)
    }

    public var description: String {
        "precision \(Self.percent(precisionPartsPerMillion)) (\(correctlyMatchedLines)/\(matchedLines) matched lines "
            + "correct), recall \(Self.percent(recallPartsPerMillion)) (\(correctlyExplainedLines)/\(explainableLines) "
            + "explainable lines)"
    }

    static func partsPerMillion(_ part: Int, of whole: Int) -> Int {
        whole <= 0 ? 1_000_000 : Int(Int128(part) * 1_000_000 / Int128(whole))
    }

    /// `999_947` → `"99.9947 %"` (rounded down: a figure never looks better than it is).
    static func percent(_ partsPerMillion: Int) -> String {
        let fraction = String(partsPerMillion % 10_000)
        return "\(partsPerMillion / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction + " %"
    }
}

/// The generator's state; one `add…` method per kind of booking.
struct ScenarioBuilder {
    var random: SplitMix64
    var items: [ReconciliationItem] = []
    var lines: [StatementLine] = []
    var labels: [String: Set<String>] = [:]
    var explainable: Set<String> = []
    var counter = 0
    var parties: [(name: String, account: String)] = []
    /// 2026-01-01: every date is a small offset from it.
    let baseDay = 20_454

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    static let firstWords = [
        "Müller", "Schmidt", "Acme", "Nordwind", "Shanghai Huali", "Alpenblick", "Rossi", "Dupont", "Kowalski",
        "Jansen", "Global Parts", "Bergmann", "Sunrise", "Hoffmann", "Lindqvist", "Okafor", "Tanaka", "Weber",
        "Fischer", "Keller", "Meyer", "Zhang Wei", "Blue Harbour", "Northern Steel", "Carvalho", "Novak",
    ]
    static let secondWords = [
        "Maschinenbau", "Logistics", "Trading", "Holding", "Elektronik", "Consulting", "Foods", "Textil",
        "Software", "Bau", "Industries", "Metallwaren", "Pharma", "Papier", "Optik", "Design",
    ]
    static let suffixes = ["GmbH", "AG", "Ltd", "S.p.A.", "SARL", "BV", "Co., Ltd.", "Inc.", "KG", "Sp. z o.o."]

    mutating func nextID(_ prefix: String) -> String {
        counter += 1
        return prefix + String(counter)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...values.count - 1)] }

    func date(_ day: Int) -> LocalDate {
        // Offsets stay within a few hundred days of 2026: always a valid date.
        (try? LocalDate(daysSinceEpoch: day)) ?? (try! LocalDate(daysSinceEpoch: baseDay))
    }

    mutating func name() -> String { "\(pick(Self.firstWords)) \(pick(Self.secondWords)) \(pick(Self.suffixes))" }

    /// Regular vendors and customers: most items go to one of a few hundred counterparties, so one account
    /// often has several open items at once (what makes the grouped rule and the name rule hard).
    mutating func counterparty() -> (name: String, account: String) {
        if parties.count < 300 || chance(20) {
            let party = (name(), account())
            parties.append(party)
            return party
        }
        return pick(parties)
    }

    mutating func account(_ country: String = "DE") -> String {
        var digits = country + String(int(10...99))
        for _ in 0..<18 { digits += String(int(0...9)) }
        return digits
    }

    mutating func amount(_ currency: Currency = .eur) -> Money {
        Money(minorUnits: Int64(int(10_000...5_000_000)), currency: currency)
    }

    mutating func digits(_ count: Int) -> String { (0..<count).map { _ in String(int(0...9)) }.joined() }

    /// How a bank prints the name: upper case and transliterated, sometimes with a typo or cut at 35.
    mutating func bankSpelling(_ name: String, typo: Bool) -> String {
        var scalars = Array(CounterpartyName.normalised(name))
        if typo, scalars.count > 8 {
            // One letter wrong, after the first few (a typo at the start is rarer and Jaro-Winkler weighs it).
            let position = int(5...scalars.count - 1)
            if scalars[position] != " " { scalars[position] = scalars[position] == "X" ? "Y" : "X" }
        }
        return String(scalars.prefix(35))
    }

    mutating func label(_ line: StatementLine, _ itemIDs: [String], explainable isExplainable: Bool = true) {
        lines.append(line)
        labels[line.id] = Set(itemIDs)
        if isExplainable && !itemIDs.isEmpty { explainable.insert(line.id) }
    }

    mutating func addScenario() {
        let roll = int(0...99)
        switch roll {
        case 0..<30: addOutgoing(withIDs: true)
        case 30..<38: addOutgoing(withIDs: false)
        case 38..<46: addBatch()
        case 46..<60: addCreditorReferenceReceipt()
        case 60..<70: addInvoiceReceipt()
        case 70..<74: addQRReceipt()
        case 74..<80: addReceiptLessFee()
        case 80..<84: addReceiptForSeveralInvoices()
        case 84..<88: addSplitReceipt()
        case 88..<91: addReturn()
        case 91..<96: addUnrelated()
        default: addOpenItemOnly()
        }
    }

    mutating func outgoingItem(day: Int, batch: ReconciliationItem.Batch? = nil, amount: Money? = nil)
        -> ReconciliationItem
    {
        let party = counterparty()
        let item = ReconciliationItem(
            id: nextID("itm_"), direction: .outgoing, amount: amount ?? self.amount(), expectedValueDate: date(day),
            counterpartyName: party.name, counterpartyAccount: party.account, endToEndID: nextID("E2E-"),
            uetr: UUID(uuid: uuidBytes()).uuidString.lowercased(), instructionID: nextID("INSTR-"), batch: batch,
            invoiceNumbers: ["INV-" + digits(6)])
        items.append(item)
        return item
    }

    mutating func uuidBytes() -> uuid_t {
        let a = random.next()
        let b = random.next()
        func byte(_ value: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: value >> (index * 8)) }
        return (
            byte(a, 0), byte(a, 1), byte(a, 2), byte(a, 3), byte(a, 4), byte(a, 5), byte(a, 6), byte(a, 7),
            byte(b, 0), byte(b, 1), byte(b, 2), byte(b, 3), byte(b, 4), byte(b, 5), byte(b, 6), byte(b, 7)
        )
    }

    mutating func valueDay(near day: Int) -> Int { day + int(-2...2) }

    mutating func debitLine(
        _ amount: Money, day: Int, name: String?, account: String?, text: String = "", endToEndIDs: [String] = [],
        uetrs: [String] = []
    ) -> StatementLine {
        let value = valueDay(near: day)
        return StatementLine(
            id: nextID("ln_"), amount: Money(minorUnits: -amount.minorUnits, currency: amount.currency),
            bookingDate: date(value), valueDate: date(value), counterpartyName: name, counterpartyAccount: account,
            remittanceText: text, endToEndIDs: endToEndIDs, uetrs: uetrs, bankReference: nextID("BR"))
    }

    mutating func creditLine(_ amount: Money, day: Int, name: String?, account: String?, text: String) -> StatementLine
    {
        let value = valueDay(near: day)
        return StatementLine(
            id: nextID("ln_"), amount: amount, bookingDate: date(value), valueDate: date(value),
            counterpartyName: name, counterpartyAccount: account, remittanceText: text, bankReference: nextID("BR"))
    }

    /// A single payment; `withIDs` false is a bank that books it without the end-to-end id or UETR.
    mutating func addOutgoing(withIDs: Bool) {
        let day = baseDay + int(0...60)
        let item = outgoingItem(day: day)
        if withIDs {
            let useUETR = chance(15)
            let line = debitLine(
                item.amount, day: day, name: bankSpelling(item.counterpartyName!, typo: chance(20)),
                account: item.counterpartyAccount, endToEndIDs: useUETR ? [] : [item.endToEndID!],
                uetrs: useUETR ? [item.uetr!] : [])
            label(line, [item.id])
        } else {
            // No ids: only the amount, date and counterparty can tell; half the time without the account.
            let withAccount = chance(50)
            let printedName = bankSpelling(item.counterpartyName!, typo: chance(30))
            let line = debitLine(
                item.amount, day: day, name: printedName, account: withAccount ? item.counterpartyAccount : nil,
                text: "PAYMENT")
            let recognisable =
                withAccount
                || CounterpartyName.similarityPerMille(printedName, item.counterpartyName!)
                    >= ReconciliationSettings().nameSimilarityThresholdPerMille
            label(line, [item.id], explainable: recognisable)
        }
    }

    mutating func addBatch() {
        let day = baseDay + int(0...60)
        let batchID = "PMTINF-" + digits(8)
        let amounts = (0..<int(2...5)).map { _ in amount() }
        let total = Money(minorUnits: amounts.reduce(0) { $0 + $1.minorUnits }, currency: .eur)
        let batch = ReconciliationItem.Batch(id: batchID, total: total)
        let members = amounts.map { outgoingItem(day: day, batch: batch, amount: $0) }
        let style = int(0...2)
        let line = debitLine(
            total, day: day, name: nil, account: nil, text: style == 1 ? "SAMMLER " + batchID : "BATCH BOOKING",
            endToEndIDs: style == 0 ? members.map { $0.endToEndID! } : [])
        label(line, members.map(\.id))
    }

    mutating func incomingItem(
        day: Int, amount: Money? = nil, invoiceNumbers: [String] = [], reference: String? = nil
    ) -> ReconciliationItem {
        let party = counterparty()
        let item = ReconciliationItem(
            id: nextID("itm_"), direction: .incoming, amount: amount ?? self.amount(), expectedValueDate: date(day),
            counterpartyName: party.name, counterpartyAccount: party.account, invoiceNumbers: invoiceNumbers,
            creditorReference: reference)
        items.append(item)
        return item
    }

    mutating func addCreditorReferenceReceipt() {
        let day = baseDay + int(0...60)
        let reference = CreditorReference.withCheckDigits(body: digits(int(6...15)))!
        let item = incomingItem(day: day, reference: reference)
        // Printed in groups of four, as on an invoice; sometimes paid only in part or paid too much.
        let printed = stride(from: 0, to: reference.count, by: 4).map { start in
            String(reference.dropFirst(start).prefix(4))
        }.joined(separator: " ")
        var amount = item.amount
        if chance(20) { amount = Money(minorUnits: amount.minorUnits * Int64(int(30...95)) / 100, currency: .eur) }
        let line = creditLine(
            amount, day: day, name: bankSpelling(item.counterpartyName!, typo: chance(30)),
            account: chance(50) ? item.counterpartyAccount : nil, text: "Payment \(printed) thank you")
        label(line, [item.id])
    }

    mutating func addInvoiceReceipt() {
        let day = baseDay + int(0...60)
        let number = digits(int(4...6))
        let item = incomingItem(day: day, invoiceNumbers: ["INV-00" + number])
        let written = pick([
            "inv \(number)", "Rechnung INV00\(number)", "INV-00\(number) / customer 4711",
            "invoice no. INV \(number)",
        ])
        let line = creditLine(
            item.amount, day: day, name: bankSpelling(item.counterpartyName!, typo: chance(30)), account: nil,
            text: written)
        label(line, [item.id])
    }

    mutating func addQRReceipt() {
        let day = baseDay + int(0...60)
        let reference = SwissQRReference.withCheckDigit(digits(26))!
        let item = incomingItem(day: day, amount: amount(.chf), reference: reference)
        // Printed as on a QR-bill: 2 digits, then groups of five.
        let printed =
            ([String(reference.prefix(2))]
            + stride(from: 2, to: 27, by: 5).map { start in
                String(reference.dropFirst(start).prefix(5))
            }).joined(separator: " ")
        let line = creditLine(
            item.amount, day: day, name: bankSpelling(item.counterpartyName!, typo: false), account: nil,
            text: printed)
        label(line, [item.id])
    }

    mutating func addReceiptLessFee() {
        let day = baseDay + int(0...60)
        let item = incomingItem(day: day)
        let fee = Int64(int(50...2_500))
        let line = creditLine(
            Money(minorUnits: item.amount.minorUnits - fee, currency: .eur), day: day,
            name: bankSpelling(item.counterpartyName!, typo: false), account: item.counterpartyAccount,
            text: "TRANSFER")
        label(line, [item.id])
    }

    mutating func addReceiptForSeveralInvoices() {
        let day = baseDay + int(0...60)
        let first = incomingItem(day: day)
        var group = [first]
        for _ in 1..<int(2...3) {
            let item = ReconciliationItem(
                id: nextID("itm_"), direction: .incoming, amount: amount(), expectedValueDate: date(day + int(0...3)),
                counterpartyName: first.counterpartyName, counterpartyAccount: first.counterpartyAccount)
            items.append(item)
            group.append(item)
        }
        let total = Money(minorUnits: group.reduce(0) { $0 + $1.amount.minorUnits }, currency: .eur)
        let line = creditLine(
            total, day: day, name: bankSpelling(first.counterpartyName!, typo: false),
            account: first.counterpartyAccount, text: "SAMMELZAHLUNG")
        label(line, group.map(\.id))
    }

    mutating func addSplitReceipt() {
        let day = baseDay + int(0...60)
        let item = incomingItem(day: day)
        let firstPart = item.amount.minorUnits * Int64(int(20...80)) / 100
        for part in [firstPart, item.amount.minorUnits - firstPart] {
            let line = creditLine(
                Money(minorUnits: part, currency: .eur), day: day,
                name: bankSpelling(item.counterpartyName!, typo: false),
                account: item.counterpartyAccount, text: "TEILZAHLUNG")
            label(line, [item.id])
        }
    }

    mutating func addReturn() {
        let day = baseDay + int(0...60)
        let item = outgoingItem(day: day)
        let debit = debitLine(
            item.amount, day: day, name: nil, account: item.counterpartyAccount,
            endToEndIDs: [item.endToEndID!])
        label(debit, [item.id])
        let value = day + int(3...8)
        let returned = StatementLine(
            id: nextID("ln_"), amount: item.amount, bookingDate: date(value), valueDate: date(value),
            counterpartyAccount: item.counterpartyAccount, remittanceText: "RETURN AC04",
            endToEndIDs: [item.endToEndID!], bankReference: nextID("BR"), isReturn: true, returnReason: "AC04")
        label(returned, [item.id])
    }

    mutating func addUnrelated() {
        let day = baseDay + int(0...60)
        switch int(0...2) {
        case 0:
            label(
                debitLine(
                    Money(minorUnits: Int64(int(100...5_000)), currency: .eur), day: day, name: nil,
                    account: nil, text: "ACCOUNT MAINTENANCE FEE"), [])
        case 1:
            label(
                creditLine(
                    Money(minorUnits: Int64(int(1...20_000)), currency: .eur), day: day, name: nil,
                    account: nil, text: "INTEREST"), [])
        default:
            label(
                creditLine(
                    amount(), day: day, name: bankSpelling(name(), typo: false), account: account("FR"),
                    text: "UNKNOWN " + digits(3)), [])
        }
    }

    mutating func addOpenItemOnly() {
        let day = baseDay + int(0...60)
        if chance(50) {
            _ = outgoingItem(day: day)
        } else {
            _ = incomingItem(day: day, invoiceNumbers: ["INV-" + digits(7)])
        }
    }
}
