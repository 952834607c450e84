import Foundation
import PayHubDomain

/// Reads a BAI2 cash-management file (BAI 2005 "Cash Management Balance Reporting Specifications,
/// version 2") into the statement model: one statement per account record (03).
///
/// - Records: 01 file header, 02 group header, 03 account identifier and summary, 16 transaction
///   detail, 88 continuation, 49 account trailer, 98 group trailer, 99 file trailer.
/// - A record ends with `/`, or with the end of its physical line (files that leave the slash out).
///   Several records may share a physical line (`…/ 16,…/ 49,…/`). A 16 record's text field is the
///   rest of the record and may hold commas and slashes; a slash only ends it when another record
///   starts after it on the same line.
/// - An 88 record continues the one before it: its fields when that record stopped before its text,
///   else its text. A line that does not start with a record code continues a 16 record's text.
/// - Amounts carry implied decimals: the currency's minor units (JPY 0, KWD 3), 2 when unknown.
/// - Transaction detail signs follow the type code: 100–399, 721–728 and 920–959 are credits; 400–699,
///   760 and 960–999 debits. Any other code (status, 890 non-monetary…) keeps the amount as written.
/// - Opening balance = type code 010 (opening ledger), closing = 015 (closing ledger), dated with the
///   group's as-of date, which is also each entry's booking date; funds type `V` gives the value date.
/// - Control totals and record counts of 49, 98 and 99 are checked; a difference is a warning
///   (`control_sum_mismatch`, `record_count_mismatch`) naming the record's line, never an error.
public enum BAI2Reader {
    public static func read(_ data: Data) throws(FormatError) -> StatementDocument {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var parser = BAI2Parser()
        try parser.run(BAI2Lexer.segments(of: bytes))
        return parser.document
    }
}

// MARK: - Physical lines into record segments

/// A piece of a physical line: one record, or text continuing the record before it.
private struct BAI2Segment {
    enum Kind {
        case record(code: String)
        /// `88,` (or the `88:` some banks write, `deviant`).
        case continuation(deviant: Bool)
        /// A line with no record code: more text for the previous 16 record.
        case bareText
    }

    var kind: Kind
    var line: Int
    /// What follows `NN,` (all of it for bare text), without a closing `/`.
    var content: String
    /// Whether a `/` closed the segment.
    var terminated: Bool
    /// Whether the segment ran to the end of its physical line, and that line's length: a line exactly as
    /// long as the record length that ends without `/` was wrapped, so the next continuation joins it
    /// directly (`…INTERNATIONAL-5373 CLIE` + `NT SECCY…`); any other continuation is joined with a space.
    var endsLine: Bool
    var lineLength: Int
}

private enum BAI2Lexer {
    static let recordCodes: Set<String> = ["01", "02", "03", "16", "49", "88", "98", "99"]

    static func segments(of bytes: [UInt8]) -> [BAI2Segment] {
        var segments: [BAI2Segment] = []
        var lineNumber = 0
        var lineStart = 0
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            let next = lineEnd + 1
            if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            split(line: bytes[lineStart..<lineEnd], number: lineNumber, into: &segments)
            lineStart = next
        }
        return segments
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Whether a known record (`NN,`) starts at `index`.
    private static func recordStarts(in line: ArraySlice<UInt8>, at index: Int) -> Bool {
        guard index + 2 < line.endIndex, isDigit(line[index]), isDigit(line[index + 1]), line[index + 2] == 0x2C else {
            return false
        }
        return recordCodes.contains(String(decoding: line[index...(index + 1)], as: UTF8.self))
    }

