import Foundation
import PayHubDomain

/// Reads an ERP export through a ``MappingProfile``: every row becomes a payable (or vendor), or a
/// rejection that says which column held what kind of problem.
///
/// ```swift
/// let reader = try ERPFileReader(profile: profile)
/// try reader.read(data) { record in
///     switch record {
///     case .payable(let payable, _): …
///     case .rejected(let source, let errors): quarantine(source.raw, errors)
///     case .vendor: …
///     }
/// }
/// ```
///
/// Blank rows, rows whose mapped columns are all empty, and rows that match `skip_rows_where` are
/// skipped; every other row is reported, so nothing is dropped without a trace.
public struct ERPFileReader: Sendable {
    public let profile: MappingProfile
    let plan: MappingPlan

    /// Checks the profile itself: field names, lookup tables, date patterns, templates, CSV options.
    public init(profile: MappingProfile) throws(FormatError) {
        self.profile = profile
        self.plan = try MappingPlan(profile)
    }

    /// Streams every record of the file to `body` in file order.
    ///
    /// Throws ``FormatError`` only for problems with the whole file: text that is not in the profile's
    /// encoding, a header without a mapped column, a quoted field never closed, an unreadable pain.001.
    /// Errors `body` throws end the reading and are rethrown.
    public func read(_ data: Data, _ body: (ERPRecord) throws -> Void) throws {
        switch profile.format {
        case .pain001: try readPain001(data, body)
        case .csv: try readCSV(data, body)
        }
    }

    // MARK: CSV

    func readCSV(_ data: Data, _ body: (ERPRecord) throws -> Void) throws {
        var text = try CSVTextDecoding.decode(data, as: plan.encoding)
        let separator = plan.delimiter ?? Self.guessDelimiter(in: text, headerLine: max(plan.headerRow, 1))
        try text.withUTF8 { bytes in
            var scanner = CSVTokenizer.Scanner(bytes, separator: separator)
            var row = RowMapper(plan: plan)
            if plan.headerRow > 0 {
                // The header is the first non-blank row at or after its line; titles above it are ignored.
                var header: [String]?
                while try scanner.advance() {
                    guard scanner.row.line >= plan.headerRow else { continue }
                    if scanner.row.cells.allSatisfy({ TextFunctions.trimmed($0).isEmpty }) { continue }
                    header = scanner.row.cells
                    break
                }
                guard let header else {
                    throw FormatError(.missingField, at: "line \(plan.headerRow)", "the file has no header row")
                }
                try row.resolve(header: header, line: scanner.row.line)
            } else {
                try row.resolve(header: nil, line: 0)
            }
            var skipped = 0
            while skipped < plan.skipLinesAfterHeader, try scanner.advance() { skipped += 1 }
            while try scanner.advance() {
                guard let outcome = row.map(scanner.row.cells) else { continue }
                let source = ERPRecordSource(
                    line: scanner.row.line, location: "line \(scanner.row.line)", raw: scanner.rawText)
                switch outcome {
                case .payable(let payable): try body(.payable(payable, source))
                case .vendor(let vendor): try body(.vendor(vendor, source))
                case .rejected(let errors): try body(.rejected(source, errors))
                }
            }
        }
    }

    /// The most frequent of `,` `;` tab `|` outside quotes on the header line.
    static func guessDelimiter(in text: String, headerLine: Int) -> Unicode.Scalar {
        var line = 1
        var inQuotes = false
        var counts: [Unicode.Scalar: Int] = [",": 0, ";": 0, "\t": 0, "|": 0]
        for scalar in text.unicodeScalars {
            if scalar == "\"" { inQuotes.toggle() }
            if scalar == "\n" && !inQuotes {
                line += 1
                if line > headerLine { break }
                continue
            }
            if line == headerLine && !inQuotes, let count = counts[scalar] { counts[scalar] = count + 1 }
        }
        // Ties go to the earlier candidate: a header with no separator at all is one comma-separated column.
        var best: Unicode.Scalar = ","
        for candidate: Unicode.Scalar in [";", "\t", "|"] where counts[candidate]! > counts[best]! { best = candidate }
        return best
    }

    // MARK: pain.001

    /// Each credit transfer of an ERP-made pain.001 is one payable; see `docs/mapping-profiles.md`.
    private func readPain001(_ data: Data, _ body: (ERPRecord) throws -> Void) throws {
        let initiation = try Pain001Reader.read(data)
        let rawTransactions = Self.transactionElements(in: String(decoding: data, as: UTF8.self))
        var ordinal = 0
        for (paymentIndex, payment) in initiation.payments.enumerated() {
            for (transactionIndex, transaction) in payment.transactions.enumerated() {
                let location = "PmtInf[\(paymentIndex + 1)]/CdtTrfTxInf[\(transactionIndex + 1)]"
                let raw = ordinal < rawTransactions.count ? rawTransactions[ordinal] : ""
                ordinal += 1
                let source = ERPRecordSource(line: 0, location: location, raw: raw)
                switch payable(from: transaction, of: payment) {
                case .success(let payable): try body(.payable(payable, source))
                case .failure(let failure): try body(.rejected(source, failure.errors))
                }
            }
        }
    }

