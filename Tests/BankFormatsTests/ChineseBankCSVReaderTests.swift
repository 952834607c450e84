import BankFormats
import Foundation
import PayHubDomain
import Testing

/// The Chinese bank exports of the conformance corpus in `../shared/conformance/cn-bank-csv`, and the
/// beancount files double-entry-generator made from them (`expected/`), used as an oracle.
enum ChineseBankCSVConformance {
    static let root: URL = {
        let file = URL(fileURLWithPath: #filePath)
        for candidate in [file, file.resolvingSymlinksInPath()] {
            let repository = candidate.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/conformance")
            if FileManager.default.fileExists(atPath: shared.appendingPathComponent("cn-bank-csv").path) { return shared }
        }
        return URL(fileURLWithPath: "/work/shared/conformance")
    }()

    static let files: [String] = {
        let folder = root.appendingPathComponent("cn-bank-csv").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".csv") }.sorted().map { "cn-bank-csv/\($0)" }
    }()

    static func data(_ name: String) throws -> Data { try Data(contentsOf: root.appendingPathComponent(name)) }

    static func read(_ data: Data) throws -> StatementDocument {
        var document = try ChineseBankCSVReader.read(data)
        document.checkBalances()
        return document
    }

    static func read(_ name: String) throws -> StatementDocument { try read(data(name)) }

    /// The file's expected format, and the beancount account double-entry-generator books it on (a
    /// trailing `:` matches every card under it).
    static let oracle: [String: (format: String, account: String)] = [
        "deg-abc_debit": ("cn-csv:abc", "Assets:ABC:DebitCard"),
        "deg-boc-credit": ("cn-csv:boc", "Liabilities:CC:BoC:"),
        "deg-boc-debit": ("cn-csv:boc", "Assets:DC:BoC:3167"),
        "deg-bocom_credit": ("cn-csv:bocom", "Liabilities:BOCOM:CreditCard"),
        "deg-bocom_debit": ("cn-csv:bocom", "Assets:DebitCard:BOCOM"),
        "deg-cgb_credit": ("cn-csv:cgb", "Liabilities:CGB:CreditCard"),
        "deg-cmb-credit": ("cn-csv:cmb", "Liabilities:CreditCard:CMB"),
        "deg-cmb-debit": ("cn-csv:cmb", "Assets:DebitCard:CMB"),
        "deg-icbc-credit": ("cn-csv:icbc", "Liabilities:Bank:CN:ICBC"),
        "deg-icbc-debit-v1": ("cn-csv:icbc", "Assets:Bank:CN:ICBC"),
        "deg-icbc-debit-v2": ("cn-csv:icbc", "Assets:Bank:CN:ICBC"),
    ]

    static func stem(_ name: String) -> String {
        String(name.split(separator: "/").last ?? "").replacingOccurrences(of: ".csv", with: "")
    }
}

/// A transaction of a beancount file: its date, its text (header and metadata lines) and its postings.
struct BeancountTransaction {
    var date: String
    var text: String
    var narration: String
    var postings: [(account: String, amount: ExactDecimal, currency: String)] = []

    static func parse(_ source: String) -> [BeancountTransaction] {
        var transactions: [BeancountTransaction] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            if fields.count == 3, fields[1] == "*", fields[0].count == 10, fields[0].first?.isNumber == true {
                let quoted = fields[2].split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                    .filter { $0.offset % 2 == 1 }.map { String($0.element) }
                transactions.append(BeancountTransaction(date: fields[0], text: line, narration: quoted.last ?? ""))
            } else if line.hasPrefix("\t"), !transactions.isEmpty {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if parts.count == 3, !parts[0].hasSuffix(":"), let amount = ExactDecimal(parts[1]) {
                    transactions[transactions.count - 1].postings.append((parts[0], amount, parts[2]))
                } else {
                    transactions[transactions.count - 1].text += "\n" + line
                }
            }
        }
        return transactions
    }
}

