import BankFormats
import Foundation
import PayHubDomain
import Testing

/// Test data shared by the batch payment tests.
enum ChinaBatchSample {
    static func cnaps(_ text: String) -> CNAPSCode { try! CNAPSCode(text) }
    static func cny(_ fen: Int64) -> Money { Money(minorUnits: fen, currency: .cny) }

    /// Three transfers: one within China Merchants Bank (CNAPS 308…, no bank address), one urgent to ICBC
    /// with an empty remark, one to a person at CCB.
    static func file() -> ChinaBatchPaymentFile {
        ChinaBatchPaymentFile(
            batchID: "MSG-7F3A2B1C9D0E4F56-1", payerAccount: "755912345610802", payerName: "上海示例贸易有限公司",
            executionDate: try! LocalDate(iso8601: "2025-03-14"),
            records: [
                .init(
                    sequenceNumber: 1, endToEndID: "E2E-0001", payeeAccount: "6225880123456789",
                    payeeName: "深圳市南山科技有限公司", payeeBankCode: cnaps("308584000013"), payeeBankName: "招商银行深圳分行",
                    payeeBankAddress: "", amount: cny(1_234_560), settlement: .normal, purpose: "货款",
                    remark: "发票INV-2025-001"),
                .init(
                    sequenceNumber: 2, endToEndID: "E2E-0002", payeeAccount: "1001234509000012345",
                    payeeName: "北京示例咨询有限公司", payeeBankCode: cnaps("102100099996"), payeeBankName: "中国工商银行北京分行",
                    payeeBankAddress: "北京市", amount: cny(50_000_000), settlement: .urgent, purpose: "服务费"),
                .init(
                    sequenceNumber: 3, endToEndID: "E2E-0003", payeeAccount: "6217000010012345678", payeeName: "张三",
                    payeeBankCode: cnaps("105100000017"), payeeBankName: "中国建设银行北京分行", payeeBankAddress: "北京市",
                    amount: cny(8_808), settlement: .normal, purpose: "报销", remark: "差旅费"),
            ])
    }

    /// `file()` in the layout of docs/formats/china-batch-payment.md, written by hand. The total is
    /// 12,345.60 + 500,000.00 + 88.08 = 512,433.68; the first transfer is intra-bank (`Y`, CNAPS 308…).
    static let goldenLines: [String] = [
        "MSG-7F3A2B1C9D0E4F56-1|755912345610802|上海示例贸易有限公司|10|20250314|3|512433.68",
        "1|E2E-0001|6225880123456789|深圳市南山科技有限公司|308584000013|招商银行深圳分行||Y|12345.60|N|货款|发票INV-2025-001",
        "2|E2E-0002|1001234509000012345|北京示例咨询有限公司|102100099996|中国工商银行北京分行|北京市|N|500000.00|F|服务费|",
        "3|E2E-0003|6217000010012345678|张三|105100000017|中国建设银行北京分行|北京市|N|88.08|N|报销|差旅费",
    ]

    /// The golden lines in GBK with CRLF endings, as bytes: encoded by an independent GBK codec (not
    /// Foundation's), so the writer's encoding is checked against another implementation.
    static let goldenGBKHex =
        "4d53472d374633413242314339443045344635362d317c3735353931323334353631303830327cc9cfbaa3cabec0fdc3"
        + "b3d2d7d3d0cfdeb9abcbbe7c31307c32303235303331347c337c3531323433332e36380d0a317c4532452d303030317c"
        + "363232353838303132333435363738397cc9eedbdacad0c4cfc9bdbfc6bcbcd3d0cfdeb9abcbbe7c3330383538343030"
        + "303031337cd5d0c9ccd2f8d0d0c9eedbdab7d6d0d07c7c597c31323334352e36307c4e7cbbf5bfee7cb7a2c6b1494e56"
        + "2d323032352d3030310d0a327c4532452d303030327c313030313233343530393030303031323334357cb1b1bea9cabe"
        + "c0fdd7c9d1afd3d0cfdeb9abcbbe7c3130323130303039393939367cd6d0b9fab9a4c9ccd2f8d0d0b1b1bea9b7d6d0d0"
        + "7cb1b1bea9cad07c4e7c3530303030302e30307c467cb7fecef1b7d17c0d0a337c4532452d303030337c363231373030"
        + "303031303031323334353637387cd5c5c8fd7c3130353130303030303031377cd6d0b9fabda8c9e8d2f8d0d0b1b1bea9"
        + "b7d6d0d07cb1b1bea9cad07c4e7c38382e30387c4e7cb1a8cffa7cb2eec2c3b7d10d0a"

