import BankFormats
import Foundation
import PayHubDomain
import Testing

private func routing(_ text: String) -> ABARoutingNumber { try! ABARoutingNumber(text) }
private func date(_ text: String) -> LocalDate { try! LocalDate(iso8601: text) }
private func usd(_ cents: Int64) -> Money { Money(minorUnits: cents, currency: .usd) }

/// A PPD payroll batch of two credits, the second with an addenda; lowercase on purpose.
private func sample() -> NACHAFile {
    NACHAFile(
        header: .init(
            immediateDestination: routing("021000021"), immediateOrigin: "1234567890",
            creationDate: date("2024-01-02"), creationTime: .init(hour: 10, minute: 30), fileIDModifier: "A",
            immediateDestinationName: "JPMorgan Chase", immediateOriginName: "ACME Corp"),
        batches: [
            .init(
                serviceClass: .creditsOnly, companyName: "ACME Corp", companyIdentification: "1234567890",
                standardEntryClass: .ppd, entryDescription: "Payroll", effectiveEntryDate: date("2024-01-03"),
                originatingDFI: "02100002", batchNumber: 1,
                entries: [
                    .init(
                        transactionCode: .checkingCredit, receivingDFI: routing("011000015"),
                        accountNumber: "123456789", amount: usd(123_456), individualIdentification: "EMP001",
                        individualName: "Jane Doe", traceSequenceNumber: 1),
                    .init(
                        transactionCode: .savingsCredit, receivingDFI: routing("121000248"),
                        accountNumber: "987654321", amount: usd(9_999), individualIdentification: "EMP002",
                        individualName: "John Q Public", traceSequenceNumber: 2,
                        addenda: .init(paymentRelatedInformation: "Bonus March 2024")),
                ])
        ])
}

/// `sample()` as NACHA lines, written by hand.
///
/// Batch control and file control, computed by hand:
/// - entry/addenda count: 2 entries + 1 addenda = 3 (`000003`, file: `00000003`)
/// - entry hash: 01100001 (RDFI of 011000015) + 12100024 (RDFI of 121000248) = 13200025 → `0013200025`
/// - total debit: 0; total credit: 123456 + 9999 = 133455 cents → `000000133455`
/// - 7 records (1, 5, 6, 6, 7, 8, 9) → 1 block of 10, so 3 padding records; block count `000001`.
private let golden: [String] = [
    "101 02100002112345678902401021030A094101JPMORGAN CHASE         ACME CORP                      ",
    "5220ACME CORP                           1234567890PPDPAYROLL         240103   1021000020000001",
    "622011000015123456789        0000123456EMP001         JANE DOE                0021000020000001",
    "632121000248987654321        0000009999EMP002         JOHN Q PUBLIC           1021000020000002",
    "705BONUS MARCH 2024                                                                00010000002",
    "822000000300132000250000000000000000001334551234567890                         021000020000001",
    "9000001000001000000030013200025000000000000000000133455                                       ",
    String(repeating: "9", count: 94),
    String(repeating: "9", count: 94),
    String(repeating: "9", count: 94),
]

