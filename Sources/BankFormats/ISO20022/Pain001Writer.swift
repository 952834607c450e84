import Foundation
import PayHubDomain

/// The input of `payhub format pain001`, exactly as `format-json.md` ("Writing pain.001") shows it:
/// snake_case keys, amounts as decimal strings. Fields are optional here so that a missing one is a
/// validation problem naming its path, not a decoding failure.
public struct Pain001Input: Decodable, Sendable, Hashable {
    public var messageID: String?
    public var initiatingParty: Party?
    public var instructions: [Instruction]

    public struct Party: Decodable, Sendable, Hashable {
        public var name: String?
        public init(name: String?) { self.name = name }
        enum CodingKeys: String, CodingKey { case name }
    }

    public struct Debtor: Decodable, Sendable, Hashable {
        public var name: String?
        public var iban: String?
        public var bic: String?
        public init(name: String?, iban: String?, bic: String? = nil) {
            self.name = name
            self.iban = iban
            self.bic = bic
        }
        enum CodingKeys: String, CodingKey { case name, iban, bic }
    }

    public struct Creditor: Decodable, Sendable, Hashable {
        public var name: String?
        public var iban: String?
        public var bic: String?
        public var country: String?
        public var addressLines: [String]?
        public init(name: String?, iban: String?, bic: String? = nil, country: String? = nil, addressLines: [String]? = nil) {
            self.name = name
            self.iban = iban
            self.bic = bic
            self.country = country
            self.addressLines = addressLines
        }
        enum CodingKeys: String, CodingKey {
            case name, iban, bic, country
            case addressLines = "address_lines"
        }
    }

    public struct Instruction: Decodable, Sendable, Hashable {
        public var endToEndID: String?
        public var instructionID: String?
        public var amount: String?
        public var currency: String?
        public var requestedExecutionDate: String?
        public var debtor: Debtor?
        public var creditor: Creditor?
        public var remittance: String?
        /// The SWIFT gpi Unique End-to-end Transaction Reference (a lowercase UUID v4) that CBPR+ asks of
        /// cross-border payments; pain.001.001.09 only (001.001.03 has no place for it).
        public var uetr: String?
        /// `INST` for SEPA Instant Credit Transfer (EUR only): such payments get their own `PmtInf` with
        /// local instrument `INST`, since a file block has one payment type.
        public var localInstrument: String?
        /// The `PmtInfId` of the block this instruction goes into, when the caller assigned it (PayHub
        /// stores it before sending, so a re-send names its blocks the same). Instructions with different
        /// ids never share a block. Not part of the JSON input: without it, blocks are named
        /// message id, `-`, and their number.
        public var paymentInformationID: String? = nil

        public init(
            endToEndID: String?, instructionID: String? = nil, amount: String?, currency: String?,
            requestedExecutionDate: String?, debtor: Debtor?, creditor: Creditor?, remittance: String? = nil,
            uetr: String? = nil, localInstrument: String? = nil, paymentInformationID: String? = nil
        ) {
            self.paymentInformationID = paymentInformationID
            self.endToEndID = endToEndID
            self.instructionID = instructionID
            self.amount = amount
            self.currency = currency
            self.requestedExecutionDate = requestedExecutionDate
            self.debtor = debtor
            self.creditor = creditor
            self.remittance = remittance
            self.uetr = uetr
            self.localInstrument = localInstrument
        }

        enum CodingKeys: String, CodingKey {
            case amount, currency, debtor, creditor, remittance, uetr
            case endToEndID = "end_to_end_id"
            case localInstrument = "local_instrument"
            case instructionID = "instruction_id"
            case requestedExecutionDate = "requested_execution_date"
        }
    }

    public init(messageID: String?, initiatingParty: Party?, instructions: [Instruction]) {
        self.messageID = messageID
        self.initiatingParty = initiatingParty
        self.instructions = instructions
    }

    enum CodingKeys: String, CodingKey {
        case instructions
        case messageID = "message_id"
        case initiatingParty = "initiating_party"
    }
}