    private static func split(line: ArraySlice<UInt8>, number: Int, into segments: inout [BAI2Segment]) {
        guard var start = line.firstIndex(where: { !isBlank($0) }) else { return }
        let length = line.count
        // Cut the line where a `/` is followed (after blanks) by the start of another record.
        var pieces: [Range<Int>] = []
        var index = start
        while index < line.endIndex {
            if line[index] == 0x2F {
                var after = index + 1
                while after < line.endIndex && isBlank(line[after]) { after += 1 }
                if recordStarts(in: line, at: after) {
                    pieces.append(start..<(index + 1))
                    start = after
                    index = after
                    continue
                }
            }
            index += 1
        }
        pieces.append(start..<line.endIndex)

        for (position, range) in pieces.enumerated() {
            var piece = line[range]
            while let last = piece.last, isBlank(last) { piece = piece.dropLast() }
            var terminated = false
            if piece.last == 0x2F {
                terminated = true
                piece = piece.dropLast()
            }
            let kind: BAI2Segment.Kind
            var content = piece
            let first = piece.startIndex
            if piece.count >= 2, isDigit(piece[first]), isDigit(piece[first + 1]),
                piece.count == 2 || piece[first + 2] == 0x2C
            {
                let code = String(decoding: piece[first...(first + 1)], as: UTF8.self)
                kind = code == "88" ? .continuation(deviant: false) : .record(code: code)
                content = piece.dropFirst(min(3, piece.count))
            } else if piece.count >= 3, piece[first] == 0x38, piece[first + 1] == 0x38,
                piece[first + 2] == 0x3A || piece[first + 2] == 0x3B
            {
                kind = .continuation(deviant: true)
                content = piece.dropFirst(3)
            } else {
                kind = .bareText
            }
            segments.append(
                BAI2Segment(
                    kind: kind, line: number, content: String(decoding: content, as: UTF8.self), terminated: terminated,
                    endsLine: position == pieces.count - 1, lineLength: length))
        }
    }
}

// MARK: - Records into the statement model

/// A record with its continuations gathered, ready to be read.
private struct BAI2Record {
    var code: String
    var line: Int
    var head: String
    /// Continuation contents, each with whether it joins the text before it directly (a wrapped line).
    var continuations: [(content: String, wrapped: Bool)] = []
    /// 1 plus the 88 records: what the trailers' record counts count.
    var physicalRecords = 1

    /// The record's fields, continuations appended as further fields.
    var fields: [Substring] {
        var all = head.split(separator: ",", omittingEmptySubsequences: false)
        for continuation in continuations {
            all += continuation.content.split(separator: ",", omittingEmptySubsequences: false)
        }
        return all
    }
}

private struct BAI2Parser {
    var document = StatementDocument(format: "bai2")

    private struct Totals {
        var line: Int
        var sum: Int128 = 0
        var overflow = false
        var records = 0

        mutating func add(_ value: Int128) {
            let (result, didOverflow) = sum.addingReportingOverflow(value)
            if didOverflow { overflow = true } else { sum = result }
        }
    }

    private var fileHeaderSeen = false
    private var fileTrailerSeen = false
    private var file = Totals(line: 0)
    private var group: Totals?
    private var groupAccounts = 0
    private var groupCount = 0
    private var account: Totals?
    private var groupAsOfDate: String?
    private var groupCurrency: String?
    /// The physical record length the file header declares (80 when it does not), to spot wrapped text.
    private var recordLength = 80

    mutating func run(_ segments: [BAI2Segment]) throws(FormatError) {
        var pending: BAI2Record?
        var previous: BAI2Segment?
        for segment in segments {
            switch segment.kind {
            case .record(let code):
                if let record = pending { try process(record) }
                pending = BAI2Record(code: code, line: segment.line, head: segment.content)
            case .continuation, .bareText:
                var isBare = false
                var deviant = false
                switch segment.kind {
                case .bareText: isBare = true
                case .continuation(let written): deviant = written
                case .record: break
                }
                let notARecord = "not a BAI2 record (a record starts with a two-digit code and a comma)"
                guard let code = pending?.code else {
                    throw FormatError(
                        .malformed, at: "line \(segment.line)",
                        isBare ? notARecord : "a continuation record (88) with no record before it")
                }
                if isBare && code != "16" {
                    throw FormatError(.malformed, at: "line \(segment.line)", notARecord)
                }
                if deviant {
                    document.warnings.append(
                        FormatWarning(
                            statement: account == nil ? nil : statementIndex, code: .schemaDeviation,
                            message: "line \(segment.line): continuation record written '88:', read as '88,'"))
                }
                let wrapped =
                    previous.map { !$0.terminated && $0.endsLine && $0.lineLength == recordLength } ?? false
                pending?.continuations.append((segment.content, wrapped))
                if !isBare { pending?.physicalRecords += 1 }
            }
            previous = segment
        }
        if let record = pending { try process(record) }
        try finish()
    }