    static var goldenGBK: Data {
        var bytes: [UInt8] = []
        var index = goldenGBKHex.startIndex
        while index < goldenGBKHex.endIndex {
            let next = goldenGBKHex.index(index, offsetBy: 2)
            bytes.append(UInt8(goldenGBKHex[index..<next], radix: 16)!)
            index = next
        }
        return Data(bytes)
    }

    static func utf8(_ lines: [String], bom: Bool = false) -> Data {
        Data((bom ? [0xEF, 0xBB, 0xBF] : []) + Array(lines.map { $0 + "\r\n" }.joined().utf8))
    }

    static func gb18030(_ lines: [String]) -> Data {
        lines.map { $0 + "\r\n" }.joined().data(using: String.Encoding(rawValue: 0x8000_0632))!
    }

    /// Every account number and name of `file()`: no error message may contain one.
    static let secrets: [String] = {
        let sample = file()
        return [sample.payerAccount, sample.payerName] + sample.records.flatMap { [$0.payeeAccount, $0.payeeName] }
    }()
}

@Suite("China batch payment writer, reader and validator")
struct ChineseBatchPaymentTests {
    typealias Sample = ChinaBatchSample

    @Test("the golden file, byte for byte: GBK, '|'-separated, CRLF, summary with count and total")
    func golden() throws {
        #expect(Sample.goldenGBK.count == 419)
        // The independent encoding is the hand-written text: decoded, it gives the lines back.
        #expect(Sample.goldenGBK == Sample.gb18030(Sample.goldenLines))
        let written = try ChinaBatchPaymentWriter.write(Sample.file())
        #expect(written == Sample.goldenGBK)
        #expect(try ChinaBatchPaymentWriter.write(Sample.file()) == written, "the same value gives the same bytes")
    }

    @Test("GBK bytes of well-known characters: 招商银行 is D5D0 C9CC D2F8 D0D0")
    func gbkAnchor() throws {
        var file = Sample.file()
        file.payerName = "招商银行"
        let written = try ChinaBatchPaymentWriter.write(file)
        let anchor: [UInt8] = [0x7C, 0xD5, 0xD0, 0xC9, 0xCC, 0xD2, 0xF8, 0xD0, 0xD0, 0x7C]
        #expect([UInt8](written).firstRange(of: anchor) != nil)
    }

    @Test("written, validated clean and read back equal")
    func roundTrip() throws {
        let data = try ChinaBatchPaymentWriter.write(Sample.file())
        #expect(ChinaBatchPaymentWriter.validate(Sample.file()) == [])
        #expect(ChinaBatchPaymentValidator.validate(data) == [])
        #expect(try ChinaBatchPaymentReader.read(data) == Sample.file())
    }

    @Test(
        "GB18030 and UTF-8 (with and without BOM, CRLF or LF) read the same",
        arguments: ["gb18030", "utf8", "utf8-bom", "utf8-lf", "gbk-trailing-blank-lines"])
    func encodings(_ kind: String) throws {
        let data: Data
        switch kind {
        case "gb18030": data = Sample.goldenGBK
        case "utf8": data = Sample.utf8(Sample.goldenLines)
        case "utf8-bom": data = Sample.utf8(Sample.goldenLines, bom: true)
        case "utf8-lf": data = Data(Sample.goldenLines.map { $0 + "\n" }.joined().utf8)
        default: data = Sample.goldenGBK + Data("\r\n\r\n".utf8)
        }
        #expect(ChinaBatchPaymentValidator.validate(data) == [], "\(kind)")
        #expect(try ChinaBatchPaymentReader.read(data) == Sample.file(), "\(kind)")
    }

    @Test("a text of exactly the limit in GBK bytes is allowed, one byte more is not")
    func gbkLimits() throws {
        var file = Sample.file()
        file.records[2].payeeName = String(repeating: "张", count: 100)  // 200 bytes in GBK
        file.records[2].purpose = String(repeating: "货", count: 31)  // 62 bytes
        #expect(ChinaBatchPaymentWriter.validate(file) == [])
        let data = try ChinaBatchPaymentWriter.write(file)
        #expect(try ChinaBatchPaymentReader.read(data) == file)
        file.records[2].payeeName += "A"
        file.records[2].purpose = String(repeating: "货", count: 30) + "AB"  // 62 bytes: still fine
        #expect(ChinaBatchPaymentWriter.validate(file).map(\.path) == ["records[2].payeeName"])
        #expect(ChinaBatchPaymentWriter.validate(file).map(\.code) == ["too_long"])
    }

