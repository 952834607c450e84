import Foundation
import PayHubDomain

/// One thing `payhub format validate` found wrong with a file.
public struct ValidationProblem: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable {
        /// The official XSD rejects it.
        case schema
        /// PayHub's checks of what the file says: sums, balances, check digits.
        case content
    }

    public var source: Source
    /// `xsd`, `balance_mismatch`, `control_sum_mismatch`, `record_count_mismatch`, `schema_deviation`,
    /// `lenient_date`, `invalid_identifier`, `schema_unusable`.
    public var code: String
    /// `line 12`, `statement 1, entry 4`, `payment 2, transaction 1`…
    public var location: String?
    public var message: String

    public init(source: Source, code: String, location: String?, message: String) {
        self.source = source
        self.code = code
        self.location = location
        self.message = message
    }
}

/// What validating a file found.
public struct ValidationReport: Sendable, Hashable {
    /// As `parse` reports it: `camt.053.001.08`, `mt940`, `pain.001.001.03`…
    public var format: String
    /// The XSD the file was checked against, nil when it is not XML or PayHub ships no schema for it.
    public var schema: String?
    /// Things a reader should know that are not problems (which checks could not run, and why).
    public var notes: [String]
    public var problems: [ValidationProblem]

    public var isValid: Bool { problems.isEmpty }
}

/// `payhub format validate`: a file is valid when the official XSD accepts it (XML formats, where
/// PayHub ships the schema of the message's version) and what it says holds together — control sums
/// and counts, opening balance plus entries equals closing, IBAN and BIC check digits — and it needed
/// no leniency to be read. A file that cannot be read at all is a ``FormatError``, as for `parse`.
public enum BankFileValidator {
    public static func validate(_ data: Data, format: BankFileFormat? = nil) throws(FormatError) -> ValidationReport {
        let parsed = try BankFileReader.parse(data, format: format)
        var report = ValidationReport(format: parsed.formatName, schema: nil, notes: [], problems: [])
        report.problems += parsed.warnings.map { warning in
            ValidationProblem(
                source: .content, code: warning.code.rawValue,
                location: warning.statement.map { "statement \($0 + 1)" }, message: warning.message)
        }
        switch parsed {
        case .statement(let document): report.problems += IdentifierChecks.statement(document)
        case .paymentInitiation(let initiation): report.problems += IdentifierChecks.initiation(initiation)
        case .paymentStatus: break
        }
        if parsed.isXML {
            let namespace = XMLNamespaceProbe.messageNamespace(of: data)
            if let namespace, let schema = ISOSchema.forNamespace(namespace) {
                report.schema = schema.fileName
                report.problems = XSDValidator.validate(data, against: schema) + report.problems
            } else {
                let which = namespace.map { "the namespace \($0)" } ?? "a message without a namespace"
                report.notes.append("PayHub ships no XSD for \(which); the file was checked by content only")
            }
        }
        return report
    }
}

extension ParsedBankFile {
    var formatName: String {
        switch self {
        case .statement(let document): document.format
        case .paymentStatus(let report): report.format
        case .paymentInitiation(let initiation): initiation.format
        }
    }

    var isXML: Bool {
        switch self {
        case .statement(let document): document.format.hasPrefix("camt.")
        case .paymentStatus, .paymentInitiation: true
        }
    }
}