    // MARK: Record dispatch

    private mutating func process(_ record: BAI2Record) throws(FormatError) {
        let location = "line \(record.line)"
        if !fileHeaderSeen && record.code != "01" {
            throw FormatError(
                .malformed, at: location, "a BAI2 file starts with a file header (01), not '\(record.code)'")
        }
        if fileTrailerSeen {
            throw FormatError(.malformed, at: location, "record '\(record.code)' after the file trailer (99)")
        }
        switch record.code {
        case "01":
            if fileHeaderSeen { throw FormatError(.malformed, at: location, "a second file header (01)") }
            fileHeaderSeen = true
            file = Totals(line: record.line)
            count(record)
            try readFileHeader(record)
        case "02":
            closeOpenGroup(before: record)
            group = Totals(line: record.line)
            groupAccounts = 0
            groupCount += 1
            count(record)
            try readGroupHeader(record)
        case "03":
            guard group != nil else {
                throw FormatError(.malformed, at: location, "an account record (03) outside a group (02 … 98)")
            }
            closeOpenAccount(before: record)
            account = Totals(line: record.line)
            groupAccounts += 1
            count(record)
            try readAccount(record)
        case "16":
            guard account != nil, !document.statements.isEmpty else {
                throw FormatError(.malformed, at: location, "a transaction detail (16) outside an account (03 … 49)")
            }
            count(record)
            try readDetail(record)
        case "49":
            guard account != nil else {
                throw FormatError(.malformed, at: location, "an account trailer (49) with no account record (03)")
            }
            count(record)
            try closeAccount(record)
        case "98":
            guard group != nil else {
                throw FormatError(.malformed, at: location, "a group trailer (98) with no group header (02)")
            }
            closeOpenAccount(before: record)
            count(record)
            try closeGroup(record)
        case "99":
            closeOpenGroup(before: record)
            count(record)
            try closeFile(record)
        default:
            throw FormatError(.malformed, at: location, "unknown BAI2 record type '\(record.code)'")
        }
    }

    private mutating func count(_ record: BAI2Record) {
        file.records += record.physicalRecords
        group?.records += record.physicalRecords
        account?.records += record.physicalRecords
    }

    private var statementIndex: Int? { document.statements.isEmpty ? nil : document.statements.count - 1 }

    // MARK: 01, 02

    private mutating func readFileHeader(_ record: BAI2Record) throws(FormatError) {
        let fields = record.fields.map(Self.trimmed)
        let location = "line \(record.line)"
        func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
        document.messageID = field(4).isEmpty ? nil : field(4)
        if let length = Int(field(5)), length > 0 { recordLength = length }
        guard !field(2).isEmpty else { return }
        guard let date = Self.date(field(2)) else {
            throw FormatError(.invalidValue, at: location, "file creation date '\(field(2))' is not YYMMDD")
        }
        if field(3).isEmpty {
            document.createdAt = date
        } else if let time = Self.time(field(3), on: date) {
            document.createdAt = time
        } else {
            document.createdAt = date
            document.warnings.append(
                FormatWarning(
                    code: .lenientDate, message: "\(location): file creation time '\(field(3))' is not HHMM; date kept"))
        }
    }

    private mutating func readGroupHeader(_ record: BAI2Record) throws(FormatError) {
        let fields = record.fields.map(Self.trimmed)
        func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
        groupAsOfDate = nil
        if !field(3).isEmpty {
            guard let date = Self.date(field(3)) else {
                throw FormatError(.invalidValue, at: "line \(record.line)", "as-of date '\(field(3))' is not YYMMDD")
            }
            groupAsOfDate = date
        }
        groupCurrency = field(5).isEmpty ? nil : field(5).uppercased()
    }

    // MARK: 03

