import Foundation
import PayHubDomain

/// Checks a batch payment file in China Merchants Bank's layout (see ``ChinaBatchPaymentWriter``),
/// written by PayHub or anyone else, without stopping at the first problem.
public enum ChinaBatchPaymentValidator {
    /// Every problem in `data`, in line order (the summary's count and total, which only the whole file
    /// reveals, after the lines); empty when the file is sound.
    ///
    /// The bytes may be GB18030/GBK or UTF-8 with or without a byte order mark; every line, the last
    /// too, ends in CRLF or LF, and empty lines at the end are ignored. Each problem's
    /// ``FieldError/path`` names the 1-based line and the field, `line 3.payeeAccount` (`line 3` for the
    /// line as a whole, `file` for the file), and its ``FieldError/code`` is a
    /// ``ChinaBatchPaymentErrorCode``. Checked: the encoding, each line's
    /// field count, every field's format and length (texts in GBK bytes), the currency, amounts (positive,
    /// at most 2 decimals, within the layout's limit), sequence numbers, repeated end-to-end ids, the
    /// intra-bank flag against the CNAPS code, and the summary's record count and total against the lines.
    /// Messages never repeat account numbers or names.
    public static func validate(_ data: Data) -> [FieldError] {
        var parser = ChinaBatchPaymentParser()
        parser.parse(data)
        return parser.errors
    }
}

/// Reads batch payment files in China Merchants Bank's layout into ``ChinaBatchPaymentFile`` values.
public enum ChinaBatchPaymentReader {
    /// The file in `data`, or every problem ``ChinaBatchPaymentValidator/validate(_:)`` finds: a file
    /// whose summary does not add up is not read.
    public static func read(_ data: Data) throws(ValidationFailure) -> ChinaBatchPaymentFile {
        var parser = ChinaBatchPaymentParser()
        parser.parse(data)
        if !parser.errors.isEmpty { throw ValidationFailure(parser.errors) }
        guard let file = parser.file else {
            // Unreachable: the parser reports a problem whenever it cannot make a value.
            throw ValidationFailure([
                FieldError(
                    path: "file", code: ChinaBatchPaymentErrorCode.emptyFile.rawValue, message: "no batch was read")
            ])
        }
        return file
    }
}

/// One pass over the lines, collecting problems and, while there are none, the values.
struct ChinaBatchPaymentParser {
    typealias Rules = ChinaBatchPaymentRules
    typealias Layout = ChinaBatchPaymentLayout
    typealias Field = ChinaBatchPaymentRules.Field

    private(set) var errors: [FieldError] = []
    private(set) var file: ChinaBatchPaymentFile?

    private struct Summary {
        var batchID: String
        var payerAccount: String
        var payerName: String
        var executionDate: LocalDate?
        var recordCount: Int?
        var totalMinorUnits: Int64?
    }

    mutating func parse(_ data: Data) {
        let text: String
        do {
            text = try CSVTextDecoding.decode(data, as: .automatic)
        } catch {
            add("file", .unsupportedEncoding, "the file is neither UTF-8 nor GB18030/GBK text")
            return
        }
        var lines = Self.lines(of: text)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else {
            add("file", .emptyFile, "the file holds no line; it needs a summary line and at least one transfer")
            return
        }
        if text.unicodeScalars.last != "\n" {
            // PayHub ends every line, the last too: a file cut short in its last field would otherwise
            // read as a smaller remark or purpose, with the count and total still right.
            add("line \(lines.count)", .truncated, "the last line has no line break: the file may be cut short")
        }
        let summary = readSummary(Self.fields(of: lines[0]))
        let recordLines = lines.count - 1
        if recordLines == 0 {
            add("file", .noRecords, "no transfer line follows the summary line")
        } else if recordLines > Layout.recordCountMax {
            add("file", .tooManyRecords, "a batch holds at most \(Layout.recordCountMax) transfers")
        }

        var records: [ChinaBatchPaymentFile.Record?] = []
        var sumMinorUnits: Int64? = 0
        var firstLineOfID: [String: Int] = [:]
        for index in 1..<lines.count {
            let (record, amount) = readRecord(
                Self.fields(of: lines[index]), line: index + 1, firstLineOfID: &firstLineOfID)
            records.append(record)
            // The sum is only compared when every amount was read; it saturates (as a mismatch) on overflow.
            if let sum = sumMinorUnits, let amount {
                let (added, overflow) = sum.addingReportingOverflow(amount)
                sumMinorUnits = overflow ? Int64.max : added
            } else {
                sumMinorUnits = nil
            }
        }

        if let count = summary?.recordCount, count != recordLines {
            add(
                "line 1.recordCount", .countMismatch,
                "the summary counts \(count) transfers but the file has \(recordLines) transfer lines")
        }
        if recordLines > 0, let total = summary?.totalMinorUnits, let sum = sumMinorUnits, total != sum {
            let sumText = sum == Int64.max ? "more than the summary can hold" : Rules.decimalString(sum) + " CNY"
            add(
                "line 1.totalAmount", .totalMismatch,
                "the summary total differs from the sum of the transfer amounts, \(sumText)")
        }

        guard errors.isEmpty, let summary, let executionDate = summary.executionDate else { return }
        file = ChinaBatchPaymentFile(
            batchID: summary.batchID, payerAccount: summary.payerAccount, payerName: summary.payerName,
            executionDate: executionDate, records: records.compactMap { $0 })
    }

