import Foundation
import PayHubDomain

/// One thing wrong with a NACHA file, where it is: the 1-based line, the record type, and the field.
///
/// Descriptions never repeat the file's contents (account numbers and names stay out of logs); they
/// say what was expected and, for counts, hashes and totals, what the records add up to.
public struct NACHAProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case recordLength = "record_length"
        case recordOrder = "record_order"
        case invalidValue = "invalid_value"
        case routingCheckDigit = "routing_check_digit"
        case countMismatch = "count_mismatch"
        case entryHashMismatch = "entry_hash_mismatch"
        case totalMismatch = "total_mismatch"
        case traceNumber = "trace_number"
        case blockCount = "block_count"
        case padding = "padding"
    }

    public enum RecordType: String, Sendable, Hashable {
        case fileHeader = "1"
        case batchHeader = "5"
        case entryDetail = "6"
        case addenda = "7"
        case batchControl = "8"
        case fileControl = "9"
        /// A record of 94 `9`s filling the last block.
        case padding = "9999"
        /// A record whose first character is no NACHA type, or a missing record.
        case unknown = "?"
    }

    public var code: Code
    /// 1-based line of the file (a record per line).
    public var line: Int
    public var recordType: RecordType
    /// The field's name (`entryHash`, `receivingDFI`), or `record` for the record as a whole.
    public var field: String
    public var message: String

    public init(_ code: Code, line: Int, recordType: RecordType, field: String, _ message: String) {
        self.code = code
        self.line = line
        self.recordType = recordType
        self.field = field
        self.message = message
    }

    public var description: String { "line \(line) (record \(recordType.rawValue)) \(field): \(message)" }
}

/// Checks a NACHA ACH file written by anyone, without stopping at the first problem.
public enum NACHAValidator {
    /// Every problem in `data`, in line order (problems only the end reveals come last); empty when the
    /// file is sound. Checked: record length (94) and type order (1, then batches of 5, 6 with its 7, 8,
    /// then 9 and padding records of 94 `9`s to a multiple of 10 records), each field's format (digits,
    /// dates, codes, NACHA's character set), routing check digits, transaction codes against the service
    /// class, addenda against their entry, ascending trace numbers beginning with the batch's ODFI, every
    /// count, entry hash and total of the batch and file controls, the block count and the padding.
    /// Lines end in `\n` or `\r\n`.
    public static func validate(_ data: Data) -> [NACHAProblem] {
        var parser = NACHAParser()
        parser.parse(data)
        return parser.problems
    }
}

/// Reads NACHA ACH files into ``NACHAFile`` values.
public enum NACHAReader {
    /// The file in `data`, or the first problem ``NACHAValidator/validate(_:)`` finds as a
    /// ``FormatError`` located at `line N, record T, field F`: a file whose controls do not add up is
    /// not read.
    public static func read(_ data: Data) throws(FormatError) -> NACHAFile {
        var parser = NACHAParser()
        parser.parse(data)
        if let problem = parser.problems.first {
            let code: FormatError.Code = problem.code == .invalidValue ? .invalidValue : .malformed
            throw FormatError(
                code, at: "line \(problem.line), record \(problem.recordType.rawValue), field \(problem.field)",
                problem.message)
        }
        guard let header = parser.fileHeader else {
            throw FormatError(.malformed, at: "line 1", "no file header")  // unreachable: the parser reports it
        }
        return NACHAFile(header: header, batches: parser.batches)
    }
}

/// One pass over the records, collecting problems and, while there are none, the values.
struct NACHAParser {
    var problems: [NACHAProblem] = []
    var fileHeader: NACHAFile.FileHeader?
    var batches: [NACHAFile.Batch] = []

    private enum State { case start, betweenBatches, inBatch, afterFileControl }
    private var state = State.start
    private var batch: NACHAFile.Batch?
    private var batchTotals = NACHAWriter.Totals()
    private var fileTotals = NACHAWriter.Totals()
    private var batchCount = 0
    private var previousBatchNumber = 0
    private var previousTrace = -1
    /// Set after an entry with addenda indicator 1, until its addenda.
    private var pendingAddendaLine: Int?
    private var sawFileControl = false

    private var line = 0
    private var record: [UInt8] = []
    private var type = NACHAProblem.RecordType.unknown