/// Writes pain.001 customer credit transfer initiations (001.001.09 and 001.001.03) from a flat list of
/// instructions.
///
/// Instructions are grouped into one `PmtInf` per (debtor IBAN, requested execution date, currency, local
/// instrument: `INST` for SEPA Instant, which gets `LclInstrm/Cd` `INST`), in
/// the order each group first appears; `PmtInfId` is the message id, `-` and the group's number from 1.
/// `NbOfTxs` and `CtrlSum` are filled for the group header (the plain sum of all amounts, as the schema
/// defines it) and for each `PmtInf` (in the currency's decimals). EUR payments are SEPA: service level
/// `SEPA`, charges `SLEV`, and their identifiers restricted to the SEPA character set
/// (`a-z A-Z 0-9 / - ? : ( ) . , ' +` and space); other currencies use charges `SHAR`. Every text of a
/// EUR payment — ids, names, address lines, remittance, and the initiating party's name when any payment
/// is in EUR — must be in that set, or the input is refused with the offending character named; with
/// `transliterate: true` the free texts (not the ids) are transliterated instead, as
/// ``sepaTransliterated(_:)`` documents. Other currencies take any Unicode text the schema allows.
///
/// Invalid input is refused as a whole: ``write(_:version:createdAt:)`` throws a ``ValidationFailure``
/// holding every problem, each named by its path (`instructions[2].creditor.iban`, 0-based).
///
/// Output is deterministic (the same input and `createdAt` give the same bytes), UTF-8, indented by two
/// spaces, and valid against the official XSDs.
public enum Pain001Writer {
    public enum Version: String, Sendable, CaseIterable {
        case v09 = "001.001.09"
        case v03 = "001.001.03"

        public var namespace: String { "urn:iso:std:iso:20022:tech:xsd:pain.\(rawValue)" }
    }