/// A small CMB debit export, encoded with Python's `str.encode('gb18030')` — independently of Foundation —
/// with CRLF line ends, `人民币` and `CNY` currencies, and a four-byte GB18030 character (㐀) before €.
private let gb18030Export: [UInt8] = [
        0xBC, 0xC7, 0xD5, 0xCB, 0xC8, 0xD5, 0xC6, 0xDA, 0x2C, 0xBB, 0xF5, 0xB1, 0xD2, 0x2C, 0xBD, 0xBB,
        0xD2, 0xD7, 0xBD, 0xF0, 0xB6, 0xEE, 0x2C, 0xC1, 0xAA, 0xBB, 0xFA, 0xD3, 0xE0, 0xB6, 0xEE, 0x2C,
        0xBD, 0xBB, 0xD2, 0xD7, 0xD5, 0xAA, 0xD2, 0xAA, 0x2C, 0xB6, 0xD4, 0xCA, 0xD6, 0xD0, 0xC5, 0xCF,
        0xA2, 0x2C, 0xBF, 0xCD, 0xBB, 0xA7, 0xD5, 0xAA, 0xD2, 0xAA, 0x0D, 0x0A, 0x32, 0x30, 0x32, 0x34,
        0x2D, 0x30, 0x31, 0x2D, 0x30, 0x31, 0x2C, 0xC8, 0xCB, 0xC3, 0xF1, 0xB1, 0xD2, 0x2C, 0x22, 0x31,
        0x2C, 0x32, 0x33, 0x34, 0x2E, 0x30, 0x30, 0x22, 0x2C, 0x22, 0x31, 0x2C, 0x32, 0x37, 0x31, 0x2E,
        0x36, 0x36, 0x22, 0x2C, 0xB4, 0xFA, 0xB7, 0xA2, 0xD7, 0xA1, 0xB7, 0xBF, 0xB9, 0xAB, 0xBB, 0xFD,
        0xBD, 0xF0, 0x2C, 0xB1, 0xB1, 0xBE, 0xA9, 0xD7, 0xA1, 0xB7, 0xBF, 0xB9, 0xAB, 0xBB, 0xFD, 0xBD,
        0xF0, 0xB9, 0xDC, 0xC0, 0xED, 0xD6, 0xD0, 0xD0, 0xC4, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31,
        0x31, 0x31, 0x31, 0x2C, 0x30, 0x31, 0xD4, 0xC2, 0x30, 0x31, 0xC8, 0xD5, 0xD4, 0xBC, 0xB6, 0xA8,
        0xCC, 0xE1, 0xC8, 0xA1, 0x0D, 0x0A, 0x32, 0x30, 0x32, 0x34, 0x2D, 0x30, 0x31, 0x2D, 0x30, 0x32,
        0x2C, 0x43, 0x4E, 0x59, 0x2C, 0x2D, 0x33, 0x2E, 0x30, 0x30, 0x2C, 0x38, 0x31, 0x2E, 0x32, 0x32,
        0x2C, 0xD2, 0xBB, 0xCD, 0xF8, 0xCD, 0xA8, 0xD6, 0xA7, 0xB8, 0xB6, 0x2C, 0xB9, 0xFA, 0xCD, 0xF8,
        0xB5, 0xE7, 0xC1, 0xA6, 0xD3, 0xD0, 0xCF, 0xDE, 0xB9, 0xAB, 0xCB, 0xBE, 0x39, 0x39, 0x39, 0x39,
        0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x2C, 0xB9, 0xA9, 0xB5, 0xE7, 0x81,
        0x39, 0xEE, 0x39, 0xA2, 0xE3, 0x0D, 0x0A,]

private let gb18030ExportText =
    "记账日期,货币,交易金额,联机余额,交易摘要,对手信息,客户摘要\r\n"
    + "2024-01-01,人民币,\"1,234.00\",\"1,271.66\",代发住房公积金,北京住房公积金管理中心1111111111,01月01日约定提取\r\n"
    + "2024-01-02,CNY,-3.00,81.22,一网通支付,国网电力有限公司99999999999999,供电㐀€\r\n"