    mutating func parse(_ data: Data) {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        if lines.isEmpty {
            problems.append(
                NACHAProblem(.recordOrder, line: 1, recordType: .unknown, field: "record", "the file is empty"))
            return
        }
        for (index, rawLine) in lines.enumerated() {
            line = index + 1
            var bytes = Array(rawLine)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            type = Self.recordType(of: bytes)
            if bytes.count != NACHAText.recordLength {
                problem(.recordLength, "record", "record is \(bytes.count) characters, not 94")
                // Read what is there as if padded, so one short line does not hide the rest.
                bytes = Array(bytes.prefix(NACHAText.recordLength))
                bytes += repeatElement(UInt8(ascii: " "), count: NACHAText.recordLength - bytes.count)
            }
            record = bytes
            process()
        }
        line = lines.count
        finish(lineCount: lines.count)
    }

    private static func recordType(of bytes: [UInt8]) -> NACHAProblem.RecordType {
        if bytes.count == NACHAText.recordLength && bytes == NACHAText.paddingRecord { return .padding }
        guard let first = bytes.first else { return .unknown }
        return NACHAProblem.RecordType(rawValue: String(UnicodeScalar(first))) ?? .unknown
    }

    private mutating func problem(_ code: NACHAProblem.Code, _ field: String, _ message: String) {
        problems.append(NACHAProblem(code, line: line, recordType: type, field: field, message))
    }

    // MARK: - Record order

    private mutating func process() {
        if type != .addenda, let entryLine = pendingAddendaLine {
            problems.append(
                NACHAProblem(
                    .recordOrder, line: entryLine, recordType: .entryDetail, field: "addendaIndicator",
                    "addenda indicator is 1 but no addenda record follows"))
            pendingAddendaLine = nil
        }
        switch (state, type) {
        case (.start, .fileHeader):
            readFileHeader()
            state = .betweenBatches
        case (.start, _):
            problem(.recordOrder, "record", "a file must begin with a file header (1)")
            state = .betweenBatches
            if type == .batchHeader { readBatchHeader() }
        case (.betweenBatches, .batchHeader):
            readBatchHeader()
        case (.betweenBatches, .fileControl), (.inBatch, .fileControl):
            if state == .inBatch { problem(.recordOrder, "record", "file control (9) before the batch control (8)") }
            readFileControl()
        case (.inBatch, .entryDetail):
            readEntry()
        case (.inBatch, .addenda):
            readAddenda()
        case (.inBatch, .batchControl):
            readBatchControl()
        case (.afterFileControl, .padding):
            break
        case (.afterFileControl, _):
            problem(.recordOrder, "record", "only padding records of 94 '9's may follow the file control (9)")
        case (_, .padding):
            problem(.recordOrder, "record", "a padding record before the file control (9)")
        default:
            let expected =
                state == .inBatch
                ? "an entry (6), addenda (7) or batch control (8)" : "a batch header (5) or file control (9)"
            problem(.recordOrder, "record", "expected \(expected), found record type '\(type.rawValue)'")
            if type == .batchHeader { readBatchHeader() }
        }
    }

    private mutating func finish(lineCount: Int) {
        if let entryLine = pendingAddendaLine {
            problems.append(
                NACHAProblem(
                    .recordOrder, line: entryLine, recordType: .entryDetail, field: "addendaIndicator",
                    "addenda indicator is 1 but no addenda record follows"))
        }
        if !sawFileControl {
            problems.append(
                NACHAProblem(
                    .recordOrder, line: lineCount, recordType: .fileControl, field: "record",
                    "the file has no file control (9)"))
        }
        if let blockCountAt, let writtenBlockCount {
            let blocks = (lineCount + NACHAText.blockingFactor - 1) / NACHAText.blockingFactor
            if writtenBlockCount != blocks {
                problems.append(
                    NACHAProblem(
                        .blockCount, line: blockCountAt, recordType: .fileControl, field: "blockCount",
                        "block count is \(writtenBlockCount) but the file's \(lineCount) records make \(blocks) blocks")
                )
            }
        }
        if lineCount % NACHAText.blockingFactor != 0 {
            problems.append(
                NACHAProblem(
                    .padding, line: lineCount, recordType: type, field: "record",
                    "\(lineCount) records is not a multiple of 10: pad with records of 94 '9's"))
        }
    }

    // MARK: - Fields

    /// Bytes at 1-based NACHA positions `from...to`.
    private func slice(_ from: Int, _ to: Int) -> ArraySlice<UInt8> { record[(from - 1)..<to] }

