import BankFormats
import Foundation
import PayHubDomain
import Testing

/// Random valid batches from a seeded ``SplitMix64``: reproducible, so a failure names its seed and case.
struct ChinaBatchGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// Two-byte GBK characters; none of them appears in an error message (which would blur the check
    /// that messages never repeat names).
    static let chinese = Array("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜银分支有限公司科技贸易深圳上海北京广州杭州（）、。")
    static let ascii = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ()-.,&/#")
    static let referenceCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-?:().,'+")
    static let bankCategories = ["308", "308", "102", "103", "104", "105", "301", "403"]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }

    mutating func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(int(0...9))) }) }

    mutating func reference(prefix: String = "") -> String {
        let count = int(1...(30 - prefix.count))
        return prefix
            + String((0..<count).map { _ in Self.referenceCharacters[int(0...Self.referenceCharacters.count - 1)] })
    }

    /// A text of at most `maxBytes` bytes in GBK, mixing Chinese and ASCII.
    mutating func text(maxBytes: Int, required: Bool) -> String {
        let target = int((required ? 1 : 0)...maxBytes)
        var text = ""
        var bytes = 0
        while bytes < target {
            if target - bytes >= 2 && chance(70) {
                text.append(Self.chinese[int(0...Self.chinese.count - 1)])
                bytes += 2
            } else {
                text.append(Self.ascii[int(0...Self.ascii.count - 1)])
                bytes += 1
            }
        }
        return text
    }

    mutating func amount() -> Money {
        let digitCount = int(1...15)
        var limit: Int64 = 1
        for _ in 0..<digitCount { limit *= 10 }
        let fen = Int64.random(in: 1...min(limit - 1, ChinaBatchPaymentLayout.amountMaxMinorUnits), using: &random)
        return Money(minorUnits: fen, currency: .cny)
    }

    mutating func file() -> ChinaBatchPaymentFile {
        let count = chance(90) ? int(1...12) : int(13...60)
        var records: [ChinaBatchPaymentFile.Record] = []
        for number in 1...count {
            let category = Self.bankCategories[int(0...Self.bankCategories.count - 1)]
            let code = try! CNAPSCode(category + digits(9))
            let intraBank = category == ChinaBatchPaymentLayout.bankCategoryCode
            records.append(
                .init(
                    sequenceNumber: number, endToEndID: reference(prefix: "\(number)-"),
                    payeeAccount: digits(int(10...35)), payeeName: text(maxBytes: 200, required: true),
                    payeeBankCode: code, payeeBankName: text(maxBytes: 62, required: true),
                    payeeBankAddress: text(maxBytes: 62, required: !intraBank || chance(50)), amount: amount(),
                    settlement: chance(50) ? .normal : .urgent, purpose: text(maxBytes: 62, required: true),
                    remark: chance(30) ? "" : text(maxBytes: 200, required: false)))
        }
        let date = try! LocalDate(daysSinceEpoch: int(10_957...47_481))  // 2000-01-01 ... 2099-12-31
        return ChinaBatchPaymentFile(
            batchID: reference(), payerAccount: digits(int(10...35)), payerName: text(maxBytes: 200, required: true),
            executionDate: date, records: records)
    }

    /// A value that makes `field` wrong on its own line (for the record count and total: wrong against
    /// the transfers), given the line's current fields and the other lines' end-to-end ids.
    mutating func badValue(for field: String, current: String, earlierIDs: [String]) -> String {
        let long = { (count: Int) in String(repeating: "银", count: count) }
        let choices: [String]
        switch field {
        case "batchID": choices = ["", "A B", String(repeating: "A", count: 31)]
        case "payerAccount", "payeeAccount": choices = ["", "12a4", String(repeating: "1", count: 36), "12 34"]
        case "payerName", "payeeName": choices = ["", long(101), "名\u{1}", "名𠀀"]
        case "currency": choices = ["CNY", "", "11"]
        case "executionDate": choices = ["2025-03-14", "20251301", "", "2025031"]
        case "recordCount": choices = ["x", String((Int(current) ?? 0) + 1), "", "-1"]
        case "totalAmount": choices = ["abc", "-1.00", "0", "1.234"]
        case "sequenceNumber": choices = ["0", "x", String((Int(current) ?? 0) + 1), ""]
        case "endToEndID":
            choices = earlierIDs.isEmpty ? ["", "a b", String(repeating: "E", count: 31)] : [earlierIDs[0]]
        case "payeeBankCode": choices = ["12345", "1234567890ab", "", "1234567890123"]
        case "payeeBankName": choices = ["", long(32)]
        case "payeeBankAddress": choices = [long(32), "\u{1}"]
        case "bankFlag": choices = ["X", current == "Y" ? "N" : "Y", ""]
        case "amount": choices = ["0", "1.001", "", "-5", "1e5", "10000000000000"]
        case "settlement": choices = ["", "S", "n"]
        case "purpose": choices = ["", long(32)]
        default: choices = [long(101), "x\u{1F}"]  // remark
        }
        return choices[int(0...choices.count - 1)]
    }
}