private func lines(of data: Data) -> [String] {
    String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

private func file(_ lines: [String]) -> Data { Data(lines.map { $0 + "\n" }.joined().utf8) }

@Suite("NACHA writer, reader and validator")
struct NACHAWriterTests {
    @Test("the golden file, byte for byte: 94-character records, LF endings, controls and padding")
    func golden() throws {
        #expect(BankFormatsTests.golden.allSatisfy { $0.utf8.count == 94 }, "the hand-written lines are 94 wide")
        let data = try NACHAWriter.write(sample())
        let written = lines(of: data)
        #expect(written.last == "", "every record ends in \\n, the last one too")
        for (index, expected) in BankFormatsTests.golden.enumerated() {
            #expect(written[index] == expected, "line \(index + 1)")
        }
        #expect(data == file(BankFormatsTests.golden))
    }

    @Test("written, read back equal (texts uppercased), and validated clean")
    func roundTrip() throws {
        let data = try NACHAWriter.write(sample())
        #expect(NACHAValidator.validate(data) == [])
        let read = try NACHAReader.read(data)
        var expected = sample()
        expected.header.immediateDestinationName = "JPMORGAN CHASE"
        expected.header.immediateOriginName = "ACME CORP"
        expected.batches[0].companyName = "ACME CORP"
        expected.batches[0].entryDescription = "PAYROLL"
        expected.batches[0].entries[0].individualName = "JANE DOE"
        expected.batches[0].entries[1].individualName = "JOHN Q PUBLIC"
        expected.batches[0].entries[1].addenda = .init(paymentRelatedInformation: "BONUS MARCH 2024")
        #expect(read == expected)
        // CRLF line endings are read the same.
        let crlf = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
        #expect(NACHAValidator.validate(crlf) == [])
        #expect(try NACHAReader.read(crlf) == expected)
    }

    struct Injected: Sendable, CustomStringConvertible {
        var name: String
        var change: @Sendable ([String]) -> [String]
        var code: NACHAProblem.Code
        var line: Int
        var recordType: NACHAProblem.RecordType
        var field: String
        var description: String { name }
    }

    static func replacing(_ line: Int, at position: Int, with text: String) -> @Sendable ([String]) -> [String] {
        { lines in
            var lines = lines
            var bytes = Array(lines[line - 1].utf8)
            bytes.replaceSubrange((position - 1)..<(position - 1 + text.utf8.count), with: text.utf8)
            lines[line - 1] = String(decoding: bytes, as: UTF8.self)
            return lines
        }
    }

    static let injected: [Injected] = [
        Injected(
            name: "wrong batch entry hash", change: replacing(6, at: 11, with: "0013200026"),
            code: .entryHashMismatch, line: 6, recordType: .batchControl, field: "entryHash"),
        Injected(
            name: "wrong file entry hash", change: replacing(7, at: 22, with: "0013200024"),
            code: .entryHashMismatch, line: 7, recordType: .fileControl, field: "entryHash"),
        Injected(
            name: "wrong batch count of entries", change: replacing(6, at: 5, with: "000002"),
            code: .countMismatch, line: 6, recordType: .batchControl, field: "entryAddendaCount"),
        Injected(
            name: "wrong file count of entries", change: replacing(7, at: 14, with: "00000004"),
            code: .countMismatch, line: 7, recordType: .fileControl, field: "entryAddendaCount"),
        Injected(
            name: "wrong batch count", change: replacing(7, at: 2, with: "000002"),
            code: .countMismatch, line: 7, recordType: .fileControl, field: "batchCount"),
        Injected(
            name: "93-character entry",
            change: {
                var lines = $0; lines[2].removeLast(); return lines
            },
            code: .recordLength, line: 3, recordType: .entryDetail, field: "record"),
        Injected(
            name: "bad RDFI check digit", change: replacing(4, at: 12, with: "9"),
            code: .routingCheckDigit, line: 4, recordType: .entryDetail, field: "receivingDFI"),
        Injected(
            name: "bad destination check digit", change: replacing(1, at: 13, with: "2"),
            code: .routingCheckDigit, line: 1, recordType: .fileHeader, field: "immediateDestination"),
        Injected(
            name: "missing padding", change: { Array($0.prefix(7)) },
            code: .padding, line: 7, recordType: .fileControl, field: "record"),
        Injected(
            name: "wrong batch total credit", change: replacing(6, at: 33, with: "000000133456"),
            code: .totalMismatch, line: 6, recordType: .batchControl, field: "totalCreditAmount"),
        Injected(
            name: "wrong file total debit", change: replacing(7, at: 32, with: "000000000001"),
            code: .totalMismatch, line: 7, recordType: .fileControl, field: "totalDebitAmount"),
        Injected(
            name: "entry amount changed, totals not", change: replacing(3, at: 30, with: "0000123457"),
            code: .totalMismatch, line: 6, recordType: .batchControl, field: "totalCreditAmount"),
        Injected(
            name: "trace numbers out of order", change: replacing(4, at: 88, with: "0000001"),
            code: .traceNumber, line: 4, recordType: .entryDetail, field: "traceNumber"),
        Injected(
            name: "trace number of another ODFI", change: replacing(3, at: 80, with: "02100003"),
            code: .traceNumber, line: 3, recordType: .entryDetail, field: "traceNumber"),
        Injected(
            name: "wrong block count", change: replacing(7, at: 8, with: "000002"),
            code: .blockCount, line: 7, recordType: .fileControl, field: "blockCount"),
        Injected(
            name: "entries swapped with the batch header",
            change: {
                var lines = $0; lines.swapAt(1, 2); return lines
            },
            code: .recordOrder, line: 2, recordType: .entryDetail, field: "record"),
        Injected(
            name: "addenda without indicator", change: replacing(4, at: 79, with: "0"),
            code: .recordOrder, line: 5, recordType: .addenda, field: "record"),
        Injected(
            name: "debit in a credits-only batch", change: replacing(3, at: 2, with: "27"),
            code: .invalidValue, line: 3, recordType: .entryDetail, field: "transactionCode"),
        Injected(
            name: "impossible effective date", change: replacing(2, at: 70, with: "240230"),
            code: .invalidValue, line: 2, recordType: .batchHeader, field: "effectiveEntryDate"),
        Injected(
            name: "lowercase name", change: replacing(3, at: 55, with: "jane"),
            code: .invalidValue, line: 3, recordType: .entryDetail, field: "individualName"),
        Injected(
            name: "record after the padding", change: { $0 + [$0[2]] },
            code: .recordOrder, line: 11, recordType: .entryDetail, field: "record"),
    ]

    @Test("the validator finds each injected error on its line, record and field", arguments: injected)
    func injectedError(_ injected: Injected) throws {
        let data = file(injected.change(BankFormatsTests.golden))
        let problems = NACHAValidator.validate(data)
        let found = problems.contains {
            $0.code == injected.code && $0.line == injected.line && $0.recordType == injected.recordType
                && $0.field == injected.field
        }
        #expect(found, "\(injected.name): \(problems)")
        #expect(throws: FormatError.self) { try NACHAReader.read(data) }
    }

    @Test("the validator never repeats the account number, and reports an empty file")
    func problemsStayGeneric() {
        let data = file(Self.replacing(3, at: 13, with: "12345é")(BankFormatsTests.golden))
        let problems = NACHAValidator.validate(data)
        #expect(problems.contains { $0.field == "accountNumber" && $0.line == 3 })
        #expect(!problems.map(\.description).joined().contains("12345"))
        #expect(NACHAValidator.validate(Data()).map(\.code) == [.recordOrder])
    }

    @Test("the reader's error names the line, record and field")
    func readerError() {
        let data = file(Self.replacing(6, at: 11, with: "0013200026")(BankFormatsTests.golden))
        #expect {
            try NACHAReader.read(data)
        } throws: { error in
            (error as? FormatError)?.location == "line 6, record 8, field entryHash"
        }
    }

    struct Refused: Sendable, CustomStringConvertible {
        var path: String
        var code: String
        var change: @Sendable (inout NACHAFile) -> Void
        var description: String { "\(path) \(code)" }
    }

    static let refused: [Refused] = [
        Refused(path: "batches[0].entries[0].individualName", code: "too_long") {
            $0.batches[0].entries[0].individualName = String(repeating: "N", count: 23)
        },
        Refused(path: "batches[0].entries[1].individualName", code: "invalid_character") {
            $0.batches[0].entries[1].individualName = "José Núñez"
        },
        Refused(path: "batches[0].entries[0].accountNumber", code: "invalid_character") {
            $0.batches[0].entries[0].accountNumber = "12345_678"
        },
        Refused(path: "batches[0].entries[0].accountNumber", code: "too_long") {
            $0.batches[0].entries[0].accountNumber = "123456789012345678"
        },
        Refused(path: "batches[0].entries[0].amount", code: "out_of_range") {
            $0.batches[0].entries[0].amount = usd(10_000_000_000)
        },
        Refused(path: "batches[0].entries[0].amount", code: "out_of_range") {
            $0.batches[0].entries[0].amount = usd(-1)
        },
        Refused(path: "batches[0].entries[0].amount", code: "currency") {
            $0.batches[0].entries[0].amount = Money(minorUnits: 100, currency: .eur)
        },
        Refused(path: "batches[0].entries[0].transactionCode", code: "not_in_service_class") {
            $0.batches[0].entries[0].transactionCode = .checkingDebit
        },
        Refused(path: "batches[0].entries[1].traceSequenceNumber", code: "not_ascending") {
            $0.batches[0].entries[1].traceSequenceNumber = 1
        },
        Refused(path: "batches[0].entries[1].addenda.paymentRelatedInformation", code: "too_long") {
            $0.batches[0].entries[1].addenda = .init(paymentRelatedInformation: String(repeating: "X", count: 81))
        },
        Refused(path: "batches[0].effectiveEntryDate", code: "invalid_date") {
            $0.batches[0].effectiveEntryDate = date("1999-12-31")
        },
        Refused(path: "header.creationDate", code: "invalid_date") { $0.header.creationDate = date("2100-01-01") },
        Refused(path: "header.creationTime", code: "invalid_time") {
            $0.header.creationTime = .init(hour: 24, minute: 0)
        },
        Refused(path: "header.fileIDModifier", code: "invalid_value") { $0.header.fileIDModifier = "a" },
        Refused(path: "header.immediateOrigin", code: "invalid_value") { $0.header.immediateOrigin = "12345678" },
        Refused(path: "batches[0].originatingDFI", code: "invalid_value") { $0.batches[0].originatingDFI = "0210000" },
        Refused(path: "batches[0].companyName", code: "required") { $0.batches[0].companyName = "  " },
        Refused(path: "batches[0].entryDescription", code: "too_long") {
            $0.batches[0].entryDescription = "PAYROLL JAN"
        },
        Refused(path: "batches[0].batchNumber", code: "out_of_range") { $0.batches[0].batchNumber = 10_000_000 },
        Refused(path: "batches[0].entries", code: "empty") { $0.batches[0].entries = [] },
        Refused(path: "batches", code: "empty") { $0.batches = [] },
    ]

    @Test("the writer refuses bad input with the field's path, never truncating", arguments: refused)
    func writerRefuses(_ refused: Refused) {
        var input = sample()
        refused.change(&input)
        #expect {
            try NACHAWriter.write(input)
        } throws: { error in
            guard let failure = error as? ValidationFailure else { return false }
            return failure.errors.contains { $0.path == refused.path && $0.code == refused.code }
                && !failure.description.contains("12345")
        }
    }

    @Test("a routing number with a wrong check digit cannot even be made, so never written")
    func routingCheckDigit() {
        #expect(throws: IdentifierError.self) { try ABARoutingNumber("011000016") }
    }

    @Test("corrupted bytes never trap; the reader reads exactly the files the validator passes (seeded)")
    func corruptedBytes() {
        let seed: UInt64 = 0x0BAD_AC40
        var random = SplitMix64(seed: seed)
        let original = Array(file(BankFormatsTests.golden))
        let replacements = Array("0123456789 9AZ\n\r\u{7F}é".utf8)
        var caught = 0
        for iteration in 0..<2_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = replacements.randomElement(using: &random)!
                case 1: bytes.remove(at: index)
                default: bytes.insert(replacements.randomElement(using: &random)!, at: index)
                }
            }
            let data = Data(bytes)
            let problems = NACHAValidator.validate(data)
            let read = try? NACHAReader.read(data)
            #expect((read == nil) == !problems.isEmpty, "seed \(seed) iteration \(iteration): \(problems)")
            if !problems.isEmpty { caught += 1 }
        }
        // Most single-byte changes land in a checked field; some (a name's letter) are legitimately valid.
        #expect(caught > 1_500)
    }

    @Test("random valid files always validate clean and read back equal (seeded SplitMix64)")
    func randomFiles() throws {
        let seed: UInt64 = 0x4E41_4348_41
        var random = SplitMix64(seed: seed)
        for iteration in 0..<300 {
            let original = randomFile(&random)
            let data = try NACHAWriter.write(original)
            let problems = NACHAValidator.validate(data)
            #expect(problems == [], "seed \(seed) iteration \(iteration): \(problems)")
            #expect(lines(of: data).dropLast().allSatisfy { $0.utf8.count == 94 })
            #expect(lines(of: data).dropLast().count % 10 == 0)
            let read = try NACHAReader.read(data)
            #expect(read == original, "seed \(seed) iteration \(iteration)")
            if read != original || !problems.isEmpty { return }
        }
    }
}