    private mutating func readAccount(_ record: BAI2Record) throws(FormatError) {
        let location = "line \(record.line)"
        let fields = record.fields.map(Self.trimmed)
        guard let number = fields.first, !number.isEmpty else {
            throw FormatError(.missingField, at: location, "an account record (03) without an account number")
        }
        let currencyField = fields.count > 1 ? fields[1].uppercased() : ""
        let currency = currencyField.isEmpty ? groupCurrency : currencyField
        var statement = Statement(account: StatementAccount(number: number), currency: currency)
        let places = Self.places(currency)

        var index = 2
        while index < fields.count {
            let typeCode = fields[index]
            // Files often end the record with one comma too many (`…,015,100,,,/`): an empty slot.
            guard !typeCode.isEmpty else {
                index += 1
                continue
            }
            guard typeCode.count <= 3, Self.isDigits(typeCode) else {
                throw FormatError(.invalidValue, at: location, "'\(typeCode)' is not a BAI2 type code")
            }
            let code = String(repeating: "0", count: 3 - typeCode.count) + typeCode
            let amountText = index + 1 < fields.count ? fields[index + 1] : ""
            let fundsType = index + 3 < fields.count ? fields[index + 3] : ""
            let extra = try Self.fundsTypeExtraFields(
                fundsType, following: Array(fields.dropFirst(min(index + 4, fields.count))), location: location)
            index += 4 + extra
            guard !amountText.isEmpty else { continue }
            let (raw, amount) = try Self.amount(amountText, places: places, location: location)
            account?.add(raw)
            if code == "010" && statement.openingBalance == nil {
                statement.openingBalance = StatementBalance(amount: amount, date: groupAsOfDate)
            } else if code == "015" && statement.closingBalance == nil {
                statement.closingBalance = StatementBalance(amount: amount, date: groupAsOfDate)
            }
        }
        document.statements.append(statement)
    }

    // MARK: 16

    private mutating func readDetail(_ record: BAI2Record) throws(FormatError) {
        let location = "line \(record.line)"
        // Continuations extend the fields until the text field has begun, then the text.
        var raw = record.head
        var split = try Self.splitDetail(raw, location: location)
        var text = split.text.map(String.init)
        var textHasContent = text.map { !$0.allSatisfy(\.isWhitespace) } ?? false
        for continuation in record.continuations {
            if text != nil {
                if textHasContent && !continuation.wrapped { text?.append(" ") }
                text?.append(continuation.content)
                textHasContent = textHasContent || !continuation.content.allSatisfy(\.isWhitespace)
            } else {
                raw += "," + continuation.content
                split = try Self.splitDetail(raw, location: location)
                text = split.text.map(String.init)
                textHasContent = text.map { !$0.allSatisfy(\.isWhitespace) } ?? false
            }
        }

        let fields = split.fields.map(Self.trimmed)
        func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
        let typeCode = field(0)
        guard typeCode.count <= 3, Self.isDigits(typeCode) else {
            throw FormatError(.invalidValue, at: location, "'\(typeCode)' is not a BAI2 type code")
        }
        let code = String(repeating: "0", count: 3 - typeCode.count) + typeCode
        let statementIndex = document.statements.count - 1
        let currency = document.statements[statementIndex].currency
        let (raw16, written) =
            field(1).isEmpty
            ? (Int128(0), ExactDecimal(significand: 0, scale: Self.places(currency)))
            : try Self.amount(field(1), places: Self.places(currency), location: location)
        account?.add(raw16)

        let amount: ExactDecimal
        switch Self.direction(of: Int(code) ?? 0) {
        case .credit: amount = written
        case .debit: amount = written.negated()
        case .unknown:
            amount = written
            if !written.isZero {
                document.warnings.append(
                    FormatWarning(
                        statement: statementIndex, code: .schemaDeviation,
                        message: "\(location): type code \(code) is neither a credit nor a debit code; amount kept as written"))
            }
        }

        var valueDate: String?
        if field(2).uppercased() == "V", !field(3).isEmpty {
            guard let date = Self.date(field(3)) else {
                throw FormatError(.invalidValue, at: location, "value date '\(field(3))' is not YYMMDD")
            }
            valueDate = date
        }
        let extra = try Self.fundsTypeExtraFields(field(2), following: Array(fields.dropFirst(3)), location: location)
        let bankReference = field(3 + extra)
        let customerReference = field(4 + extra)
        let remittance = Self.trimmed(Substring(text ?? ""))

        document.statements[statementIndex].entries.append(
            StatementEntry(
                amount: amount, bookingDate: groupAsOfDate, valueDate: valueDate, status: .booked,
                bankReference: bankReference.isEmpty ? nil : bankReference,
                customerReference: customerReference.isEmpty ? nil : customerReference,
                remittance: remittance.isEmpty ? nil : remittance, transactionCode: code, detailsCount: 1))
    }

