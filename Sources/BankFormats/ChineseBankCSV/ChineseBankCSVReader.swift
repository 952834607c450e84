import Foundation

/// Reads the statement exports of mainland Chinese banks — ICBC, CMB, BOC, BOCOM, ABC and CGB, debit
/// and credit card layouts — each described by one ``CSVStatementMapping`` in ``layouts`` and read by
/// ``CSVStatementReader``, the reader for any CSV statement with a mapping.
///
/// The layout is recognised by its header row (the preamble before it may be any length); the bank
/// names the format: `cn-csv:icbc`, `cn-csv:cmb`, `cn-csv:boc`, `cn-csv:bocom`, `cn-csv:abc`,
/// `cn-csv:cgb`. Files may be UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030/GBK.
///
/// Signs: money leaving the account is negative, so on a credit card statement a purchase (消费) is
/// negative and a repayment (还款) or refund (退货/退款) positive, whatever way the bank writes it.
/// Dates: `booking_date` is the bank's booking date (记账日/入账日期) where the export has one, else the
/// transaction date; when it has both, the transaction date (交易日) is given as `value_date`.
public enum ChineseBankCSVReader {
    static let cardCredits = ["退货", "退款", "信用卡还款", "还款", "红包还款", "刷卡金返还", "自动购汇还款", "溢缴款", "返现", "存入"]
    static let cardDebits = ["消费", "取现", "预借现金", "刷卡金扣回", "分期扣款", "自动购汇扣款", "年费", "利息", "手续费", "滞纳金", "分期"]
    static let references: CSVStatementMapping.Column = .firstOf(["交易流水号", "流水号", "日志号", "交易序号"])

    /// One mapping per export layout. Order only matters when two layouts fit a header equally well.
    public static let layouts: [CSVStatementMapping] = [
        // ICBC 明细查询文件下载, debit card (交易日期 only) and credit card (交易日期 + 记账日期), amounts
        // in 记账金额(收入)/(支出), preamble `卡号: 1234****5678`.
        CSVStatementMapping(
            format: "cn-csv:icbc", bookingDate: .firstOf(["记账日期", "交易日期"]), valueDate: "交易日期",
            amount: .creditDebit(credit: "记账金额(收入)", debit: "记账金额(支出)"), currency: "记账币种",
            counterpartyName: ["对方户名", "交易场所"], counterpartyAccount: .firstOf(["对方账户", "对方账号"]),
            bankReference: references, remittance: ["摘要", "交易详情", "用途", "附言", "交易场所"], requiredHeaders: ["摘要"]),
        // ABC 交易明细: one signed 交易金额, 对手信息 holding name or account, 日志号.
        CSVStatementMapping(
            format: "cn-csv:abc", bookingDate: "交易日期", amount: .signed("交易金额"), currency: .firstOf(["币种", "币别"]),
            defaultCurrency: "CNY", counterpartyName: ["对手信息"], counterpartyNameHoldsAccount: true,
            bankReference: references, remittance: ["交易摘要", "用途", "交易附言"], requiredHeaders: ["本次余额"]),
        // BOC 信用卡账单: 交易日 / 银行记账日, 存入 / 支出, a currency per row.
        CSVStatementMapping(
            format: "cn-csv:boc", bookingDate: "银行记账日", valueDate: "交易日",
            amount: .creditDebit(credit: "存入", debit: "支出"), currency: "币种", bankReference: references,
            remittance: ["交易描述"], accountNumber: "卡号后四位"),
        // BOC 交易流水明细单 (debit card): one signed 金额.
        CSVStatementMapping(
            format: "cn-csv:boc", bookingDate: "记账日期", amount: .signed("金额"), currency: "币别",
            defaultCurrency: "CNY", counterpartyName: ["对方账户名"], counterpartyAccount: "对方卡号/账号",
            bankReference: references, remittance: ["交易名称", "用途", "附言"], accountNumber: "借记卡号",
            requiredHeaders: ["交易名称"]),
        // BOCOM credit card: unsigned `CNY 12.34` amounts; the first word of 交易说明 says which way.
        CSVStatementMapping(
            format: "cn-csv:bocom", bookingDate: "记账日期", valueDate: "交易日期",
            amount: .keyword(amount: "入账币种/金额", text: "交易说明", credit: cardCredits, debit: cardDebits),
            bankReference: references, remittance: ["交易说明"], requiredHeaders: ["交易币种/金额"]),
        // BOCOM debit card: unsigned 交易金额 and 借贷 `借 Dr` / `贷 Cr`.
        CSVStatementMapping(
            format: "cn-csv:bocom", bookingDate: "交易日期",
            amount: .indicator(
                amount: "交易金额", indicator: "借贷", credit: ["贷", "CR", "C", "收入", "收"], debit: ["借", "DR", "D", "支出", "支"]),
            currency: .firstOf(["币种", "货币"]), defaultCurrency: "CNY", counterpartyName: ["对方户名"],
            counterpartyAccount: "对方账号", bankReference: references, remittance: ["交易类型", "摘要", "用途", "附言"],
            requiredHeaders: ["交易类型"]),
        // CGB credit card: 入账金额 positive for spending.
        CSVStatementMapping(
            format: "cn-csv:cgb", bookingDate: "入账日期", valueDate: "交易日期", amount: .signed("入账金额", negated: true),
            currency: "入账货币", bankReference: references, remittance: ["交易摘要"], requiredHeaders: ["交易货币"]),
        // CMB credit card: `MM/DD` dates in the statement month's year, 人民币金额 positive for spending.
        CSVStatementMapping(
            format: "cn-csv:cmb", bookingDate: "记账日", valueDate: "交易日", amount: .signed("人民币金额", negated: true),
            defaultCurrency: "CNY", bankReference: references, remittance: ["交易摘要"], accountNumber: "卡号末四位"),
        // CMB debit card (一网通 交易明细): signed 交易金额, 对手信息 is name and account.
        CSVStatementMapping(
            format: "cn-csv:cmb", bookingDate: "记账日期", amount: .signed("交易金额"), currency: "货币",
            defaultCurrency: "CNY", counterpartyName: ["对手信息"], counterpartyNameHoldsAccount: true,
            bankReference: references, remittance: ["交易摘要", "客户摘要", "用途", "附言"], requiredHeaders: ["联机余额"]),
    ]

