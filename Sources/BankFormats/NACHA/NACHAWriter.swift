import Foundation
import PayHubDomain

/// Writes a ``NACHAFile`` as a NACHA ACH file: 94-character fixed-width records, each ended by `\n`
/// (LF, no CR — what most US banks' upload portals take; ask the bank if it wants CRLF), blocked by 10:
/// the file is padded with records of 94 `9`s to a multiple of 10 records.
///
/// The writer computes every control field: each batch control (type 8) holds the batch's entry and
/// addenda count, its entry hash (the sum of the entries' 8-digit receiving DFI ids, keeping the
/// rightmost 10 digits), its total debit and credit amounts in cents, and the header's company id, ODFI
/// and batch number; the file control (type 9) holds the batch count, block count, and the same counts,
/// hash and totals over the whole file.
///
/// Texts are uppercased (ASCII letters only) and must otherwise be in NACHA's character set (see
/// ``validate(_:)``). Nothing is ever truncated or dropped: a text too long, a character NACHA does not
/// allow, an amount too large, a date outside 2000–2099 or an entry that does not fit its batch makes
/// ``write(_:)`` throw a ``ValidationFailure`` naming each problem's path
/// (`batches[0].entries[3].individualName`, 0-based). Messages never repeat the values (account numbers
/// and names stay out of logs).
public enum NACHAWriter {
    /// Every problem with `file`, in file order; empty when it can be written.
    public static func validate(_ file: NACHAFile) -> [FieldError] {
        var errors = FieldErrorCollector()
        check(file, into: &errors)
        return errors.errors
    }

    /// Checks `file` and writes it, or throws every problem found.
    public static func write(_ file: NACHAFile) throws(ValidationFailure) -> Data {
        var errors = FieldErrorCollector()
        check(file, into: &errors)
        try errors.throwIfAny()
        return render(file)
    }

    // MARK: - Checking

    static func check(_ file: NACHAFile, into errors: inout FieldErrorCollector) {
        let header = file.header
        let origin = Array(header.immediateOrigin.utf8)
        if !(origin.count == 9 || origin.count == 10) || !origin.allSatisfy(NACHAText.isDigit) {
            errors.add("header.immediateOrigin", code: "invalid_value", "immediate origin must be 9 or 10 digits")
        }
        checkDate(header.creationDate, "header.creationDate", into: &errors)
        if let time = header.creationTime, !(0...23).contains(time.hour) || !(0...59).contains(time.minute) {
            errors.add("header.creationTime", code: "invalid_time", "creation time must be 00:00 to 23:59")
        }
        let modifier = header.fileIDModifier
        if !(modifier.isASCII && (modifier.isUppercase || modifier.isNumber)) {
            errors.add("header.fileIDModifier", code: "invalid_value", "file ID modifier must be A-Z or 0-9")
        }
        checkText(header.immediateDestinationName, max: 23, "header.immediateDestinationName", into: &errors)
        checkText(header.immediateOriginName, max: 23, "header.immediateOriginName", into: &errors)
        checkText(header.referenceCode, max: 8, "header.referenceCode", into: &errors)

        if file.batches.isEmpty { errors.add("batches", code: "empty", "a file needs at least one batch") }
        var previousBatchNumber = 0
        var fileTotals = Totals()
        for (batchIndex, batch) in file.batches.enumerated() {
            let path = "batches[\(batchIndex)]"
            checkText(batch.companyName, max: 16, required: true, path + ".companyName", into: &errors)
            checkText(batch.companyDiscretionaryData, max: 20, path + ".companyDiscretionaryData", into: &errors)
            checkText(
                batch.companyIdentification, max: 10, required: true, path + ".companyIdentification", into: &errors)
            checkText(batch.entryDescription, max: 10, required: true, path + ".entryDescription", into: &errors)
            checkText(batch.companyDescriptiveDate, max: 6, path + ".companyDescriptiveDate", into: &errors)
            checkDate(batch.effectiveEntryDate, path + ".effectiveEntryDate", into: &errors)
            let odfi = Array(batch.originatingDFI.utf8)
            if odfi.count != 8 || !odfi.allSatisfy(NACHAText.isDigit) {
                errors.add(path + ".originatingDFI", code: "invalid_value", "originating DFI must be 8 digits")
            }
            if !(1...9_999_999).contains(batch.batchNumber) {
                errors.add(path + ".batchNumber", code: "out_of_range", "batch number must be 1 to 9999999")
            } else if batch.batchNumber <= previousBatchNumber {
                errors.add(path + ".batchNumber", code: "not_ascending", "batch numbers must ascend through the file")
            }
            previousBatchNumber = max(previousBatchNumber, batch.batchNumber)
            if batch.entries.isEmpty {
                errors.add(path + ".entries", code: "empty", "a batch needs at least one entry")
            }
            var previousTrace = -1
            var batchTotals = Totals()
            for (entryIndex, entry) in batch.entries.enumerated() {
                let entryPath = path + ".entries[\(entryIndex)]"
                switch (batch.serviceClass, entry.transactionCode.isCredit) {
                case (.creditsOnly, false):
                    errors.add(
                        entryPath + ".transactionCode", code: "not_in_service_class",
                        "a credits-only batch (220) cannot hold debits")
                case (.debitsOnly, true):
                    errors.add(
                        entryPath + ".transactionCode", code: "not_in_service_class",
                        "a debits-only batch (225) cannot hold credits")
                default: break
                }
                checkText(entry.accountNumber, max: 17, required: true, entryPath + ".accountNumber", into: &errors)
                if entry.amount.currency != .usd {
                    errors.add(entryPath + ".amount", code: "currency", "ACH amounts must be in USD")
                } else if !(1...NACHAText.amountMaxMinorUnits).contains(entry.amount.minorUnits) {
                    errors.add(entryPath + ".amount", code: "out_of_range", "amount must be 0.01 to 99999999.99")
                }
                checkText(
                    entry.individualIdentification, max: 15, entryPath + ".individualIdentification", into: &errors)
                checkText(entry.individualName, max: 22, required: true, entryPath + ".individualName", into: &errors)
                checkText(entry.discretionaryData, max: 2, entryPath + ".discretionaryData", into: &errors)
                if !(0...9_999_999).contains(entry.traceSequenceNumber) {
                    errors.add(
                        entryPath + ".traceSequenceNumber", code: "out_of_range",
                        "trace sequence number must be 0 to 9999999")
                } else if entry.traceSequenceNumber <= previousTrace {
                    errors.add(
                        entryPath + ".traceSequenceNumber", code: "not_ascending",
                        "trace numbers must ascend within a batch")
                }
                previousTrace = max(previousTrace, entry.traceSequenceNumber)
                if let addenda = entry.addenda {
                    checkText(
                        addenda.paymentRelatedInformation, max: 80, entryPath + ".addenda.paymentRelatedInformation",
                        into: &errors)
                }
                batchTotals.add(entry)
            }
            if !batchTotals.fits(countDigits: 6) {
                errors.add(path, code: "too_large", "batch count or totals do not fit their control fields")
            }
            fileTotals.add(batchTotals)
        }
        if !fileTotals.fits(countDigits: 8) || (file.batches.count + 9) / 10 > 99_999 {
            errors.add("batches", code: "too_large", "file counts or totals do not fit the file control")
        }
    }