    /// Splits a 16 record after its code into the fields before the text (type code, amount, funds type
    /// and its extra fields, bank reference, customer reference) and the text, which is the rest and may
    /// hold commas. `text` is nil while the record stops before its text field.
    private static func splitDetail(_ raw: String, location: String) throws(FormatError) -> (
        fields: [Substring], text: Substring?
    ) {
        var fields: [Substring] = []
        var rest = Substring(raw)
        var needed = 3
        var fundsTypeRead = false
        var distributionPending = false
        while fields.count < needed {
            guard let comma = rest.firstIndex(of: ",") else {
                fields.append(rest)
                return (fields, nil)
            }
            fields.append(rest[..<comma])
            rest = rest[rest.index(after: comma)...]
            if fields.count == 3 && !fundsTypeRead {
                fundsTypeRead = true
                switch trimmed(fields[2]).uppercased() {
                case "", "Z", "0", "1", "2": break
                case "V": needed += 2
                case "S": needed += 3
                case "D":
                    needed += 1
                    distributionPending = true
                case let other:
                    throw FormatError(.invalidValue, at: location, "unknown funds type '\(other)'")
                }
                needed += 2
            } else if distributionPending && fields.count == 4 {
                distributionPending = false
                let distributions = Int(trimmed(fields[3])) ?? 0
                guard (0...min(Self.maximumDistributions, raw.utf8.count)).contains(distributions) else {
                    throw FormatError(.invalidValue, at: location, "distribution count '\(fields[3])' is not readable")
                }
                needed += 2 * distributions
            }
        }
        return (fields, rest)
    }

    /// More availability distributions than a funds type `D` could sensibly carry: a damaged file.
    static let maximumDistributions = 999

    /// How many fields follow a funds type: V value date and time, S three availability amounts,
    /// D a count and that many (days, amount) pairs; Z, 0, 1, 2 and blank none.
    private static func fundsTypeExtraFields(
        _ fundsType: String, following: [String], location: String
    ) throws(FormatError) -> Int {
        switch fundsType.uppercased() {
        case "", "Z", "0", "1", "2": return 0
        case "V": return 2
        case "S": return 3
        case "D":
            let text = following.first ?? ""
            guard let count = text.isEmpty ? 0 : Int(text), count >= 0, count <= min(maximumDistributions, following.count)
            else {
                throw FormatError(.invalidValue, at: location, "distribution count '\(text)' is not readable")
            }
            return 1 + 2 * count
        default:
            throw FormatError(.invalidValue, at: location, "unknown funds type '\(fundsType)'")
        }
    }

    private enum Direction { case credit, debit, unknown }

    /// BAI2 type code ranges: 100–399 credits, 400–699 debits, loan detail 721–728 (amounts applied,
    /// credits) and 760 (loan disbursement, debit), custom 920–959 credits and 960–999 debits.
    private static func direction(of code: Int) -> Direction {
        switch code {
        case 100...399, 721...728, 920...959: .credit
        case 400...699, 760, 960...999: .debit
        default: .unknown
        }
    }

    // MARK: 49, 98, 99