    // MARK: - Problems in files

    struct Injected: Sendable, CustomStringConvertible {
        var name: String
        /// 1-based line, 0-based field, new value; or a whole new line when `field` is nil.
        var line: Int
        var field: Int?
        var value: String
        var path: String
        var code: String
        var description: String { name }
    }

    static let injected: [Injected] = [
        Injected(
            name: "a field missing", line: 3, field: nil,
            value: "2|E2E-0002|1001234509000012345|北京示例咨询有限公司|102100099996|中国工商银行北京分行|北京市|N|500000.00|F|服务费",
            path: "line 3", code: "column_count"),
        Injected(
            name: "summary with an extra field", line: 1, field: nil,
            value: Sample.goldenLines[0] + "|", path: "line 1", code: "column_count"),
        Injected(
            name: "payee account not digits", line: 2, field: 2, value: "6225-8801-2345", path: "line 2.payeeAccount",
            code: "not_digits"),
        Injected(
            name: "payee account too long", line: 4, field: 2, value: String(repeating: "6", count: 36),
            path: "line 4.payeeAccount", code: "too_long"),
        Injected(
            name: "payer account not digits", line: 1, field: 1, value: "7559 1234", path: "line 1.payerAccount",
            code: "not_digits"),
        Injected(
            name: "CNAPS code of 11 digits", line: 3, field: 4, value: "10210009999", path: "line 3.payeeBankCode",
            code: "invalid_cnaps_code"),
        Injected(
            name: "CNAPS code with a letter", line: 3, field: 4, value: "10210009999X", path: "line 3.payeeBankCode",
            code: "invalid_cnaps_code"),
        Injected(
            name: "payee name of 202 GBK bytes", line: 4, field: 3, value: String(repeating: "张", count: 101),
            path: "line 4.payeeName", code: "too_long"),
        Injected(
            name: "payer name of 201 GBK bytes", line: 1, field: 2, value: String(repeating: "海", count: 100) + "X",
            path: "line 1.payerName", code: "too_long"),
        Injected(
            name: "purpose of 64 GBK bytes", line: 2, field: 10, value: String(repeating: "货", count: 32),
            path: "line 2.purpose", code: "too_long"),
        Injected(
            name: "payee name outside GBK", line: 4, field: 3, value: "张𠀀", path: "line 4.payeeName",
            code: "invalid_character"),
        Injected(
            name: "tab in the purpose", line: 2, field: 10, value: "货\t款", path: "line 2.purpose",
            code: "invalid_character"),
        Injected(
            name: "payee name missing", line: 2, field: 3, value: "", path: "line 2.payeeName", code: "required"),
        Injected(
            name: "no bank address for a cross-bank transfer", line: 4, field: 6, value: "",
            path: "line 4.payeeBankAddress", code: "required"),
        Injected(
            name: "amount zero", line: 4, field: 8, value: "0.00", path: "line 4.amount", code: "amount_not_positive"),
        Injected(
            name: "amount negative", line: 4, field: 8, value: "-88.08", path: "line 4.amount",
            code: "amount_not_positive"),
        Injected(
            name: "amount with 3 decimals", line: 4, field: 8, value: "88.080", path: "line 4.amount",
            code: "too_many_decimals"),
        Injected(
            name: "amount above the layout's limit", line: 4, field: 8, value: "10000000000000.00",
            path: "line 4.amount", code: "above_limit"),
        Injected(
            name: "amount of 30 digits", line: 4, field: 8, value: String(repeating: "9", count: 30),
            path: "line 4.amount", code: "above_limit"),
        Injected(
            name: "amount with a thousands separator", line: 3, field: 8, value: "500,000.00", path: "line 3.amount",
            code: "invalid_amount"),
        Injected(
            name: "summary count one too many", line: 1, field: 5, value: "4", path: "line 1.recordCount",
            code: "count_mismatch"),
        Injected(
            name: "summary count not a number", line: 1, field: 5, value: "three", path: "line 1.recordCount",
            code: "count_mismatch"),
        Injected(
            name: "summary total one fen off", line: 1, field: 6, value: "512433.69", path: "line 1.totalAmount",
            code: "total_mismatch"),
        Injected(
            name: "an amount that no longer adds up", line: 2, field: 8, value: "12345.61", path: "line 1.totalAmount",
            code: "total_mismatch"),
        Injected(
            name: "duplicate end-to-end id", line: 4, field: 1, value: "E2E-0001", path: "line 4.endToEndID",
            code: "duplicate_end_to_end_id"),
        Injected(
            name: "end-to-end id of 31 characters", line: 4, field: 1, value: String(repeating: "E", count: 31),
            path: "line 4.endToEndID", code: "too_long"),
        Injected(
            name: "end-to-end id with a space", line: 4, field: 1, value: "E2E 0003", path: "line 4.endToEndID",
            code: "invalid_character"),
        Injected(
            name: "currency USD", line: 1, field: 3, value: "32", path: "line 1.currency", code: "currency_not_cny"),
        Injected(
            name: "currency written CNY", line: 1, field: 3, value: "CNY", path: "line 1.currency",
            code: "currency_not_cny"),
        Injected(
            name: "execution date that does not exist", line: 1, field: 4, value: "20250230",
            path: "line 1.executionDate", code: "invalid_date"),
        Injected(
            name: "sequence number out of order", line: 3, field: 0, value: "5", path: "line 3.sequenceNumber",
            code: "sequence_number"),
        Injected(
            name: "intra-bank flag on a transfer to ICBC", line: 3, field: 7, value: "Y", path: "line 3.bankFlag",
            code: "bank_flag_mismatch"),
        Injected(
            name: "intra-bank flag neither Y nor N", line: 2, field: 7, value: "1", path: "line 2.bankFlag",
            code: "invalid_bank_flag"),
        Injected(
            name: "settlement neither N nor F", line: 3, field: 9, value: "U", path: "line 3.settlement",
            code: "invalid_settlement"),
    ]