private func decimal(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

@Suite("Chinese bank CSV reader")
struct ChineseBankCSVReaderTests {
    // MARK: - The conformance corpus

    @Test("the corpus is there, every file with its expected output")
    func corpusFound() {
        #expect(ChineseBankCSVConformance.files.count >= 11, "CSV files under \(ChineseBankCSVConformance.root.path)")
        for name in ChineseBankCSVConformance.files {
            #expect(ChineseBankCSVConformance.oracle[ChineseBankCSVConformance.stem(name)] != nil, "\(name)")
        }
    }

    @Test("every export parses as its bank's layout, one statement, no balances", arguments: ChineseBankCSVConformance.files)
    func conformanceFile(_ name: String) throws {
        let data = try ChineseBankCSVConformance.data(name)
        #expect(ChineseBankCSVReader.looksLikeStatement(data))
        let document = try ChineseBankCSVConformance.read(data)
        let expected = try #require(ChineseBankCSVConformance.oracle[ChineseBankCSVConformance.stem(name)])
        #expect(document.format == expected.format)
        #expect(document.statements.count == 1)
        let statement = try #require(document.statements.first)
        #expect(statement.openingBalance == nil && statement.closingBalance == nil, "format-json.md: CSV exports have none")
        #expect(!statement.entries.isEmpty)
        for entry in statement.entries {
            #expect(entry.bookingDate?.count == 10)
            #expect(entry.currency?.count == 3)
            #expect(entry.detailsCount == 1 && entry.status == .booked && entry.transactionCode == nil)
        }
        #expect(document.warnings.isEmpty)
        #expect(document.json.rendered().contains(#""format":"\#(expected.format)""#))
    }

    @Test("the expected/ beancount output agrees on date, signed amount, currency, counterparty and text",
          arguments: ChineseBankCSVConformance.files)
    func oracle(_ name: String) throws {
        let stem = ChineseBankCSVConformance.stem(name)
        let account = try #require(ChineseBankCSVConformance.oracle[stem]?.account)
        let beancount = try String(
            contentsOf: ChineseBankCSVConformance.root.appendingPathComponent("cn-bank-csv/expected/\(stem).beancount"),
            encoding: .utf8)
        var entries = try #require(ChineseBankCSVConformance.read(name).statements.first?.entries)
        var compared = 0
        for transaction in BeancountTransaction.parse(beancount) {
            // The oracle's filters leave some rows out, and book a few on placeholder accounts only.
            guard let posting = transaction.postings.first(where: {
                $0.account == account || (account.hasSuffix(":") && $0.account.hasPrefix(account))
            }) else { continue }
            let index = entries.firstIndex {
                $0.amount.isEqual(to: posting.amount) && $0.currency == posting.currency
                    && ($0.bookingDate == transaction.date || $0.valueDate == transaction.date)
            }
            guard let index else {
                Issue.record("\(stem): no entry for \(transaction.date) \(posting.amount) \(posting.currency)")
                continue
            }
            let entry = entries.remove(at: index)
            compared += 1
            if let name = entry.counterparty?.name { #expect(transaction.text.contains(name), "\(stem) \(name)") }
            if let number = entry.counterparty?.account { #expect(transaction.text.contains(number), "\(stem) \(number)") }
            if let remittance = entry.remittance {
                let parts = remittance.components(separatedBy: "; ")
                #expect(parts.contains { transaction.text.contains($0) }, "\(stem): \(remittance)")
            }
        }
        #expect(compared >= 4, "\(stem): \(compared) transactions compared")
    }

    // MARK: - Spot checks

    @Test("ICBC: preamble card number, padded cells, 收入/支出 columns, summary line skipped")
    func icbc() throws {
        let credit = try ChineseBankCSVConformance.read("cn-bank-csv/deg-icbc-credit.csv")
        let statement = try #require(credit.statements.first)
        #expect(statement.account.number == "1234****5678")
        #expect(statement.currency == "CNY")
        #expect(statement.entries.count == 9)
        let repayment = try #require(statement.entries.first { $0.amount.isEqual(to: decimal("4621.01")) })
        #expect(repayment.bookingDate == "2023-04-25")
        #expect(repayment.valueDate == "2023-04-25")
        #expect(repayment.counterparty?.name == "XX分行银行卡中心")
        #expect(statement.entries[0].amount == decimal("-0.01"))
        #expect(statement.entries[0].remittance == "银联在线支付; XX旗舰店")

        let debit = try ChineseBankCSVConformance.read("cn-bank-csv/deg-icbc-debit-v2.csv")
        let entries = try #require(debit.statements.first?.entries)
        #expect(debit.statements.first?.account.number == "1234****9876")
        #expect(entries.count == 11)
        #expect(entries[0].amount == decimal("-13.40"))
        #expect(entries[0].bookingDate == "2023-05-02" && entries[0].valueDate == nil)
        #expect(entries[0].counterparty == Counterparty(name: "深圳市财付通支付科技有限公司", account: "1234****9876"))
        #expect(entries[2].amount == decimal("1234.56"))
    }

    @Test("CMB: credit card month/day dates in the statement's year, spending negative; debit 对手信息 split")
    func cmb() throws {
        let credit = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-cmb-credit.csv").statements.first)
        #expect(credit.entries.map(\.bookingDate) == [
            "2023-12-29", "2023-12-30", "2024-01-01", "2024-01-03", "2024-01-04", "2024-01-07",
        ])
        #expect(credit.entries.map(\.valueDate) == [nil, nil, nil, "2024-01-02", "2024-01-03", "2024-01-05"])
        #expect(credit.entries.map(\.amount.description) == ["1.23", "345.67", "30.00", "-56.78", "3.90", "-8000.00"])
        #expect(credit.account.number == "1234")

        let debit = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-cmb-debit.csv").statements.first)
        #expect(debit.entries[0].amount == decimal("1234.00"))
        #expect(debit.entries[0].counterparty == Counterparty(name: "北京住房公积金管理中心", account: "1111111111"))
        #expect(debit.entries[1].counterparty == Counterparty(name: "张三", account: "66666666666666"))
        #expect(debit.entries[3].counterparty == nil)
        #expect(debit.entries[0].remittance == "代发住房公积金; 01月01日约定提取")
    }

    @Test("BOC: a credit card bill in two currencies; a debit card with signed amounts and own card column")
    func boc() throws {
        let credit = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-boc-credit.csv").statements.first)
        #expect(credit.currency == nil, "CNY and USD entries")
        #expect(credit.account.number == nil, "several cards")
        let usd = try #require(credit.entries.last)
        #expect(usd.amount == decimal("-3.72") && usd.currency == "USD")
        #expect(usd.bookingDate == "2024-12-24" && usd.valueDate == "2024-12-22")
        #expect(credit.entries[2].amount == decimal("0.01"))
        let json = ChineseBankCSVConformance.statementJSON(credit)
        #expect(json.contains(#""amount":"-3.72","currency":"USD""#))

        let debit = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-boc-debit.csv").statements.first)
        #expect(debit.account.number == "3167")
        #expect(debit.entries.count == 17)
        #expect(debit.entries[7].amount == decimal("-2600.00"))
        #expect(debit.entries.last?.counterparty == Counterparty(name: "张三", account: "6222******0258"))
        #expect(debit.entries.last?.remittance == "银联入账; 转账")
        #expect(debit.entries[0].remittance == "无卡支付", "the ---------- 附言 is empty")
    }

    @Test("BOCOM: credit card direction from 交易说明 and the posted amount; debit card 借/贷 column")
    func bocom() throws {
        let credit = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-bocom_credit.csv").statements.first)
        #expect(credit.entries.map(\.amount.description) == [
            "123.18", "1.99", "666.60", "13.50", "-2.99", "-10.00", "-10.74", "-49.85",
        ])
        #expect(credit.entries.last?.currency == "CNY", "the JPY purchase as posted in CNY")
        let debit = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-bocom_debit.csv").statements.first)
        #expect(debit.entries.map(\.amount.description) == ["1.23", "-3.21", "0.02", "10.00", "-10.00", "-100.79"])
        #expect(debit.entries[5].remittance?.hasPrefix("网上支付; 网上支付 基金理财产品申购") == true)
        #expect(debit.entries[5].counterparty?.account == "11111111111111")
    }

    @Test("ABC and CGB: signed amounts with +, 日志号 as bank reference; CGB spending written positive")
    func abcAndCGB() throws {
        let abc = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-abc_debit.csv").statements.first)
        #expect(abc.entries.map(\.amount.description) == ["10000.00", "-10.00", "-12345.89", "0.01", "0.00"])
        #expect(abc.entries.map(\.bookingDate) == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-04"])
        #expect(abc.entries[0].bankReference == "369396693")
        #expect(abc.entries[2].counterparty == Counterparty(account: "12341234123412341"))
        #expect(abc.entries[3].counterparty == nil, "对手信息 --")
        let cgb = try #require(ChineseBankCSVConformance.read("cn-bank-csv/deg-cgb_credit.csv").statements.first)
        #expect(cgb.entries.map(\.amount.description) == ["-15.90", "97.20", "-387.42", "1130.68"])
        #expect(cgb.entries[0].bookingDate == "2025-01-06" && cgb.entries[0].valueDate == "2025-01-05")
        #expect(cgb.currency == "CNY", "人民币")
    }

    // MARK: - Encodings

    @Test("a GB18030 copy of each export reads the same as the UTF-8 original", arguments: ChineseBankCSVConformance.files)
    func gb18030Copy(_ name: String) throws {
        let data = try ChineseBankCSVConformance.data(name)
        let text = try #require(String(data: data, encoding: .utf8))
        let gb18030 = try #require(text.data(using: String.Encoding(rawValue: 0x8000_0632)), "Foundation encodes GB18030")
        #expect(gb18030 != data)
        #expect(ChineseBankCSVReader.looksLikeStatement(gb18030))
        #expect(try ChineseBankCSVConformance.read(gb18030) == ChineseBankCSVConformance.read(data))
    }

    @Test("GB18030 bytes made by another encoder (Python), with a four-byte character, read as their UTF-8 text")
    func gb18030Bytes() throws {
        let fromBytes = try ChineseBankCSVConformance.read(Data(gb18030Export))
        let fromText = try ChineseBankCSVConformance.read(Data(gb18030ExportText.utf8))
        #expect(fromBytes == fromText)
        let entries = try #require(fromBytes.statements.first?.entries)
        #expect(fromBytes.format == "cn-csv:cmb")
        #expect(entries.map(\.amount.description) == ["1234.00", "-3.00"])
        #expect(entries.map(\.currency) == ["CNY", "CNY"])
        #expect(entries[1].remittance == "一网通支付; 供电㐀€")
    }

    @Test("UTF-8 with a BOM, UTF-16 with a BOM and CRLF line ends read the same")
    func otherEncodings() throws {
        let data = try ChineseBankCSVConformance.data("cn-bank-csv/deg-icbc-credit.csv")
        let text = try #require(String(data: data, encoding: .utf8))
        let original = try ChineseBankCSVConformance.read(data)
        #expect(try ChineseBankCSVConformance.read(Data([0xEF, 0xBB, 0xBF]) + data) == original)
        #expect(try ChineseBankCSVConformance.read(Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!) == original)
        #expect(try ChineseBankCSVConformance.read(Data([0xFE, 0xFF]) + text.data(using: .utf16BigEndian)!) == original)
        #expect(try ChineseBankCSVConformance.read(Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)) == original)
        let utf16 = Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!
        #expect(ChineseBankCSVReader.looksLikeStatement(utf16))
    }

    @Test("a tab-separated export (a spreadsheet saved as text) reads as the comma-separated one")
    func tabSeparated() throws {
        let tabs = gb18030ExportText.replacingOccurrences(of: ",", with: "\t")
            .replacingOccurrences(of: "\"1\t234.00\"", with: "\"1,234.00\"")
            .replacingOccurrences(of: "\"1\t271.66\"", with: "1,271.66")
        #expect(ChineseBankCSVReader.looksLikeStatement(Data(tabs.utf8)))
        #expect(try ChineseBankCSVConformance.read(Data(tabs.utf8)) == ChineseBankCSVConformance.read(Data(gb18030ExportText.utf8)))
    }

    @Test("bytes that are neither UTF-8 nor GB18030 are an unsupported_encoding error")
    func unsupportedEncoding() {
        let bytes: [UInt8] = Array("交易日期,摘要\n".utf8) + [0xFF, 0xFF, 0x81, 0x20, 0xFE]
        let error = #expect(throws: FormatError.self) { try ChineseBankCSVReader.read(Data(bytes)) }
        #expect(error?.code == .unsupportedEncoding)
        #expect(!ChineseBankCSVReader.looksLikeStatement(Data(bytes)))
    }

    // MARK: - Detection and errors

    @Test("detection does not take other bank files or text for a Chinese export")
    func detection() throws {
        for name in BAI2Conformance.validFiles {
            #expect(!ChineseBankCSVReader.looksLikeStatement(try BAI2Conformance.data(name)), "\(name)")
        }
        #expect(!ChineseBankCSVReader.looksLikeStatement(Data()))
        #expect(!ChineseBankCSVReader.looksLikeStatement(Data("Date,Amount,Text\n2024-01-01,1.00,x\n".utf8)))
        #expect(!ChineseBankCSVReader.looksLikeStatement(Data(":20:STMT\n:25:123\n:60F:C240101EUR1,00\n".utf8)))
        let error = #expect(throws: FormatError.self) { try ChineseBankCSVReader.read(Data("a,b\n1,2\n".utf8)) }
        #expect(error?.code == .unknownFormat)
    }

    @Test(
        "a row that cannot be read is an error naming its line",
        arguments: [
            ("交易日期,交易时间,交易摘要,交易金额,本次余额,对手信息\n20240101,,转存,12X.00,1.00,x\n", "line 2", FormatError.Code.invalidValue),
            ("交易日期,交易时间,交易摘要,交易金额,本次余额,对手信息\n\n20241301,,转存,1.00,1.00,x\n", "line 3", .invalidValue),
            ("交易日期,交易时间,交易摘要,交易金额,本次余额,对手信息\n,,转存,1.00,1.00,x\n", "line 2", .missingField),
            ("交易日期,交易时间,交易摘要,交易金额,本次余额,对手信息\n20240101,,转存,,1.00,x\n", "line 2", .missingField),
            ("交易日期,记账日期,交易说明,交易币种/金额,入账币种/金额\n2025-01-10,2025-01-10,兑换 x,CNY 1.00,CNY 1.00\n", "line 2", .invalidValue),
            ("交易日期,交易时间,交易摘要,交易金额,本次余额,对手信息\n20240101,,\"转存,1.00,1.00,x\n", "line 2", .malformed),
        ])
    func unreadableRow(_ text: String, _ location: String, _ code: FormatError.Code) {
        let error = #expect(throws: FormatError.self) { try ChineseBankCSVReader.read(Data(text.utf8)) }
        #expect(error?.location == location, "\(error?.description ?? "")")
        #expect(error?.code == code)
    }

    // MARK: - The generic mapping

    @Test("a declarative mapping reads a semicolon CSV with decimal commas, dd.MM.yyyy dates and index columns")
    func genericMapping() throws {
        let mapping = CSVStatementMapping(
            format: "csv", bookingDate: 0, valueDate: 1, amount: .creditDebit(credit: 4, debit: 3),
            defaultCurrency: "EUR", counterpartyName: [2], bankReference: 5, remittance: [6], dateFormat: .pattern("dd.MM.yyyy"),
            decimalComma: true, separator: ";", skipRows: 1, summaryMarkers: ["Summe"])
        let text = """
            Kontoauszug 4711
            Buchung;Valuta;Name;Soll;Haben;Referenz;Text
            02.01.2024;03.01.2024;Supplier Ltd;1.234,56;;REF-1;"Invoice 4711; paid"
            31.01.2024;31.01.2024;Customer AG;;99,5;REF-2;"two
            lines"
            Summe;;;1.234,56;99,50;;
            """
        let document = try CSVStatementReader.read(Data(text.utf8), mapping: mapping)
        #expect(document.format == "csv")
        let entries = try #require(document.statements.first?.entries)
        #expect(entries.count == 2)
        #expect(entries[0].amount == decimal("-1234.56"))
        #expect(entries[0].bookingDate == "2024-01-02" && entries[0].valueDate == "2024-01-03")
        #expect(entries[0].counterparty?.name == "Supplier Ltd")
        #expect(entries[0].bankReference == "REF-1")
        #expect(entries[0].remittance == "Invoice 4711; paid")
        #expect(entries[1].amount.isEqual(to: decimal("99.5")))
        #expect(entries[1].remittance == "two\nlines")
        #expect(document.statements.first?.currency == "EUR")

        var headerless = mapping
        headerless.skipRows = 2
        headerless.hasHeader = false
        let bad = "x\ny\n02.01.2024;03.01.2024;A;;1,00;R;T\n2024-01-05;;B;;1,00;R;T\n"
        let error = #expect(throws: FormatError.self) { try CSVStatementReader.read(Data(bad.utf8), mapping: headerless) }
        #expect(error?.location == "line 4")
    }

    @Test("a mapping by header names, with a signed column, an indicator column and automatic dates")
    func namedMapping() throws {
        let mapping = CSVStatementMapping(
            bookingDate: .firstOf(["Booking date", "Date"]),
            amount: .indicator(amount: "Amount", indicator: "C/D", credit: ["C", "CRDT"], debit: ["D", "DBIT"]),
            currency: "Ccy", counterpartyName: ["Payee", "Payer"], counterpartyAccount: "Account", remittance: ["Memo"])
        let text = "Account: 123\nDate\tAmount\tC/D\tCcy\tPayer\tAccount\tMemo\n"
            + "2024/02/29 10:00\t12.50\tD\tusd\tShop\tUS123\tlunch\n20240301\t(3.00)\tCRDT\t美元\t\t\t\n"
        let document = try CSVStatementReader.read(Data(text.utf8), mapping: mapping)
        let entries = try #require(document.statements.first?.entries)
        #expect(entries.map(\.amount.description) == ["-12.50", "3.00"])
        #expect(entries.map(\.bookingDate) == ["2024-02-29", "2024-03-01"])
        #expect(entries.map(\.currency) == ["USD", "USD"])
        #expect(entries[0].counterparty == Counterparty(name: "Shop", account: "US123"))
        #expect(entries[1].counterparty == nil && entries[1].remittance == nil)
        #expect(document.statements.first?.account.number == "123")

        var latin1 = mapping
        latin1.encoding = .latin1
        let bytes: [UInt8] = Array("Date,Amount,C/D,Ccy,Payer,Account,Memo\n2024-03-01,1.00,C,EUR,M".utf8) + [0xFC]
            + Array("ller,,\n".utf8)
        let european = try CSVStatementReader.read(Data(bytes), mapping: latin1)
        #expect(european.statements.first?.entries.first?.counterparty?.name == "Müller")
    }

    @Test("month/day dates with no statement period are left empty with a lenient_date warning")
    func yearlessDates() throws {
        let text = "交易日,记账日,交易摘要,人民币金额,卡号末四位,交易地金额\n01/02,01/03,x,5.00,1234,5.00\n"
        let document = try ChineseBankCSVReader.read(Data(text.utf8))
        #expect(document.statements.first?.entries.first?.bookingDate == nil)
        #expect(document.warnings.map(\.code) == [.lenientDate])
    }

    // MARK: - Robustness

    @Test("random truncations and byte flips never trap", arguments: ChineseBankCSVConformance.files)
    func mutations(_ name: String) throws {
        let utf8 = [UInt8](try ChineseBankCSVConformance.data(name))
        let text = String(decoding: utf8, as: UTF8.self)
        let gb18030 = [UInt8](text.data(using: String.Encoding(rawValue: 0x8000_0632)) ?? Data())
        var random = SplitMix64(seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        let alphabet = Array("\",\t\n\r-.:0123456789收支借贷合计".utf8)
        for round in 0..<300 {
            var bytes = round % 2 == 0 ? utf8 : gb18030
            switch round % 3 {
            case 0:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            case 1:
                for _ in 0..<Int.random(in: 1...6, using: &random) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            default:
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    bytes.insert(
                        alphabet.randomElement(using: &random)!, at: Int.random(in: 0...bytes.count, using: &random))
                }
            }
            let data = Data(bytes)
            _ = ChineseBankCSVReader.looksLikeStatement(data)
            do {
                var document = try ChineseBankCSVReader.read(data)
                document.checkBalances()
                _ = document.json.rendered()
            } catch {
                let known: Set<FormatError.Code> = [.unsupportedEncoding, .unknownFormat]
                #expect(known.contains(error.code) || error.location?.hasPrefix("line ") == true, "\(error)")
            }
        }
    }
}

extension ChineseBankCSVConformance {
    static func statementJSON(_ statement: Statement) -> String {
        StatementDocument(format: "x", statements: [statement]).json.rendered()
    }
}