    private static func checkDate(_ date: LocalDate, _ path: String, into errors: inout FieldErrorCollector) {
        if !(2000...2099).contains(date.year) {
            errors.add(path, code: "invalid_date", "date must be in 2000-2099 (NACHA writes YYMMDD)")
        }
    }

    /// Length and character set, without repeating the text.
    private static func checkText(
        _ text: String, max: Int, required: Bool = false, _ path: String, into errors: inout FieldErrorCollector
    ) {
        let bytes = Array(text.utf8)
        if required && bytes.allSatisfy({ $0 == UInt8(ascii: " ") }) {
            errors.add(path, code: "required", "must not be blank")
        }
        if !bytes.allSatisfy({ NACHAText.isAllowed(uppercased($0)) }) {
            errors.add(
                path, code: "invalid_character",
                "contains a character NACHA does not allow (A-Z, 0-9, space and ! \" # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \\ ] { | } ~)"
            )
        } else if bytes.count > max {
            errors.add(path, code: "too_long", "longer than \(max) characters")
        }
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
    }

    // MARK: - Rendering

    /// Counts, hash and totals of a batch or a file, as their control records hold them.
    struct Totals {
        var entryAndAddendaCount = 0
        /// Summed without the modulus so a too-large batch is noticed; the record keeps the last 10 digits.
        var entryHash: Int64 = 0
        var debitMinorUnits: Int64 = 0
        var creditMinorUnits: Int64 = 0

        mutating func add(_ entry: NACHAFile.Entry) {
            entryAndAddendaCount += entry.addenda == nil ? 1 : 2
            entryHash += Int64(entry.receivingDFI.value.prefix(8))!
            // Bounded: at most 9,999,999,999 per entry, and too many entries is refused before this overflows.
            let amount = max(0, min(entry.amount.minorUnits, NACHAText.amountMaxMinorUnits))
            if entry.transactionCode.isCredit { creditMinorUnits += amount } else { debitMinorUnits += amount }
        }

        mutating func add(_ other: Totals) {
            entryAndAddendaCount += other.entryAndAddendaCount
            entryHash += other.entryHash
            debitMinorUnits += other.debitMinorUnits
            creditMinorUnits += other.creditMinorUnits
        }

        func fits(countDigits: Int) -> Bool {
            var limit = 1
            for _ in 0..<countDigits { limit *= 10 }
            return entryAndAddendaCount < limit && debitMinorUnits < 1_000_000_000_000
                && creditMinorUnits < 1_000_000_000_000
        }
    }