// MARK: - Random files

private let textAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]{|}~")

/// Up to `max` characters of NACHA text, never ending in a space (the file's padding).
private func randomText(_ random: inout SplitMix64, max: Int, min: Int = 0) -> String {
    let count = Int.random(in: min...max, using: &random)
    var text = String((0..<count).map { _ in textAlphabet.randomElement(using: &random)! })
    while text.last == " " { text.removeLast() }
    if text.isEmpty && min > 0 { text = "X" }
    return text
}

private func randomDigits(_ random: inout SplitMix64, _ count: Int) -> String {
    String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
}

private func randomRouting(_ random: inout SplitMix64) -> ABARoutingNumber {
    let prefixes = Array(0...12) + Array(21...32) + Array(61...72) + [80]
    let prefix = prefixes.randomElement(using: &random)!
    let first8 = (prefix < 10 ? "0" : "") + String(prefix) + randomDigits(&random, 6)
    return try! ABARoutingNumber(first8 + String(ABARoutingNumber.checkDigit(for: first8)!))
}

private func randomDate(_ random: inout SplitMix64) -> LocalDate {
    try! LocalDate(
        year: Int.random(in: 2000...2099, using: &random), month: Int.random(in: 1...12, using: &random),
        day: Int.random(in: 1...28, using: &random))
}