    private mutating func closeAccount(_ record: BAI2Record) throws(FormatError) {
        guard let totals = account else { return }
        let fields = record.fields.map(Self.trimmed)
        let location = "line \(record.line)"
        try check(
            declared: fields.first ?? "", computed: totals, what: "account trailer (49) control total",
            code: .controlSumMismatch, statement: statementIndex, location: location)
        try checkCount(
            declared: fields.count > 1 ? fields[1] : "", computed: totals.records,
            what: "account trailer (49) record count", statement: statementIndex, location: location)
        group?.add(totals.sum)
        if totals.overflow { group?.overflow = true }
        account = nil
    }

    private mutating func closeGroup(_ record: BAI2Record) throws(FormatError) {
        guard let totals = group else { return }
        let fields = record.fields.map(Self.trimmed)
        let location = "line \(record.line)"
        try check(
            declared: fields.first ?? "", computed: totals, what: "group trailer (98) control total",
            code: .controlSumMismatch, statement: nil, location: location)
        try checkCount(
            declared: fields.count > 1 ? fields[1] : "", computed: groupAccounts,
            what: "group trailer (98) number of accounts", statement: nil, location: location)
        try checkCount(
            declared: fields.count > 2 ? fields[2] : "", computed: totals.records,
            what: "group trailer (98) record count", statement: nil, location: location)
        file.add(totals.sum)
        if totals.overflow { file.overflow = true }
        group = nil
    }

    private mutating func closeFile(_ record: BAI2Record) throws(FormatError) {
        fileTrailerSeen = true
        let fields = record.fields.map(Self.trimmed)
        let location = "line \(record.line)"
        try check(
            declared: fields.first ?? "", computed: file, what: "file trailer (99) control total",
            code: .controlSumMismatch, statement: nil, location: location)
        try checkCount(
            declared: fields.count > 1 ? fields[1] : "", computed: groupCount,
            what: "file trailer (99) number of groups", statement: nil, location: location)
        try checkCount(
            declared: fields.count > 2 ? fields[2] : "", computed: file.records,
            what: "file trailer (99) record count", statement: nil, location: location)
    }

    private mutating func check(
        declared text: String, computed: Totals, what: String, code: FormatWarning.Code, statement: Int?,
        location: String
    ) throws(FormatError) {
        guard !text.isEmpty, !computed.overflow else { return }
        guard let declared = ExactDecimal(text), declared.scale == 0 else {
            throw FormatError(.invalidValue, at: location, "\(what) '\(text)' is not a number")
        }
        guard declared.significand != computed.sum else { return }
        document.warnings.append(
            FormatWarning(
                statement: statement, code: code,
                message: "\(location): \(what) \(declared.significand) != \(computed.sum), the sum of the amounts read"))
    }

    private mutating func checkCount(
        declared text: String, computed: Int, what: String, statement: Int?, location: String
    ) throws(FormatError) {
        guard !text.isEmpty else { return }
        guard let declared = Int(text) else {
            throw FormatError(.invalidValue, at: location, "\(what) '\(text)' is not a number")
        }
        guard declared != computed else { return }
        document.warnings.append(
            FormatWarning(
                statement: statement, code: .recordCountMismatch,
                message: "\(location): \(what) \(declared) != \(computed) counted"))
    }

    /// A new 03 (or 98) while an account is still open: its 49 is missing.
    private mutating func closeOpenAccount(before record: BAI2Record) {
        guard let totals = account else { return }
        document.warnings.append(
            FormatWarning(
                statement: statementIndex, code: .recordCountMismatch,
                message: "line \(totals.line): account has no trailer (49) before line \(record.line)"))
        group?.add(totals.sum)
        account = nil
    }

    private mutating func closeOpenGroup(before record: BAI2Record) {
        closeOpenAccount(before: record)
        guard let totals = group else { return }
        document.warnings.append(
            FormatWarning(
                code: .recordCountMismatch,
                message: "line \(totals.line): group has no trailer (98) before line \(record.line)"))
        file.add(totals.sum)
        group = nil
    }