    /// A text field without its trailing padding; nil (and a problem) when it holds a disallowed character.
    private mutating func text(_ from: Int, _ to: Int, _ field: String, required: Bool = false) -> String {
        var bytes = slice(from, to)
        while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
        if !bytes.allSatisfy(NACHAText.isAllowed) {
            problem(
                .invalidValue, field,
                "contains a character NACHA does not allow (uppercase A-Z, 0-9, space, listed symbols)")
        } else if required && bytes.isEmpty {
            problem(.invalidValue, field, "must not be blank")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func number(_ from: Int, _ to: Int, _ field: String) -> Int64? {
        let bytes = slice(from, to)
        guard bytes.allSatisfy(NACHAText.isDigit) else {
            problem(.invalidValue, field, "must be \(to - from + 1) digits")
            return nil
        }
        return bytes.reduce(0) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }

    private mutating func date(_ from: Int, _ field: String) -> LocalDate? {
        guard let value = number(from, from + 5, field) else { return nil }
        do {
            return try LocalDate(year: 2000 + Int(value / 10_000), month: Int(value / 100 % 100), day: Int(value % 100))
        } catch {
            problem(.invalidValue, field, "must be a real date written YYMMDD")
            return nil
        }
    }

    private mutating func routing(_ from: Int, _ field: String) -> ABARoutingNumber? {
        let text = String(decoding: slice(from, from + 8), as: UTF8.self)
        do {
            return try ABARoutingNumber(text)
        } catch  where error.code == .checksumMismatch {
            problem(.routingCheckDigit, field, "routing number check digit does not match its first 8 digits")
        } catch {
            problem(.invalidValue, field, "must be a 9-digit ABA routing number")
        }
        return nil
    }

    // MARK: - Records

    private mutating func readFileHeader() {
        if slice(2, 3) != [UInt8]("01".utf8)[...] { problem(.invalidValue, "priorityCode", "priority code must be 01") }
        if record[3] != UInt8(ascii: " ") {
            problem(.invalidValue, "immediateDestination", "must be a space and 9 digits")
        }
        let destination = routing(5, "immediateDestination")
        let originBytes = slice(14, 23).drop { $0 == UInt8(ascii: " ") }
        if originBytes.count < 9 || !originBytes.allSatisfy(NACHAText.isDigit) {
            problem(.invalidValue, "immediateOrigin", "must be 9 digits after a space, or 10 digits")
        }
        let creationDate = date(24, "fileCreationDate")
        var creationTime: NACHAFile.CreationTime?
        if slice(30, 33).allSatisfy({ $0 == UInt8(ascii: " ") }) {
            creationTime = nil
        } else if let hhmm = number(30, 33, "fileCreationTime") {
            if hhmm / 100 < 24 && hhmm % 100 < 60 {
                creationTime = NACHAFile.CreationTime(hour: Int(hhmm / 100), minute: Int(hhmm % 100))
            } else {
                problem(.invalidValue, "fileCreationTime", "must be a time written HHMM")
            }
        }
        let modifier = record[33]
        let modifierIsValid = NACHAText.isDigit(modifier) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(modifier)
        if !modifierIsValid { problem(.invalidValue, "fileIDModifier", "must be A-Z or 0-9") }
        if slice(35, 37) != [UInt8]("094".utf8)[...] { problem(.invalidValue, "recordSize", "record size must be 094") }
        if slice(38, 39) != [UInt8]("10".utf8)[...] {
            problem(.invalidValue, "blockingFactor", "blocking factor must be 10")
        }
        if record[39] != UInt8(ascii: "1") { problem(.invalidValue, "formatCode", "format code must be 1") }
        let destinationName = text(41, 63, "immediateDestinationName")
        let originName = text(64, 86, "immediateOriginName")
        let reference = text(87, 94, "referenceCode")
        if let destination, let creationDate, modifierIsValid {
            fileHeader = NACHAFile.FileHeader(
                immediateDestination: destination, immediateOrigin: String(decoding: originBytes, as: UTF8.self),
                creationDate: creationDate, creationTime: creationTime,
                fileIDModifier: Character(UnicodeScalar(modifier)), immediateDestinationName: destinationName,
                immediateOriginName: originName, referenceCode: reference)
        }
    }

    private mutating func readBatchHeader() {
        state = .inBatch
        batchTotals = NACHAWriter.Totals()
        previousTrace = -1
        batch = nil
        let serviceClass = number(2, 4, "serviceClassCode").flatMap { NACHAFile.ServiceClass(rawValue: Int($0)) }
        if serviceClass == nil { problem(.invalidValue, "serviceClassCode", "service class must be 200, 220 or 225") }
        let companyName = text(5, 20, "companyName", required: true)
        let discretionary = text(21, 40, "companyDiscretionaryData")
        let companyID = text(41, 50, "companyIdentification", required: true)
        let secCode = NACHAFile.StandardEntryClass(rawValue: String(decoding: slice(51, 53), as: UTF8.self))
        if secCode == nil {
            problem(.invalidValue, "standardEntryClassCode", "standard entry class must be CCD or PPD")
        }
        let description = text(54, 63, "companyEntryDescription", required: true)
        let descriptiveDate = text(64, 69, "companyDescriptiveDate")
        let effectiveDate = date(70, "effectiveEntryDate")
        let odfi = number(80, 87, "originatingDFI")
        let batchNumber = number(88, 94, "batchNumber")
        if let batchNumber {
            if batchNumber <= previousBatchNumber {
                problem(.invalidValue, "batchNumber", "batch numbers must ascend through the file")
            }
            previousBatchNumber = max(previousBatchNumber, Int(batchNumber))
        }
        if let serviceClass, let secCode, let effectiveDate, odfi != nil, let batchNumber {
            batch = NACHAFile.Batch(
                serviceClass: serviceClass, companyName: companyName, companyDiscretionaryData: discretionary,
                companyIdentification: companyID, standardEntryClass: secCode, entryDescription: description,
                companyDescriptiveDate: descriptiveDate, effectiveEntryDate: effectiveDate,
                originatingDFI: String(decoding: slice(80, 87), as: UTF8.self), batchNumber: Int(batchNumber),
                entries: [])
        }
    }

    private mutating func readEntry() {
        let transactionCode = number(2, 3, "transactionCode").flatMap { NACHAFile.TransactionCode(rawValue: Int($0)) }
        if let transactionCode {
            switch (batch?.serviceClass, transactionCode.isCredit) {
            case (.creditsOnly, false):
                problem(.invalidValue, "transactionCode", "a debit in a credits-only batch (220)")
            case (.debitsOnly, true):
                problem(.invalidValue, "transactionCode", "a credit in a debits-only batch (225)")
            default: break
            }
        } else {
            problem(.invalidValue, "transactionCode", "transaction code must be 22, 27, 32 or 37")
        }
        let receivingDFI = routing(4, "receivingDFI")
        let account = text(13, 29, "accountNumber", required: true)
        let amount = number(30, 39, "amount")
        let identification = text(40, 54, "individualIdentification")
        let name = text(55, 76, "individualName")
        let discretionary = text(77, 78, "discretionaryData")
        let indicator = record[78]
        if indicator != UInt8(ascii: "0") && indicator != UInt8(ascii: "1") {
            problem(.invalidValue, "addendaIndicator", "addenda indicator must be 0 or 1")
        }
        let traceODFI = slice(80, 87)
        let trace = number(80, 94, "traceNumber")
        if trace != nil, let odfi = batch?.originatingDFI, traceODFI != [UInt8](odfi.utf8)[...] {
            problem(.traceNumber, "traceNumber", "trace number must begin with the batch's originating DFI")
        }
        let sequence = trace.map { Int($0 % 10_000_000) }
        if let sequence {
            if sequence <= previousTrace {
                problem(.traceNumber, "traceNumber", "trace numbers must ascend within a batch")
            }
            previousTrace = max(previousTrace, sequence)
        }

        // The controls are checked against what the records hold, even when another field is wrong.
        batchTotals.entryAndAddendaCount += 1
        if let routingDigits = Int64(String(decoding: slice(4, 11), as: UTF8.self)) {
            batchTotals.entryHash += routingDigits
        }
        if let amount, let transactionCode {
            if transactionCode.isCredit {
                batchTotals.creditMinorUnits += amount
            } else {
                batchTotals.debitMinorUnits += amount
            }
        }
        pendingAddendaLine = indicator == UInt8(ascii: "1") ? line : nil
        if let transactionCode, let receivingDFI, let amount, let sequence {
            batch?.entries.append(
                NACHAFile.Entry(
                    transactionCode: transactionCode, receivingDFI: receivingDFI, accountNumber: account,
                    amount: Money(minorUnits: amount, currency: .usd), individualIdentification: identification,
                    individualName: name, discretionaryData: discretionary, traceSequenceNumber: sequence))
        } else {
            batch = nil  // the file has a problem; values are no longer collected
        }
    }

    private mutating func readAddenda() {
        batchTotals.entryAndAddendaCount += 1
        guard pendingAddendaLine != nil else {
            problem(.recordOrder, "record", "an addenda (7) must follow an entry (6) whose addenda indicator is 1")
            return
        }
        pendingAddendaLine = nil
        if slice(2, 3) != [UInt8]("05".utf8)[...] {
            problem(.invalidValue, "addendaTypeCode", "addenda type must be 05")
        }
        let information = text(4, 83, "paymentRelatedInformation")
        if slice(84, 87) != [UInt8]("0001".utf8)[...] {
            problem(
                .invalidValue, "addendaSequenceNumber", "addenda sequence number must be 0001 (one addenda per entry)")
        }
        if let sequence = number(88, 94, "entryDetailSequenceNumber"), sequence != previousTrace {
            problem(.traceNumber, "entryDetailSequenceNumber", "must be the last 7 digits of its entry's trace number")
        }
        if let count = batch?.entries.count, count > 0 {
            batch?.entries[count - 1].addenda = NACHAFile.Addenda(paymentRelatedInformation: information)
        }
    }

    private mutating func readBatchControl() {
        state = .betweenBatches
        batchCount += 1
        let totals = batchTotals
        fileTotals.add(totals)
        if totals.entryAndAddendaCount == 0 {
            problem(.recordOrder, "record", "a batch needs at least one entry (6)")
        }
        if let serviceClass = number(2, 4, "serviceClassCode"), let expected = batch?.serviceClass,
            Int(serviceClass) != expected.rawValue
        {
            problem(.invalidValue, "serviceClassCode", "service class differs from the batch header's")
        }
        checkControls(totals, countAt: (5, 10), hashAt: 11, debitAt: 21, creditAt: 33)
        let companyID = text(45, 54, "companyIdentification")
        if let batch, companyID != batch.companyIdentification {
            problem(.invalidValue, "companyIdentification", "company identification differs from the batch header's")
        }
        let odfi = String(decoding: slice(80, 87), as: UTF8.self)
        if let batch, odfi != batch.originatingDFI {
            problem(.invalidValue, "originatingDFI", "originating DFI differs from the batch header's")
        }
        if let batchNumber = number(88, 94, "batchNumber"), let batch, Int(batchNumber) != batch.batchNumber {
            problem(.invalidValue, "batchNumber", "batch number differs from the batch header's")
        }
        if let batch { batches.append(batch) }
        batch = nil
    }

    private mutating func readFileControl() {
        state = .afterFileControl
        sawFileControl = true
        if let count = number(2, 7, "batchCount"), count != batchCount {
            problem(.countMismatch, "batchCount", "batch count is \(count) but the file has \(batchCount) batches")
        }
        // Every record up to the end counts, padding included, whatever else is wrong with them.
        checkControls(fileTotals, countAt: (14, 21), hashAt: 22, debitAt: 32, creditAt: 44)
        blockCountAt = line
        if let blocks = number(8, 13, "blockCount") { writtenBlockCount = Int(blocks) }
    }

    private var blockCountAt: Int?
    private var writtenBlockCount: Int?

    private mutating func checkControls(
        _ totals: NACHAWriter.Totals, countAt: (Int, Int), hashAt: Int, debitAt: Int, creditAt: Int
    ) {
        if let count = number(countAt.0, countAt.1, "entryAddendaCount"), count != totals.entryAndAddendaCount {
            problem(
                .countMismatch, "entryAddendaCount",
                "entry/addenda count is \(count) but the records hold \(totals.entryAndAddendaCount)")
        }
        let hash = totals.entryHash % 10_000_000_000
        if let written = number(hashAt, hashAt + 9, "entryHash"), written != hash {
            problem(.entryHashMismatch, "entryHash", "entry hash is \(written) but the entries' DFI ids sum to \(hash)")
        }
        if let debit = number(debitAt, debitAt + 11, "totalDebitAmount"), debit != totals.debitMinorUnits {
            problem(
                .totalMismatch, "totalDebitAmount",
                "total debit is \(debit) but the debits sum to \(totals.debitMinorUnits) cents")
        }
        if let credit = number(creditAt, creditAt + 11, "totalCreditAmount"), credit != totals.creditMinorUnits {
            problem(
                .totalMismatch, "totalCreditAmount",
                "total credit is \(credit) but the credits sum to \(totals.creditMinorUnits) cents")
        }
    }
}