private func randomFile(_ random: inout SplitMix64) -> NACHAFile {
    let header = NACHAFile.FileHeader(
        immediateDestination: randomRouting(&random),
        immediateOrigin: randomDigits(&random, Bool.random(using: &random) ? 9 : 10),
        creationDate: randomDate(&random),
        creationTime: Bool.random(using: &random)
            ? .init(hour: Int.random(in: 0...23, using: &random), minute: Int.random(in: 0...59, using: &random)) : nil,
        fileIDModifier: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789").randomElement(using: &random)!,
        immediateDestinationName: randomText(&random, max: 23), immediateOriginName: randomText(&random, max: 23),
        referenceCode: randomText(&random, max: 8))
    var batchNumber = 0
    let batches = (0..<Int.random(in: 1...4, using: &random)).map { _ in
        batchNumber += Int.random(in: 1...1_000, using: &random)
        let serviceClass = NACHAFile.ServiceClass.allCases.randomElement(using: &random)!
        let codes = NACHAFile.TransactionCode.allCases.filter {
            switch serviceClass {
            case .mixed: true
            case .creditsOnly: $0.isCredit
            case .debitsOnly: !$0.isCredit
            }
        }
        var trace = Int.random(in: 0...1_000, using: &random)
        // Sometimes many entries, so the hash overflows 10 digits and files span several blocks.
        let entryCount = Int.random(in: 0..<10, using: &random) == 0 ? 1_500 : Int.random(in: 1...12, using: &random)
        let entries = (0..<entryCount).map { _ in
            trace += Int.random(in: 1...3, using: &random)
            return NACHAFile.Entry(
                transactionCode: codes.randomElement(using: &random)!, receivingDFI: randomRouting(&random),
                accountNumber: randomText(&random, max: 17, min: 1),
                // The largest amounts only in small batches: 1,500 of them would pass the 12-digit totals.
                amount: usd(
                    entryCount <= 12 && Bool.random(using: &random)
                        ? Int64.random(in: 1...9_999_999_999, using: &random)
                        : Int64.random(in: 1...100_000, using: &random)),
                individualIdentification: randomText(&random, max: 15),
                individualName: randomText(&random, max: 22, min: 1), discretionaryData: randomText(&random, max: 2),
                traceSequenceNumber: trace,
                addenda: Bool.random(using: &random)
                    ? .init(paymentRelatedInformation: randomText(&random, max: 80)) : nil)
        }
        return NACHAFile.Batch(
            serviceClass: serviceClass, companyName: randomText(&random, max: 16, min: 1),
            companyDiscretionaryData: randomText(&random, max: 20),
            companyIdentification: randomText(&random, max: 10, min: 1),
            standardEntryClass: NACHAFile.StandardEntryClass.allCases.randomElement(using: &random)!,
            entryDescription: randomText(&random, max: 10, min: 1),
            companyDescriptiveDate: randomText(&random, max: 6), effectiveEntryDate: randomDate(&random),
            originatingDFI: randomDigits(&random, 8), batchNumber: batchNumber, entries: entries)
    }
    return NACHAFile(header: header, batches: batches)
}