    // MARK: - Lines and fields

    /// The text's lines without their CRLF or LF; a lone CR stays in its line (and is reported as a
    /// control character in whichever field holds it).
    private static func lines(of text: String) -> [[Unicode.Scalar]] {
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
        for index in lines.indices where lines[index].last == "\r" { lines[index].removeLast() }
        return lines
    }

    private static func fields(of line: [Unicode.Scalar]) -> [String] {
        line.split(separator: Rules.separator, omittingEmptySubsequences: false).map {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: $0)
            return String(scalars)
        }
    }

    private mutating func add(_ path: String, _ code: ChinaBatchPaymentErrorCode, _ message: String) {
        errors.append(FieldError(path: path, code: code.rawValue, message: message))
    }

    private mutating func add(_ line: Int, _ field: Field, _ problem: Rules.Problem?) {
        if let problem { add("line \(line).\(field.rawValue)", problem.code, problem.message) }
    }

    private mutating func columnCount(_ fields: [String], expected: Int, line: Int, kind: String) -> Bool {
        guard fields.count == expected else {
            add(
                "line \(line)", .columnCount,
                "a \(kind) line has \(expected) fields separated by '|', this one has \(fields.count)")
            return false
        }
        return true
    }

    // MARK: - Summary line

    /// The summary's values, nil when the line does not have its 7 fields.
    private mutating func readSummary(_ fields: [String]) -> Summary? {
        guard columnCount(fields, expected: Layout.summaryFieldCount, line: 1, kind: "summary") else { return nil }
        let value = { (field: Field) in fields[Rules.summaryFields.firstIndex(of: field)!] }
        add(1, .batchID, Rules.reference(value(.batchID), "batch id"))
        add(1, .payerAccount, Rules.account(value(.payerAccount), "payer account"))
        add(
            1, .payerName,
            Rules.text(value(.payerName), "payer name", maxBytes: Layout.nameMaxBytes, required: true))
        let currency = value(.currency)
        if currency.isEmpty {
            add(1, .currency, Rules.Problem(.required, "currency is required"))
        } else if currency != Layout.currencyCodeCNY {
            add(1, .currency, Rules.Problem(.currencyNotCNY, "currency must be 10 (renminbi)"))
        }
        let executionDate = Rules.date(value(.executionDate))
        if executionDate == nil {
            add(1, .executionDate, Rules.Problem(.invalidDate, "execution date must be a real date written yyyyMMdd"))
        }
        var recordCount: Int?
        let countText = value(.recordCount).utf8
        if (1...9).contains(countText.count), countText.allSatisfy(Rules.isDigit) {
            recordCount = Int(value(.recordCount))
        } else {
            add(1, .recordCount, Rules.Problem(.countMismatch, "record count must be a whole number"))
        }
        var totalMinorUnits: Int64?
        let totalMax = Int64(Layout.recordCountMax) * Layout.amountMaxMinorUnits
        switch Rules.amount(value(.totalAmount), maxMinorUnits: totalMax, "total amount") {
        case .success(let total): totalMinorUnits = total
        case .failure(let problem): add(1, .totalAmount, problem)
        }
        return Summary(
            batchID: value(.batchID), payerAccount: value(.payerAccount), payerName: value(.payerName),
            executionDate: executionDate, recordCount: recordCount, totalMinorUnits: totalMinorUnits)
    }

    // MARK: - Transfer lines

    /// The transfer on `line` (nil when any of its fields is wrong) and its amount in fen (nil when the
    /// amount cannot be read), which the summary's total is checked against.
    private mutating func readRecord(
        _ fields: [String], line: Int, firstLineOfID: inout [String: Int]
    ) -> (ChinaBatchPaymentFile.Record?, Int64?) {
        guard columnCount(fields, expected: Layout.recordFieldCount, line: line, kind: "transfer") else {
            return (nil, nil)
        }
        let errorsBefore = errors.count
        let value = { (field: Field) in fields[Rules.recordFields.firstIndex(of: field)!] }

        let expectedSequence = line - 1
        let sequenceText = value(.sequenceNumber)
        if sequenceText != String(expectedSequence) {
            add(
                line, .sequenceNumber,
                Rules.Problem(.sequenceNumber, "sequence number must be \(expectedSequence), the transfer's position"))
        }
        let endToEndID = value(.endToEndID)
        if let problem = Rules.reference(endToEndID, "end-to-end id") {
            add(line, .endToEndID, problem)
        } else if let first = firstLineOfID[endToEndID] {
            add(
                line, .endToEndID,
                Rules.Problem(.duplicateEndToEndID, "end-to-end id repeats that of the transfer on line \(first)"))
        } else {
            firstLineOfID[endToEndID] = line
        }
        add(line, .payeeAccount, Rules.account(value(.payeeAccount), "payee account"))
        add(
            line, .payeeName,
            Rules.text(value(.payeeName), "payee name", maxBytes: Layout.nameMaxBytes, required: true))
        var bankCode: CNAPSCode?
        switch Rules.cnapsCode(value(.payeeBankCode)) {
        case .success(let code): bankCode = code
        case .failure(let problem): add(line, .payeeBankCode, problem)
        }
        add(
            line, .payeeBankName,
            Rules.text(value(.payeeBankName), "payee bank name", maxBytes: Layout.bankTextMaxBytes, required: true))

        let flag = value(.bankFlag)
        let derivedIntraBank = bankCode.map { $0.bankCategoryCode == Layout.bankCategoryCode }
        if flag != "Y" && flag != "N" {
            add(line, .bankFlag, Rules.Problem(.invalidBankFlag, "intra-bank flag must be Y or N"))
        } else if let derivedIntraBank, derivedIntraBank != (flag == "Y") {
            add(
                line, .bankFlag,
                Rules.Problem(
                    .bankFlagMismatch,
                    "intra-bank flag must be Y exactly when the payee bank code starts with \(Layout.bankCategoryCode)"
                ))
        }
        // The writer derives the flag from the code; a reader trusts the code first, the flag second.
        let crossBank = derivedIntraBank.map { !$0 } ?? (flag == "N")
        add(
            line, .payeeBankAddress,
            Rules.text(
                value(.payeeBankAddress), "payee bank address", maxBytes: Layout.bankTextMaxBytes, required: crossBank))

        var amountMinorUnits: Int64?
        switch Rules.amount(value(.amount), maxMinorUnits: Layout.amountMaxMinorUnits, "amount") {
        case .success(let amount): amountMinorUnits = amount
        case .failure(let problem): add(line, .amount, problem)
        }
        let settlement = ChinaBatchPaymentFile.Settlement(rawValue: value(.settlement))
        if settlement == nil {
            add(line, .settlement, Rules.Problem(.invalidSettlement, "settlement must be N (普通) or F (快速/加急)"))
        }
        add(
            line, .purpose,
            Rules.text(value(.purpose), "purpose", maxBytes: Layout.purposeMaxBytes, required: true))
        add(line, .remark, Rules.text(value(.remark), "remark", maxBytes: Layout.remarkMaxBytes, required: false))

        guard errors.count == errorsBefore, let bankCode, let amountMinorUnits, let settlement else {
            return (nil, amountMinorUnits)
        }
        let record = ChinaBatchPaymentFile.Record(
            sequenceNumber: expectedSequence, endToEndID: endToEndID, payeeAccount: value(.payeeAccount),
            payeeName: value(.payeeName), payeeBankCode: bankCode, payeeBankName: value(.payeeBankName),
            payeeBankAddress: value(.payeeBankAddress), amount: Money(minorUnits: amountMinorUnits, currency: .cny),
            settlement: settlement, purpose: value(.purpose), remark: value(.remark))
        return (record, amountMinorUnits)
    }
}