    public static func read(_ data: Data) throws(FormatError) -> StatementDocument {
        let text = try CSVTextDecoding.decode(data, as: .automatic)
        for separator: Unicode.Scalar in [",", "\t"] {
            let rows = try CSVTokenizer.rows(text, separator: separator)
            if let (mapping, match) = bestLayout(in: rows) {
                return try CSVStatementReader.document(rows: rows, match: match, mapping: mapping)
            }
        }
        throw FormatError(
            .unknownFormat,
            "not a known Chinese bank statement export: no ICBC, CMB, BOC, BOCOM, ABC or CGB header row found")
    }

    /// Whether the file's first rows hold a known export header. Never throws, reads at most 256 KiB.
    public static func looksLikeStatement(_ data: Data) -> Bool {
        var head = data.prefix(262_144)
        if head.count < data.count {
            // Cut at a line break so no multibyte character is split (0x0A is never part of one in
            // UTF-8 or GB18030); UTF-16 keeps an even length.
            if let newline = head.lastIndex(of: 0x0A) { head = head[..<head.index(after: newline)] }
            if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]), head.count % 2 == 1 {
                head = head.dropLast()
            }
        }
        let text = CSVTextDecoding.decodeLeniently(Data(head))
        for separator: Unicode.Scalar in [",", "\t"] {
            guard let rows = try? CSVTokenizer.rows(text, separator: separator, maxRows: 80) else { continue }
            if bestLayout(in: rows) != nil { return true }
        }
        return false
    }

    static func bestLayout(in rows: [CSVTokenizer.Row]) -> (CSVStatementMapping, CSVHeaderMatch)? {
        var best: (CSVStatementMapping, CSVHeaderMatch)?
        let candidates = CSVHeaderMatch.candidateHeaders(rows)
        for mapping in layouts {
            guard let match = CSVHeaderMatch.find(mapping, in: rows, candidates: candidates) else { continue }
            if let current = best,
                (current.1.headerRow ?? 0) < (match.headerRow ?? 0)
                    || (current.1.headerRow == match.headerRow && current.1.score >= match.score)
            {
                continue
            }
            best = (mapping, match)
        }
        return best
    }
}