    /// `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx` in lowercase hex, as the 001.001.09 schema's UUIDv4
    /// pattern and CBPR+ require.
    static func isUETR(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        let hex = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23: guard byte == UInt8(ascii: "-") else { return false }
            case 14: guard byte == UInt8(ascii: "4") else { return false }
            case 19: guard [UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(byte) else { return false }
            default: guard hex(byte) else { return false }
            }
        }
        return true
    }

    /// Longest name SEPA allows (the schema allows 140).
    public static let nameMax = 70
    /// Longest unstructured remittance line.
    public static let remittanceMax = 140
    /// `Max35Text`: message, payment, instruction and end-to-end ids.
    public static let idMax = 35
    /// Address lines allowed per creditor, and their length.
    public static let addressLinesMax = 2
    public static let addressLineMax = 70

    // MARK: - Validation

    /// Every problem with `input`, in input order; empty when it can be written.
    ///
    /// With `transliterate`, the free texts of EUR payments (names, address lines, remittance) are first
    /// brought into the SEPA character set as ``sepaTransliterated(_:)`` documents, so only what is
    /// still wrong after that (lengths, ids) is a problem.
    public static func validate(_ input: Pain001Input, version: Version = .v09, transliterate: Bool = false) -> [FieldError] {
        validated(prepared(input, transliterate: transliterate), version: version).errors
    }

    /// Checks `input` and writes the XML document, or throws every problem found.
    public static func write(
        _ input: Pain001Input, version: Version, createdAt: String, transliterate: Bool = false
    ) throws(ValidationFailure) -> Data {
        let result = validated(prepared(input, transliterate: transliterate), version: version)
        var errors = result.errors
        if !isDateTime(createdAt) {
            errors.append(FieldError(path: "created_at", code: "invalid_date_time", message: "creation time must be an ISO 8601 date and time such as 2024-01-02T10:00:00Z"))
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return render(result, version: version, createdAt: createdAt)
    }

    /// Checks `input` and writes the XML document to `sink` in chunks of about 64 KiB as it is made, so
    /// the file is never in memory whole. Nothing reaches the sink unless the whole input is valid: a
    /// ``ValidationFailure`` with every problem is thrown first. An error the sink throws stops the
    /// writing and is rethrown; what the sink got by then is an incomplete document.
    public static func write(
        _ input: Pain001Input, version: Version, createdAt: String, transliterate: Bool = false,
        to sink: @escaping (Data) throws -> Void
    ) throws {
        let result = validated(prepared(input, transliterate: transliterate), version: version)
        var errors = result.errors
        if !isDateTime(createdAt) {
            errors.append(FieldError(path: "created_at", code: "invalid_date_time", message: "creation time must be an ISO 8601 date and time such as 2024-01-02T10:00:00Z"))
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        var out = ISOXMLText(flushingTo: sink)
        render(result, version: version, createdAt: createdAt, into: &out)
        try out.finish()
    }

    /// `input` with the free texts of EUR payments transliterated when asked; ids are never changed.
    static func prepared(_ input: Pain001Input, transliterate: Bool) -> Pain001Input {
        guard transliterate else { return input }
        var result = input
        if input.instructions.contains(where: { $0.currency == "EUR" }) {
            if var party = input.initiatingParty {
                party.name = party.name.map(sepaTransliterated)
                result.initiatingParty = party
            }
        }
        for index in result.instructions.indices where result.instructions[index].currency == "EUR" {
            var instruction = result.instructions[index]
            if var debtor = instruction.debtor {
                debtor.name = debtor.name.map(sepaTransliterated)
                instruction.debtor = debtor
            }
            if var creditor = instruction.creditor {
                creditor.name = creditor.name.map(sepaTransliterated)
                creditor.addressLines = creditor.addressLines?.map(sepaTransliterated)
                instruction.creditor = creditor
            }
            instruction.remittance = instruction.remittance.map(sepaTransliterated)
            result.instructions[index] = instruction
        }
        return result
    }

    /// Brings `text` into the SEPA character set (`a-z A-Z 0-9 / - ? : ( ) . , ' +` and space), the
    /// documented transliteration of `--transliterate`:
    /// - German umlauts and ß become `ae oe ue Ae Oe Ue ss`; `Æ æ Œ œ Ø ø Ł ł Đ đ Þ þ` become
    ///   `AE ae OE oe O o L l D d TH th`;
    /// - any other letter with diacritics loses them (`é` → `e`, `Ç` → `C`);
    /// - `&` becomes `+`, `_` becomes `-`, `"` becomes `'`, `[ {` and `] }` become `(` and `)`;
    /// - every other character outside the set (and every control character) becomes `.`.
    ///
    /// The result can be longer than the input (`ä` → `ae`); lengths are checked after transliteration.
    public static func sepaTransliterated(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "ä": out += "ae"
            case "ö": out += "oe"
            case "ü": out += "ue"
            case "Ä": out += "Ae"
            case "Ö": out += "Oe"
            case "Ü": out += "Ue"
            case "ß": out += "ss"
            case "Æ": out += "AE"
            case "æ": out += "ae"
            case "Œ": out += "OE"
            case "œ": out += "oe"
            case "Ø": out += "O"
            case "ø": out += "o"
            case "Ł": out += "L"
            case "ł": out += "l"
            case "Đ": out += "D"
            case "đ": out += "d"
            case "Þ": out += "TH"
            case "þ": out += "th"
            case "&": out += "+"
            case "_": out += "-"
            case "\"": out += "'"
            case "[", "{": out += "("
            case "]", "}": out += ")"
            default:
                let folded = String(character).decomposedStringWithCanonicalMapping.unicodeScalars
                    .filter { !(0x0300...0x036F).contains($0.value) }
                if !folded.isEmpty, folded.allSatisfy(isSEPA) {
                    out.unicodeScalars.append(contentsOf: folded)
                } else {
                    out += "."
                }
            }
        }
        return out
    }

    /// One checked instruction: what checking it produced (the amount, the IBANs and BICs in their
    /// normal form); everything else is written as the input has it. Kept small on purpose: a file of
    /// 100,000 transactions holds one of these per transaction while it is written.
    struct Checked {
        var index: Int
        var money: Money
        var debtorIBAN: String
        var debtorBIC: String?
        var creditorIBAN: String
        var creditorBIC: String?
    }

    /// A checked instruction together with its input, as the writer reads it. It holds the input's
    /// array, not a copy of the instruction: fields are read in place.
    struct Row {
        let checked: Checked
        let all: [Pain001Input.Instruction]

        var endToEndID: String { all[checked.index].endToEndID ?? "" }
        var instructionID: String? { all[checked.index].instructionID }
        var uetr: String? { all[checked.index].uetr }
        var localInstrument: String? { all[checked.index].localInstrument }
        var paymentInformationID: String? { all[checked.index].paymentInformationID }
        var money: Money { checked.money }
        var date: String { all[checked.index].requestedExecutionDate ?? "" }
        var debtorName: String { all[checked.index].debtor?.name ?? "" }
        var debtorIBAN: String { checked.debtorIBAN }
        var debtorBIC: String? { checked.debtorBIC }
        var creditorName: String { all[checked.index].creditor?.name ?? "" }
        var creditorIBAN: String { checked.creditorIBAN }
        var creditorBIC: String? { checked.creditorBIC }
        var country: String? { all[checked.index].creditor?.country }
        var addressLines: [String] { all[checked.index].creditor?.addressLines ?? [] }
        var remittance: String? { all[checked.index].remittance.flatMap { $0.isEmpty ? nil : $0 } }
    }

    struct Validated {
        var errors: [FieldError] = []
        var messageID = ""
        var initiatingParty = ""
        /// The input as checked (transliterated, when asked).
        var source = Pain001Input(messageID: nil, initiatingParty: nil, instructions: [])
        var checked: [Checked] = []

        var count: Int { checked.count }
        func row(_ position: Int) -> Row { Row(checked: checked[position], all: source.instructions) }
    }

    static func validated(_ input: Pain001Input, version: Version) -> Validated {
        var result = Validated()
        result.source = input
        result.checked.reserveCapacity(input.instructions.count)
        var collector = FieldErrorCollector()

        let messageID = input.messageID ?? ""
        if messageID.isEmpty {
            collector.add("message_id", code: "missing", "message id is required")
        } else {
            text(messageID, "message_id", max: idMax, sepa: true, into: &collector)
        }
        result.messageID = messageID
        let party = input.initiatingParty?.name ?? ""
        if party.isEmpty {
            collector.add("initiating_party.name", code: "missing", "initiating party name is required")
        } else {
            let anyEUR = input.instructions.contains { $0.currency == "EUR" }
            text(party, "initiating_party.name", max: nameMax, sepa: anyEUR, into: &collector)
        }
        result.initiatingParty = party
        if input.instructions.isEmpty {
            collector.add("instructions", code: "missing", "at least one instruction is required")
        }

        // The first instruction of each group: its debtor name and BIC are the PmtInf's, so the others must agree.
        var groups: [GroupKey: (index: Int, checked: Row)] = [:]
        var identifiers = IdentifierMemo()
        for (index, instruction) in input.instructions.enumerated() {
            // Made only when there is an error to report.
            func path() -> String { "instructions[\(index)]" }
            if let checkedInstruction = check(
                instruction, index: index, path: path(), version: version, identifiers: &identifiers, into: &collector)
            {
                result.checked.append(checkedInstruction)
                let checked = Row(checked: checkedInstruction, all: input.instructions)
                let key = GroupKey(
                    iban: checked.debtorIBAN, date: checked.date, currency: checked.money.currency.code,
                    localInstrument: checked.localInstrument, paymentInformationID: checked.paymentInformationID)
                if let first = groups[key] {
                    if first.checked.debtorName != checked.debtorName {
                        collector.add(
                            path() + ".debtor.name", code: "inconsistent_debtor",
                            "debtor name differs from instructions[\(first.index)], which has the same debtor IBAN, date and currency")
                    }
                    if first.checked.debtorBIC != checked.debtorBIC {
                        collector.add(
                            path() + ".debtor.bic", code: "inconsistent_debtor",
                            "debtor BIC differs from instructions[\(first.index)], which has the same debtor IBAN, date and currency")
                    }
                } else {
                    groups[key] = (index, checked)
                }
            }
        }
        // PmtInfId = MsgId + "-" + n must still fit Max35Text.
        if !messageID.isEmpty, messageID.count <= idMax, messageID.count + 1 + String(max(groups.count, 1)).count > idMax {
            collector.add(
                "message_id", code: "too_long",
                "message id leaves no room for the payment number: at most \(idMax - 1 - String(max(groups.count, 1)).count) characters with \(groups.count) payment blocks")
        }
        result.errors = collector.errors
        return result
    }

    /// IBANs and BICs already checked in this file: a hundred thousand payments go to a few thousand
    /// accounts, from a handful, and each is validated once.
    struct IdentifierMemo {
        var ibans: [String: Result<IBAN, IdentifierError>] = [:]
        var bics: [String: Result<BIC, IdentifierError>] = [:]

        mutating func iban(_ text: String) throws(IdentifierError) -> IBAN {
            if let known = ibans[text] { return try known.get() }
            let result = Result { () throws(IdentifierError) in try IBAN(text) }
            ibans[text] = result
            return try result.get()
        }

        mutating func bic(_ text: String) throws(IdentifierError) -> BIC {
            if let known = bics[text] { return try known.get() }
            let result = Result { () throws(IdentifierError) in try BIC(text) }
            bics[text] = result
            return try result.get()
        }
    }

    static func check(
        _ instruction: Pain001Input.Instruction, index: Int, path: @autoclosure () -> String, version: Version,
        identifiers: inout IdentifierMemo, into collector: inout FieldErrorCollector
    ) -> Checked? {
        let before = collector.errors.count

        var currency: Currency?
        if let code = instruction.currency, !code.isEmpty {
            currency = collector.check(path() + ".currency", code: { $0.code.rawValue }) { () throws(CurrencyError) in
                try Currency(code: code)
            }
        } else {
            collector.add(path() + ".currency", code: "missing", "currency is required")
        }
        let isEUR = currency?.code == "EUR"

        if let blockID = instruction.paymentInformationID {
            text(blockID, path() + ".payment_information_id", max: idMax, sepa: isEUR, into: &collector)
        }
        let endToEndID = instruction.endToEndID ?? ""
        if endToEndID.isEmpty {
            collector.add(path() + ".end_to_end_id", code: "missing", "end-to-end id is required")
        } else {
            text(endToEndID, path() + ".end_to_end_id", max: idMax, sepa: isEUR, into: &collector)
            let slash = UInt8(ascii: "/")
            if isEUR,
                endToEndID.utf8.first == slash || endToEndID.utf8.last == slash
                    || zip(endToEndID.utf8, endToEndID.utf8.dropFirst()).contains(where: { $0 == slash && $1 == slash })
            {
                collector.add(
                    path() + ".end_to_end_id", code: "sepa_character_set",
                    "end-to-end id must not start or end with '/' or contain '//' (SEPA)")
            }
        }
        if let instrument = instruction.localInstrument, instrument != "INST" || !isEUR {
            collector.add(
                path() + ".local_instrument", code: "invalid_local_instrument",
                "the only local instrument is INST (SEPA Instant), for EUR payments")
        }
        if let uetr = instruction.uetr {
            if version == .v03 {
                collector.add(path() + ".uetr", code: "not_in_version", "pain.001.001.03 has no UETR; write 001.001.09")
            } else if !Self.isUETR(uetr) {
                collector.add(path() + ".uetr", code: "invalid_uetr", "UETR must be a lowercase UUID version 4")
            }
        }
        if let id = instruction.instructionID {
            if id.isEmpty {
                collector.add(path() + ".instruction_id", code: "empty", "instruction id must not be empty (leave it out or null)")
            } else {
                text(id, path() + ".instruction_id", max: idMax, sepa: isEUR, into: &collector)
            }
        }

        var money: Money?
        if let amount = instruction.amount, !amount.isEmpty {
            if let currency {
                money = collector.check(path() + ".amount", code: { $0.code.rawValue }) { () throws(MoneyError) in
                    try Money(parsing: amount, currency: currency)
                }
                if let value = money {
                    if !value.isPositive {
                        collector.add(path() + ".amount", code: "not_positive", "amount must be greater than zero")
                        money = nil
                    } else if value.minorUnits > 999_999_999_999_999_999 {
                        collector.add(path() + ".amount", code: "amount_out_of_range", "amount has more than 18 digits")
                        money = nil
                    }
                }
            }
        } else {
            collector.add(path() + ".amount", code: "missing", "amount is required")
        }

        let date = instruction.requestedExecutionDate ?? ""
        if date.isEmpty {
            collector.add(path() + ".requested_execution_date", code: "missing", "requested execution date is required")
        } else {
            _ = collector.check(path() + ".requested_execution_date", code: { _ in "invalid_date" }) { () throws(LocalDateError) in
                try LocalDate(iso8601: date)
            }
        }

        // Debtor.
        var debtorIBAN: IBAN?
        var debtorBIC: String?
        func debtorPath() -> String { path() + ".debtor" }
        if let debtor = instruction.debtor {
            name(debtor.name, debtorPath() + ".name", "debtor", sepa: isEUR, into: &collector)
            debtorIBAN = iban(debtor.iban, debtorPath() + ".iban", identifiers: &identifiers, into: &collector)
            debtorBIC = bic(debtor.bic, debtorPath() + ".bic", version: version, identifiers: &identifiers, into: &collector)
        } else {
            collector.add(debtorPath(), code: "missing", "debtor is required")
        }

        // Creditor.
        var creditorIBAN: IBAN?
        var creditorBIC: String?
        func creditorPath() -> String { path() + ".creditor" }
        if let creditor = instruction.creditor {
            name(creditor.name, creditorPath() + ".name", "creditor", sepa: isEUR, into: &collector)
            creditorIBAN = iban(creditor.iban, creditorPath() + ".iban", identifiers: &identifiers, into: &collector)
            creditorBIC = bic(creditor.bic, creditorPath() + ".bic", version: version, identifiers: &identifiers, into: &collector)
            if let code = creditor.country {
                if code.count != 2 || !code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) {
                    collector.add(creditorPath() + ".country", code: "invalid_country", "country must be two capital letters (ISO 3166-1 alpha-2)")
                }
            }
            let lines = creditor.addressLines ?? []
            if lines.count > addressLinesMax {
                collector.add(
                    creditorPath() + ".address_lines", code: "too_many",
                    "at most \(addressLinesMax) address lines are allowed, got \(lines.count)")
            }
            for (lineIndex, line) in lines.enumerated() {
                func linePath() -> String { creditorPath() + ".address_lines[\(lineIndex)]" }
                if line.isEmpty {
                    collector.add(linePath(), code: "empty", "address line must not be empty")
                } else {
                    text(line, linePath(), max: addressLineMax, sepa: isEUR, into: &collector)
                }
            }
        } else {
            collector.add(creditorPath(), code: "missing", "creditor is required")
        }

        if let remittance = instruction.remittance, !remittance.isEmpty {
            text(remittance, path() + ".remittance", max: remittanceMax, sepa: isEUR, into: &collector)
        }

        guard collector.errors.count == before, let money, let debtorIBAN, let creditorIBAN else { return nil }
        return Checked(
            index: index, money: money, debtorIBAN: debtorIBAN.value, debtorBIC: debtorBIC,
            creditorIBAN: creditorIBAN.value, creditorBIC: creditorBIC)
    }

    static func name(_ value: String?, _ path: @autoclosure () -> String, _ who: String, sepa: Bool, into collector: inout FieldErrorCollector) {
        guard let value, !isBlank(value) else {
            collector.add(path(), code: "missing", "\(who) name is required")
            return
        }
        text(value, path(), max: nameMax, sepa: sepa, into: &collector)
    }

    static func iban(
        _ value: String?, _ path: @autoclosure () -> String, identifiers: inout IdentifierMemo,
        into collector: inout FieldErrorCollector
    ) -> IBAN? {
        guard let value, !value.isEmpty else {
            collector.add(path(), code: "missing", "IBAN is required")
            return nil
        }
        return collector.check(path(), code: { $0.code.rawValue }) { () throws(IdentifierError) in try identifiers.iban(value) }
    }

    /// A BIC in capitals, or nil when none is given. 001.001.03 allows only the pre-2018 pattern (letters
    /// in the first six places).
    static func bic(
        _ value: String?, _ path: @autoclosure () -> String, version: Version, identifiers: inout IdentifierMemo,
        into collector: inout FieldErrorCollector
    ) -> String? {
        guard let value, !value.isEmpty else { return nil }
        guard let parsed = collector.check(path(), code: { $0.code.rawValue }, { () throws(IdentifierError) in try identifiers.bic(value) })
        else { return nil }
        if version == .v03, !parsed.value.prefix(6).unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) {
            collector.add(path(), code: "invalid_character", "BIC must start with six letters in pain.001.001.03")
            return nil
        }
        return parsed.value
    }

    /// Checks length (in characters), XML-representable characters and, when `sepa`, the SEPA character set.
    static func text(
        _ value: String, _ path: @autoclosure () -> String, max: Int, sepa: Bool, into collector: inout FieldErrorCollector
    ) {
        // The field's name for a message (`end_to_end_id` → "end to end id"), only when there is one to write.
        var label: String { P002Check.label(path()) }
        // No more bytes than the limit means no more characters either; counting characters is slower.
        if value.utf8.count > max && value.count > max {
            collector.add(path(), code: "too_long", "\(label) must have at most \(max) characters, got \(value.count)")
        }
        // Plain ASCII that the set allows, the usual case, is settled in one pass over the bytes.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && (!sepa || isSEPA(Unicode.Scalar($0))) }) { return }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0xFFFE...0xFFFF).contains($0.value) }) {
            collector.add(path(), code: "invalid_character", "\(label) contains a control character")
        } else if sepa, let bad = value.unicodeScalars.first(where: { !isSEPA($0) }) {
            let shown = bad.properties.isWhitespace ? String(format: "U+%04X", bad.value) : "'\(bad)'"
            collector.add(
                path(), code: "sepa_character_set",
                "\(label) contains \(shown), outside the SEPA character set (a-z A-Z 0-9 / - ? : ( ) . , ' + space)"
                    + (isFreeText(path()) ? "; transliteration (--transliterate) can replace it" : ""))
        }
    }

    /// Empty or only whitespace; ASCII is looked at byte by byte, anything else as Foundation sees it.
    static func isBlank(_ value: String) -> Bool {
        for byte in value.utf8 {
            if byte >= 0x80 { return value.trimmingCharacters(in: .whitespaces).isEmpty }
            if byte != 0x20 && byte != 0x09 { return false }
        }
        return true
    }

    /// Names, address lines and remittance: what transliteration rewrites (never ids).
    static func isFreeText(_ path: String) -> Bool {
        path.hasSuffix(".name") || path.hasSuffix(".remittance") || path.contains(".address_lines[")
    }

    static func isSEPA(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "/", "-", "?", ":", "(", ")", ".", ",", "'", "+", " ": true
        default: false
        }
    }

    static func isDateTime(_ text: String) -> Bool {
        // YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 19, scalars[10] == "T",
            (try? LocalDate(iso8601: String(String.UnicodeScalarView(scalars[0..<10])))) != nil
        else { return false }
        let digits: Set<Int> = [11, 12, 14, 15, 17, 18]
        for position in 11..<19 {
            let scalar = scalars[position]
            if digits.contains(position) {
                guard ("0"..."9").contains(scalar) else { return false }
            } else if scalar != ":" {
                return false
            }
        }
        return true
    }

    struct GroupKey: Hashable {
        var iban: String
        var date: String
        var currency: String
        var localInstrument: String?
        var paymentInformationID: String? = nil
    }

    // MARK: - Rendering

    static func render(_ input: Validated, version: Version, createdAt: String) -> Data {
        var out = ISOXMLText()
        render(input, version: version, createdAt: createdAt, into: &out)
        return out.data
    }

    static func render(_ input: Validated, version: Version, createdAt: String, into out: inout ISOXMLText) {
        // Group in order of first appearance.
        var order: [GroupKey] = []
        var members: [GroupKey: [Int]] = [:]
        for index in 0..<input.count {
            let instruction = input.row(index)
            let key = GroupKey(
                iban: instruction.debtorIBAN, date: instruction.date, currency: instruction.money.currency.code,
                localInstrument: instruction.localInstrument, paymentInformationID: instruction.paymentInformationID)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(index)
        }

        var total = ExactDecimal.zero
        var totalScale = 0
        for instruction in input.checked {
            // Int64 minor units cannot overflow Int128 for any realistic count of instructions.
            total = total.adding(ExactDecimal(instruction.money)) ?? total
            totalScale = max(totalScale, instruction.money.currency.minorUnits)
        }

        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.raw("<Document xmlns=\"\(version.namespace)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n")
        out.open("CstmrCdtTrfInitn", 1)
        out.open("GrpHdr", 2)
        out.leaf("MsgId", input.messageID, 3)
        out.leaf("CreDtTm", createdAt, 3)
        out.leaf("NbOfTxs", String(input.count), 3)
        out.leaf("CtrlSum", total.formatted(minimumScale: totalScale), 3)
        out.open("InitgPty", 3)
        out.leaf("Nm", input.initiatingParty, 4)
        out.close("InitgPty", 3)
        out.close("GrpHdr", 2)

        let bicTag = version == .v09 ? "BICFI" : "BIC"
        for (number, key) in order.enumerated() {
            let indices = members[key] ?? []
            let first = input.row(indices[0])
            let currency = first.money.currency
            let amountAttributes = " Ccy=\"\(currency.code)\""
            let isEUR = currency.code == "EUR"
            var sum = ExactDecimal.zero
            for index in indices { sum = sum.adding(ExactDecimal(input.checked[index].money)) ?? sum }

            out.open("PmtInf", 2)
            out.leaf("PmtInfId", key.paymentInformationID ?? "\(input.messageID)-\(number + 1)", 3)
            out.leaf("PmtMtd", "TRF", 3)
            out.leaf("BtchBookg", "true", 3)
            out.leaf("NbOfTxs", String(indices.count), 3)
            out.leaf("CtrlSum", sum.formatted(minimumScale: currency.minorUnits), 3)
            if isEUR {
                out.open("PmtTpInf", 3)
                out.open("SvcLvl", 4)
                out.leaf("Cd", "SEPA", 5)
                out.close("SvcLvl", 4)
                if let instrument = key.localInstrument {
                    out.open("LclInstrm", 4)
                    out.leaf("Cd", instrument, 5)
                    out.close("LclInstrm", 4)
                }
                out.close("PmtTpInf", 3)
            }
            if version == .v09 {
                out.open("ReqdExctnDt", 3)
                out.leaf("Dt", key.date, 4)
                out.close("ReqdExctnDt", 3)
            } else {
                out.leaf("ReqdExctnDt", key.date, 3)
            }
            out.open("Dbtr", 3)
            out.leaf("Nm", first.debtorName, 4)
            out.close("Dbtr", 3)
            out.open("DbtrAcct", 3)
            out.open("Id", 4)
            out.leaf("IBAN", key.iban, 5)
            out.close("Id", 4)
            out.close("DbtrAcct", 3)
            out.open("DbtrAgt", 3)
            out.open("FinInstnId", 4)
            if let bic = first.debtorBIC {
                out.leaf(bicTag, bic, 5)
            } else {
                out.open("Othr", 5)
                out.leaf("Id", "NOTPROVIDED", 6)
                out.close("Othr", 5)
            }
            out.close("FinInstnId", 4)
            out.close("DbtrAgt", 3)
            out.leaf("ChrgBr", isEUR ? "SLEV" : "SHAR", 3)

            for index in indices {
                let transaction = input.row(index)
                out.open("CdtTrfTxInf", 3)
                out.open("PmtId", 4)
                if let id = transaction.instructionID { out.leaf("InstrId", id, 5) }
                out.leaf("EndToEndId", transaction.endToEndID, 5)
                if let uetr = transaction.uetr { out.leaf("UETR", uetr, 5) }
                out.close("PmtId", 4)
                out.open("Amt", 4)
                out.leaf("InstdAmt", transaction.money.decimalString, 5, attributes: amountAttributes)
                out.close("Amt", 4)
                if let bic = transaction.creditorBIC {
                    out.open("CdtrAgt", 4)
                    out.open("FinInstnId", 5)
                    out.leaf(bicTag, bic, 6)
                    out.close("FinInstnId", 5)
                    out.close("CdtrAgt", 4)
                }
                out.open("Cdtr", 4)
                out.leaf("Nm", transaction.creditorName, 5)
                if transaction.country != nil || !transaction.addressLines.isEmpty {
                    out.open("PstlAdr", 5)
                    if let country = transaction.country { out.leaf("Ctry", country, 6) }
                    for line in transaction.addressLines { out.leaf("AdrLine", line, 6) }
                    out.close("PstlAdr", 5)
                }
                out.close("Cdtr", 4)
                out.open("CdtrAcct", 4)
                out.open("Id", 5)
                out.leaf("IBAN", transaction.creditorIBAN, 6)
                out.close("Id", 5)
                out.close("CdtrAcct", 4)
                if let remittance = transaction.remittance {
                    out.open("RmtInf", 4)
                    out.leaf("Ustrd", remittance, 5)
                    out.close("RmtInf", 4)
                }
                out.close("CdtTrfTxInf", 3)
            }
            out.close("PmtInf", 2)
        }
        out.close("CstmrCdtTrfInitn", 1)
        out.raw("</Document>\n")
    }
}