    static func applying(_ injected: Injected) -> [String] {
        var lines = Sample.goldenLines
        if let field = injected.field {
            var fields = lines[injected.line - 1].split(separator: "|", omittingEmptySubsequences: false).map(
                String.init)
            fields[field] = injected.value
            lines[injected.line - 1] = fields.joined(separator: "|")
        } else {
            lines[injected.line - 1] = injected.value
        }
        return lines
    }

    @Test("an injected error is reported alone, with its line, field and code", arguments: injected)
    func injectedError(_ injected: Injected) throws {
        let lines = Self.applying(injected)
        for data in [Sample.utf8(lines), Sample.gb18030(lines)] {
            let errors = ChinaBatchPaymentValidator.validate(data)
            #expect(errors.map(\.path) == [injected.path], "\(injected.name)")
            #expect(errors.map(\.code) == [injected.code], "\(injected.name)")
            for error in errors {
                for secret in Sample.secrets {
                    #expect(!error.message.contains(secret) && !error.description.contains(secret))
                }
            }
            #expect(throws: ValidationFailure(errors)) { try ChinaBatchPaymentReader.read(data) }
        }
    }

    @Test("files that are not a batch at all")
    func notABatch() {
        let cases: [(Data, [String], [String])] = [
            (Data(), ["file"], ["empty_file"]),
            (Data("\r\n\r\n".utf8), ["file"], ["empty_file"]),
            (Data([0xFF, 0xFF, 0x41, 0x81]), ["file"], ["unsupported_encoding"]),
            (Sample.utf8([Sample.goldenLines[0]]), ["file", "line 1.recordCount"], ["no_records", "count_mismatch"]),
            // Cut short in the last field: the remark would read 差旅 instead of 差旅费.
            (Sample.goldenGBK.dropLast(4), ["line 4"], ["truncated"]),
            (Sample.goldenGBK.dropLast(1), ["line 4"], ["truncated"]),
        ]
        for (data, paths, codes) in cases {
            let errors = ChinaBatchPaymentValidator.validate(data)
            #expect(errors.map(\.path) == paths)
            #expect(errors.map(\.code) == codes)
            #expect(throws: ValidationFailure.self) { try ChinaBatchPaymentReader.read(data) }
        }
    }