/// IBANs and BICs the file names, checked as PayHub checks its own (ISO 13616 mod-97, ISO 9362).
enum IdentifierChecks {
    static func statement(_ document: StatementDocument) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        for (index, statement) in document.statements.enumerated() {
            let place = "statement \(index + 1)"
            problems += check(iban: statement.account.iban, "the account's IBAN", at: place)
            problems += check(bic: statement.account.bic, "the account's BIC", at: place)
            for (number, entry) in statement.entries.enumerated() {
                guard let counterparty = entry.counterparty else { continue }
                let place = "\(place), entry \(number + 1)"
                // Counterparty accounts are IBANs or other numbers; only what is shaped like an IBAN is held to its rules.
                if let account = counterparty.account, looksLikeIBAN(account) {
                    problems += check(iban: account, "the counterparty's IBAN", at: place)
                }
                problems += check(bic: counterparty.bic, "the counterparty's BIC", at: place)
            }
        }
        return problems
    }

    static func initiation(_ initiation: PaymentInitiation) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        for (index, payment) in initiation.payments.enumerated() {
            let place = "payment \(index + 1)"
            problems += check(iban: payment.debtor.iban, "the debtor's IBAN", at: place)
            problems += check(bic: payment.debtor.bic, "the debtor's BIC", at: place)
            for (number, transaction) in payment.transactions.enumerated() {
                let place = "\(place), transaction \(number + 1)"
                problems += check(iban: transaction.creditor.iban, "the creditor's IBAN", at: place)
                problems += check(bic: transaction.creditor.bic, "the creditor's BIC", at: place)
            }
        }
        return problems
    }

    private static func check(iban: String?, _ what: String, at place: String) -> [ValidationProblem] {
        check(iban, what, at: place) { (text) throws(IdentifierError) in _ = try IBAN(text) }
    }

    private static func check(bic: String?, _ what: String, at place: String) -> [ValidationProblem] {
        check(bic, what, at: place) { (text) throws(IdentifierError) in _ = try BIC(text) }
    }

    /// No problem when `value` is absent or `parse` accepts it; the identifier's own words when not
    /// (which never repeat the identifier).
    private static func check(
        _ value: String?, _ what: String, at place: String, parse: (String) throws(IdentifierError) -> Void
    ) -> [ValidationProblem] {
        guard let value else { return [] }
        do throws(IdentifierError) {
            try parse(value)
            return []
        } catch {
            return [ValidationProblem(source: .content, code: "invalid_identifier", location: place, message: "\(what): \(error)")]
        }
    }

    /// Two letters, two digits, then 11 to 30 letters or digits (spaces aside): an IBAN's shape.
    static func looksLikeIBAN(_ text: String) -> Bool {
        let compact = text.utf8.filter { $0 != UInt8(ascii: " ") }
        guard (15...34).contains(compact.count) else { return false }
        let isLetter = { (byte: UInt8) in (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        return isLetter(compact[0]) && isLetter(compact[1]) && isDigit(compact[2]) && isDigit(compact[3])
            && compact.dropFirst(4).allSatisfy { isLetter($0) || isDigit($0) }
    }
}

/// The namespace of a message's `Document` (or of its root, when the message element is the root),
/// read from the first elements only.
struct XMLNamespaceProbe: XMLContentHandler {
    private var rootNamespace: String??
    private var documentNamespace: String??

    static func messageNamespace(of data: Data) -> String? {
        var probe = XMLNamespaceProbe()
        // The probe stops the scanner by throwing once it has what it needs; any error of the file
        // itself has been reported by the reader before.
        try? XMLReading.read(data, into: &probe)
        return (probe.documentNamespace ?? probe.rootNamespace) ?? nil
    }

    mutating func startElement(_ tag: XMLStartTag) throws(FormatError) {
        if rootNamespace == nil { rootNamespace = .some(tag.namespaceURI) }
        if tag.localName.elementsEqual("Document".utf8) {
            documentNamespace = .some(tag.namespaceURI)
            throw FormatError(.malformed, "found")
        }
    }

    mutating func characters(_ text: UnsafeRawBufferPointer) {}
    mutating func endElement() {}
}

extension ValidationReport {
    /// `{"format": …, "schema": …, "valid": …, "notes": […], "problems": [{"source", "code", "location", "message"}]}`
    public var json: JSONValue {
        .object([
            ("format", .string(format)),
            ("schema", .optional(schema)),
            ("valid", .bool(isValid)),
            ("notes", .array(notes.map(JSONValue.string))),
            (
                "problems",
                .array(
                    problems.map { problem in
                        .object([
                            ("source", .string(problem.source.rawValue)), ("code", .string(problem.code)),
                            ("location", .optional(problem.location)), ("message", .string(problem.message)),
                        ])
                    })
            ),
        ])
    }
}