    private mutating func finish() throws(FormatError) {
        guard fileHeaderSeen else { throw FormatError(.malformed, at: "line 1", "an empty BAI2 file") }
        if let totals = account {
            document.warnings.append(
                FormatWarning(
                    statement: statementIndex, code: .recordCountMismatch,
                    message: "line \(totals.line): account has no trailer (49); the file may be incomplete"))
        }
        if let totals = group {
            document.warnings.append(
                FormatWarning(
                    code: .recordCountMismatch,
                    message: "line \(totals.line): group has no trailer (98); the file may be incomplete"))
        }
        if !fileTrailerSeen {
            document.warnings.append(
                FormatWarning(
                    code: .recordCountMismatch, message: "the file has no trailer (99); the file may be incomplete"))
        }
    }

    // MARK: Values

    /// Non-empty and ASCII digits only.
    static func isDigits(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func trimmed(_ text: Substring) -> String {
        let scalars = text.unicodeScalars
        let isBlank: (Unicode.Scalar) -> Bool = {
            $0 == " " || $0 == "\t" || ($0.value >= 0x80 && $0.properties.isWhitespace)
        }
        guard let first = scalars.firstIndex(where: { !isBlank($0) }),
            let last = scalars.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// Implied decimal places: the currency's minor units, 2 when the currency is unknown or absent.
    static func places(_ currency: String?) -> Int {
        guard let currency, let known = try? Currency(code: currency) else { return 2 }
        return known.minorUnits
    }

    /// An amount as written (`+000000000000`, `-500000`, `2765`) with `places` implied decimals, and the
    /// integer as written for control totals.
    static func amount(_ text: String, places: Int, location: String) throws(FormatError) -> (Int128, ExactDecimal) {
        let body = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
        guard isDigits(body), let integer = ExactDecimal(text), integer.scale == 0 else {
            throw FormatError(.invalidValue, at: location, "'\(text)' is not a BAI2 amount")
        }
        return (integer.significand, ExactDecimal(significand: integer.significand, scale: places))
    }

    /// `YYMMDD` (years 00–69 are 20xx, 70–99 19xx) or the `YYYYMMDD` some banks write, as `YYYY-MM-DD`.
    static func date(_ text: String) -> String? {
        guard isDigits(text), text.utf8.count == 6 || text.utf8.count == 8 else { return nil }
        let digits = Array(text.utf8).map { Int($0) - 48 }
        var year: Int
        let rest: ArraySlice<Int>
        if digits.count == 6 {
            year = digits[0] * 10 + digits[1]
            year += year < 70 ? 2000 : 1900
            rest = digits[2...]
        } else {
            year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
            rest = digits[4...]
        }
        let month = rest[rest.startIndex] * 10 + rest[rest.startIndex + 1]
        let day = rest[rest.startIndex + 2] * 10 + rest[rest.startIndex + 3]
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        return isoDate(year: year, month: month, day: day)
    }

    /// `HHMM`, `HHMMSS`, `HH:MM` or `HH:MM:SS` on `date`, as local ISO 8601 (BAI2 carries no offset).
    /// `2400` is the end of the day: the next day at 00:00.
    static func time(_ text: String, on date: String) -> String? {
        let digits = text.filter { $0 != ":" }
        guard isDigits(digits), digits.utf8.count == 4 || digits.utf8.count == 6,
            let hour = Int(digits.prefix(2)), let minute = Int(digits.dropFirst(2).prefix(2))
        else { return nil }
        let second = digits.count == 6 ? Int(digits.suffix(2)) ?? 99 : 0
        if hour == 24 && minute == 0 && second == 0 {
            guard let next = nextDay(date) else { return nil }
            return next + "T00:00:00"
        }
        guard hour < 24, minute < 60, second < 60 else { return nil }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(date)T\(two(hour)):\(two(minute)):\(two(second))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func isoDate(year: Int, month: Int, day: Int) -> String {
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + (month < 10 ? "0" : "") + String(month)
            + "-" + (day < 10 ? "0" : "") + String(day)
    }

    static func nextDay(_ date: String) -> String? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var (year, month, day) = (parts[0], parts[1], parts[2] + 1)
        if day > daysIn(month: month, year: year) {
            day = 1
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
        return isoDate(year: year, month: month, day: day)
    }
}