    static func render(_ file: NACHAFile) -> Data {
        var records = RecordWriter()
        let header = file.header
        records.record {
            $0.text("1")
            $0.text("01")
            $0.text(" " + header.immediateDestination.value)
            $0.rightJustified(header.immediateOrigin, 10)
            $0.date(header.creationDate)
            if let time = header.creationTime {
                $0.number(time.hour, 2)
                $0.number(time.minute, 2)
            } else {
                $0.text("    ")
            }
            $0.text(String(header.fileIDModifier))
            $0.text("094101")
            $0.text(header.immediateDestinationName, 23)
            $0.text(header.immediateOriginName, 23)
            $0.text(header.referenceCode, 8)
        }
        var fileTotals = Totals()
        for batch in file.batches {
            records.record {
                $0.text("5")
                $0.number(batch.serviceClass.rawValue, 3)
                $0.text(batch.companyName, 16)
                $0.text(batch.companyDiscretionaryData, 20)
                $0.text(batch.companyIdentification, 10)
                $0.text(batch.standardEntryClass.rawValue)
                $0.text(batch.entryDescription, 10)
                $0.text(batch.companyDescriptiveDate, 6)
                $0.date(batch.effectiveEntryDate)
                $0.text("   ")  // settlement date: the ACH operator fills it in
                $0.text("1")  // originator status code: a DFI bound by the NACHA rules
                $0.text(batch.originatingDFI)
                $0.number(batch.batchNumber, 7)
            }
            var totals = Totals()
            for entry in batch.entries {
                records.record {
                    $0.text("6")
                    $0.number(entry.transactionCode.rawValue, 2)
                    $0.text(entry.receivingDFI.value)
                    $0.text(entry.accountNumber, 17)
                    $0.number(Int(entry.amount.minorUnits), 10)
                    $0.text(entry.individualIdentification, 15)
                    $0.text(entry.individualName, 22)
                    $0.text(entry.discretionaryData, 2)
                    $0.text(entry.addenda == nil ? "0" : "1")
                    $0.text(batch.originatingDFI)
                    $0.number(entry.traceSequenceNumber, 7)
                }
                if let addenda = entry.addenda {
                    records.record {
                        $0.text("705")
                        $0.text(addenda.paymentRelatedInformation, 80)
                        $0.text("0001")
                        $0.number(entry.traceSequenceNumber, 7)
                    }
                }
                totals.add(entry)
            }
            records.record {
                $0.text("8")
                $0.number(batch.serviceClass.rawValue, 3)
                $0.number(totals.entryAndAddendaCount, 6)
                $0.number(Int(totals.entryHash % 10_000_000_000), 10)
                $0.number(Int(totals.debitMinorUnits), 12)
                $0.number(Int(totals.creditMinorUnits), 12)
                $0.text(batch.companyIdentification, 10)
                $0.text("", 19)  // message authentication code
                $0.text("", 6)  // reserved
                $0.text(batch.originatingDFI)
                $0.number(batch.batchNumber, 7)
            }
            fileTotals.add(totals)
        }
        let recordCount = records.count + 1
        let blockCount = (recordCount + NACHAText.blockingFactor - 1) / NACHAText.blockingFactor
        records.record {
            $0.text("9")
            $0.number(file.batches.count, 6)
            $0.number(blockCount, 6)
            $0.number(fileTotals.entryAndAddendaCount, 8)
            $0.number(Int(fileTotals.entryHash % 10_000_000_000), 10)
            $0.number(Int(fileTotals.debitMinorUnits), 12)
            $0.number(Int(fileTotals.creditMinorUnits), 12)
            $0.text("", 39)
        }
        while records.count % NACHAText.blockingFactor != 0 {
            records.bytes.append(contentsOf: NACHAText.paddingRecord)
            records.bytes.append(UInt8(ascii: "\n"))
            records.count += 1
        }
        return Data(records.bytes)
    }

    /// Appends fields to the file's bytes, one record at a time.
    struct RecordWriter {
        var bytes: [UInt8] = []
        var count = 0

        mutating func record(_ build: (inout RecordWriter) -> Void) {
            let start = bytes.count
            build(&self)
            // The checks above make every field fit; a wrong width here is a bug in this file, not input.
            precondition(bytes.count - start == NACHAText.recordLength, "NACHA record is not 94 characters")
            bytes.append(UInt8(ascii: "\n"))
            count += 1
        }

        /// Uppercased and left-justified in `width` (or as is when `width` is nil).
        mutating func text(_ value: String, _ width: Int? = nil) {
            let start = bytes.count
            bytes.append(contentsOf: value.utf8.map(NACHAWriter.uppercased))
            if let width {
                bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - (bytes.count - start)))
            }
        }

        mutating func rightJustified(_ value: String, _ width: Int) {
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }

        /// Zero-padded on the left to `width` digits.
        mutating func number(_ value: Int, _ width: Int) {
            let digits = Array(String(value).utf8)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
            bytes.append(contentsOf: digits)
        }

        mutating func date(_ date: LocalDate) {
            number(date.year % 100, 2)
            number(date.month, 2)
            number(date.day, 2)
        }
    }
}