    @Test("more than 1,500 transfer lines")
    func tooManyLines() {
        var lines = [Sample.goldenLines[0]]
        for number in 1...1_501 {
            lines.append(
                "\(number)|E2E-\(number)|6217000010012345678|张三|105100000017|中国建设银行北京分行|北京市|N|1.00|N|报销|")
        }
        let errors = ChinaBatchPaymentValidator.validate(Sample.utf8(lines))
        #expect(errors.map(\.code) == ["too_many_records", "count_mismatch", "total_mismatch"])
        #expect(errors.first?.path == "file")
    }

    // MARK: - Problems in values

    struct ValueCase: Sendable, CustomStringConvertible {
        var name: String
        var change: @Sendable (inout ChinaBatchPaymentFile) -> Void
        var paths: [String]
        var codes: [String]
        var description: String { name }
    }

    static let valueCases: [ValueCase] = [
        ValueCase(
            name: "amount in USD", change: { $0.records[1].amount = Money(minorUnits: 100, currency: .usd) },
            paths: ["records[1].amount"], codes: ["currency_not_cny"]),
        ValueCase(
            name: "amount zero", change: { $0.records[0].amount = Sample.cny(0) }, paths: ["records[0].amount"],
            codes: ["amount_not_positive"]),
        ValueCase(
            name: "amount above the limit",
            change: { $0.records[0].amount = Sample.cny(ChinaBatchPaymentLayout.amountMaxMinorUnits + 1) },
            paths: ["records[0].amount"], codes: ["above_limit"]),
        ValueCase(
            name: "duplicate end-to-end id", change: { $0.records[2].endToEndID = "E2E-0002" },
            paths: ["records[2].endToEndID"], codes: ["duplicate_end_to_end_id"]),
        ValueCase(
            name: "sequence numbers swapped",
            change: {
                $0.records[0].sequenceNumber = 2
                $0.records[1].sequenceNumber = 1
            },
            paths: ["records[0].sequenceNumber", "records[1].sequenceNumber"],
            codes: ["sequence_number", "sequence_number"]),
        ValueCase(
            name: "'|' in the purpose", change: { $0.records[1].purpose = "服务|费" }, paths: ["records[1].purpose"],
            codes: ["invalid_character"]),
        ValueCase(
            name: "line break in the remark", change: { $0.records[1].remark = "a\r\nb" },
            paths: ["records[1].remark"], codes: ["invalid_character"]),
        ValueCase(
            name: "payer name outside GBK", change: { $0.payerName = "上海😀" }, paths: ["payerName"],
            codes: ["invalid_character"]),
        ValueCase(
            name: "bank address missing for cross-bank", change: { $0.records[1].payeeBankAddress = "" },
            paths: ["records[1].payeeBankAddress"], codes: ["required"]),
        ValueCase(
            name: "payee account with letters", change: { $0.records[1].payeeAccount = "CN1001234509" },
            paths: ["records[1].payeeAccount"], codes: ["not_digits"]),
        ValueCase(
            name: "batch id too long", change: { $0.batchID = String(repeating: "M", count: 31) }, paths: ["batchID"],
            codes: ["too_long"]),
        ValueCase(name: "no transfers", change: { $0.records = [] }, paths: ["records"], codes: ["no_records"]),
        ValueCase(
            name: "1,501 transfers",
            change: { file in
                let template = file.records[2]
                file.records = (1...1_501).map { number in
                    var record = template
                    record.sequenceNumber = number
                    record.endToEndID = "E2E-\(number)"
                    return record
                }
            },
            paths: ["records"], codes: ["too_many_records"]),
    ]

    @Test("a value that cannot be written is reported with its path and code", arguments: valueCases)
    func valueProblems(_ valueCase: ValueCase) {
        var file = Sample.file()
        valueCase.change(&file)
        let errors = ChinaBatchPaymentWriter.validate(file)
        #expect(errors.map(\.path) == valueCase.paths)
        #expect(errors.map(\.code) == valueCase.codes)
        #expect(throws: ValidationFailure(errors)) { try ChinaBatchPaymentWriter.write(file) }
        for error in errors {
            for secret in Sample.secrets { #expect(!error.message.contains(secret)) }
        }
    }

    @Test("the intra-bank flag follows the CNAPS code: 308 is China Merchants Bank")
    func intraBankFlag() {
        let records = Sample.file().records
        #expect(records.map(\.isIntraBank) == [true, false, false])
    }
}