    private func payable(
        from transaction: InitiationTransaction, of payment: InitiationPayment
    ) -> Result<ERPPayableRecord, ValidationFailure> {
        var errors = FieldErrorCollector()
        func present(_ text: String?) -> String? {
            guard let text else { return nil }
            let trimmed = TextFunctions.trimmed(text)
            return trimmed.isEmpty || trimmed == "NOTPROVIDED" ? nil : trimmed
        }
        let externalID = present(transaction.endToEndID) ?? present(transaction.instructionID)
        if externalID == nil {
            errors.add(
                "PmtId/EndToEndId", code: ERPRecordErrorCode.missingField.rawValue,
                "the transaction has neither an end-to-end id nor an instruction id")
        }
        let date: LocalDate? = {
            let text = payment.requestedExecutionDate.map { String($0.prefix(10)) } ?? ""
            return try? LocalDate(iso8601: text)
        }()
        if date == nil {
            errors.add(
                "ReqdExctnDt", code: ERPRecordErrorCode.invalidDate.rawValue,
                "the payment information has no requested execution date in the form YYYY-MM-DD")
        }
        var amount: Money?
        if let code = present(transaction.currency) {
            if let currency = try? Currency(code: code) {
                amount = errors.check("InstdAmt", code: { (error: MoneyError) in error.code.rawValue }) {
                    () throws(MoneyError) in
                    try Money(parsing: transaction.amount.formatted(), currency: currency)
                }
                if let value = amount, !value.isPositive {
                    errors.add(
                        "InstdAmt", code: ERPRecordErrorCode.notAPayable.rawValue,
                        "the amount must be more than zero")
                    amount = nil
                }
            } else {
                errors.add(
                    "InstdAmt/@Ccy", code: ERPRecordErrorCode.unknownCurrency.rawValue,
                    "'\(code)' is not an ISO 4217 currency code")
            }
        } else {
            errors.add("InstdAmt/@Ccy", code: ERPRecordErrorCode.missingField.rawValue, "the amount has no currency")
        }
        let creditor = transaction.creditor
        let iban = present(creditor.iban).map { TextFunctions.upper($0.filter { !$0.isWhitespace }) }
        if let iban, (try? IBAN(iban)) == nil {
            errors.add("Cdtr/IBAN", code: ERPRecordErrorCode.invalidIBAN.rawValue, "the creditor IBAN is not valid")
        }
        let account = present(creditor.account)
        let vendorID = iban ?? account
        if vendorID == nil {
            errors.add("CdtrAcct", code: ERPRecordErrorCode.missingField.rawValue, "the creditor has no account")
        }
        let name = present(creditor.name)
        if name == nil {
            errors.add("Cdtr/Nm", code: ERPRecordErrorCode.missingField.rawValue, "the creditor has no name")
        }
        let country = present(creditor.country) ?? iban.map { String($0.prefix(2)) } ?? profile.defaults?.country
        if country.map(TextFunctions.isCountryCode) != true {
            errors.add(
                "Cdtr/PstlAdr/Ctry", code: ERPRecordErrorCode.invalidCountry.rawValue,
                "the creditor has no ISO 3166 country")
        }
        guard errors.errors.isEmpty, let externalID, let date, let amount, let vendorID, let name, let country else {
            return .failure(ValidationFailure(errors.errors))
        }
        let bankAccount = ERPBankAccountRecord(
            iban: iban, accountNumber: iban == nil ? account : nil, bic: present(creditor.bic), holderName: name)
        let vendor = ERPVendorRecord(externalID: vendorID, name: name, country: country, bankAccount: bankAccount)
        return .success(
            ERPPayableRecord(
                externalID: externalID, invoiceNumber: present(transaction.remittance) ?? externalID,
                invoiceDate: date, dueDate: date, amount: amount, remittance: present(transaction.remittance),
                entity: profile.defaults?.entity, vendor: vendor))
    }

    /// The text of every `CdtTrfTxInf` element in document order, for the records' `raw`. A textual scan
    /// is enough: the reader has already checked that the document is well-formed pain.001.
    static func transactionElements(in xml: String) -> [String] {
        var elements: [String] = []
        let utf8 = Array(xml.utf8)
        let name = Array("CdtTrfTxInf".utf8)
        var index = 0
        var openStart: Int?
        while index < utf8.count {
            guard utf8[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            var cursor = index + 1
            let closing = cursor < utf8.count && utf8[cursor] == UInt8(ascii: "/")
            if closing { cursor += 1 }
            // Skip a namespace prefix (`<ns2:CdtTrfTxInf>`).
            var nameStart = cursor
            while cursor < utf8.count, utf8[cursor] != UInt8(ascii: ">"), utf8[cursor] != UInt8(ascii: " "),
                utf8[cursor] != UInt8(ascii: "/")
            {
                if utf8[cursor] == UInt8(ascii: ":") { nameStart = cursor + 1 }
                cursor += 1
            }
            if utf8[nameStart..<cursor].elementsEqual(name) {
                if closing, let start = openStart {
                    while cursor < utf8.count, utf8[cursor] != UInt8(ascii: ">") { cursor += 1 }
                    elements.append(String(decoding: utf8[start...min(cursor, utf8.count - 1)], as: UTF8.self))
                    openStart = nil
                } else if !closing {
                    openStart = index
                }
            }
            index = cursor
        }
        return elements
    }
}