@Suite("China batch payment properties")
struct ChineseBatchPaymentPropertyTests {
    static let summaryFields = [
        "batchID", "payerAccount", "payerName", "currency", "executionDate", "recordCount", "totalAmount",
    ]
    static let recordFields = [
        "sequenceNumber", "endToEndID", "payeeAccount", "payeeName", "payeeBankCode", "payeeBankName",
        "payeeBankAddress", "bankFlag", "amount", "settlement", "purpose", "remark",
    ]

    static func text(_ data: Data) -> String { String(data: data, encoding: String.Encoding(rawValue: 0x8000_0632))! }

    @Test("300 random valid batches: written, validated clean, read back equal, in GB18030 and UTF-8")
    func roundTrips() throws {
        for seed in UInt64(1)...300 {
            var generator = ChinaBatchGenerator(seed: seed)
            let file = generator.file()
            #expect(ChinaBatchPaymentWriter.validate(file) == [], "seed \(seed)")
            let data = try ChinaBatchPaymentWriter.write(file)
            #expect(try ChinaBatchPaymentWriter.write(file) == data, "seed \(seed): deterministic")
            #expect(ChinaBatchPaymentValidator.validate(data) == [], "seed \(seed)")
            #expect(try ChinaBatchPaymentReader.read(data) == file, "seed \(seed)")
            let utf8 = Data(Self.text(data).utf8)
            #expect(try ChinaBatchPaymentReader.read(utf8) == file, "seed \(seed): UTF-8")
        }
    }

    @Test("500 single-byte corruptions: reported, or read as a different batch; never a trap")
    func byteCorruptions() throws {
        for seed in UInt64(1_001)...1_500 {
            var generator = ChinaBatchGenerator(seed: seed)
            let file = generator.file()
            var bytes = [UInt8](try ChinaBatchPaymentWriter.write(file))
            let position = generator.int(0...bytes.count - 1)
            var replacement = UInt8(generator.int(0...255))
            if replacement == bytes[position] { replacement ^= 0x01 }
            bytes[position] = replacement
            let data = Data(bytes)
            let errors = ChinaBatchPaymentValidator.validate(data)
            if errors.isEmpty {
                let read = try ChinaBatchPaymentReader.read(data)
                #expect(read != file, "seed \(seed): byte \(position) changed but the batch reads the same")
            } else {
                #expect(throws: ValidationFailure(errors), "seed \(seed)") { try ChinaBatchPaymentReader.read(data) }
                Self.expectNoSecrets(errors, of: file, "seed \(seed)")
            }
        }
    }

    @Test("500 single-field corruptions: each reported on its line and field")
    func fieldCorruptions() throws {
        for seed in UInt64(2_001)...2_500 {
            var generator = ChinaBatchGenerator(seed: seed)
            let file = generator.file()
            var lines = Self.text(try ChinaBatchPaymentWriter.write(file)).components(separatedBy: "\r\n")
            lines.removeLast()  // after the final CRLF
            let lineIndex = generator.chance(25) ? 0 : generator.int(1...lines.count - 1)
            let names = lineIndex == 0 ? Self.summaryFields : Self.recordFields
            var fields = lines[lineIndex].components(separatedBy: "|")
            let fieldIndex = generator.int(0...names.count - 1)
            let earlierIDs = file.records.prefix(max(0, lineIndex - 1)).map(\.endToEndID)
            fields[fieldIndex] = generator.badValue(
                for: names[fieldIndex], current: fields[fieldIndex], earlierIDs: earlierIDs)
            lines[lineIndex] = fields.joined(separator: "|")
            let joined = lines.map { $0 + "\r\n" }.joined()
            let data =
                generator.chance(50)
                ? Data(joined.utf8) : joined.data(using: String.Encoding(rawValue: 0x8000_0632))!
            let errors = ChinaBatchPaymentValidator.validate(data)
            let path = "line \(lineIndex + 1).\(names[fieldIndex])"
            #expect(
                errors.contains { $0.path == path },
                "seed \(seed): \(path) set to \(fields[fieldIndex].debugDescription) not reported: \(errors)")
            #expect(throws: ValidationFailure.self, "seed \(seed)") { try ChinaBatchPaymentReader.read(data) }
            Self.expectNoSecrets(errors, of: file, "seed \(seed)")
        }
    }

    @Test("random bytes and truncations never trap")
    func garbage() {
        var random = SplitMix64(seed: 42)
        let golden = [UInt8](ChinaBatchSample.goldenGBK)
        for round in 0..<300 {
            let bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            } else {
                bytes = Array(golden.prefix(Int.random(in: 0...golden.count - 1, using: &random)))
            }
            let errors = ChinaBatchPaymentValidator.validate(Data(bytes))
            #expect(!errors.isEmpty, "round \(round): \(bytes.count) bytes accepted")
        }
    }

    static func expectNoSecrets(_ errors: [FieldError], of file: ChinaBatchPaymentFile, _ comment: Comment) {
        let secrets =
            [file.payerAccount, file.payerName]
            + file.records.flatMap { [$0.payeeAccount, $0.payeeName] }.filter { $0.count >= 4 }
        for error in errors {
            for secret in secrets where secret.count >= 4 {
                #expect(!error.message.contains(secret), comment)
            }
        }
    }
}
