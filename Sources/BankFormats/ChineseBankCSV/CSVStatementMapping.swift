/// How to read a bank's CSV statement export: which columns hold what, and how values are written.
///
/// `CSVStatementReader.read(_:mapping:)` reads any CSV with one; `ChineseBankCSVReader` is a set of these,
/// one per bank export layout. Column names are matched ignoring blanks and full-/half-width differences
/// (`日 志 号` is `日志号`, `交易金额（收入）` is `交易金额(收入)`), so a mapping can spell them as the bank
/// documents them.
public struct CSVStatementMapping: Sendable, Hashable {
    /// A column, by its header text or by its 0-based position.
    public enum Column: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case name(String)
        /// The first of these headers the file has (one mapping for layouts that differ in a column).
        case firstOf([String])
        case index(Int)

        public init(stringLiteral value: String) { self = .name(value) }
        public init(integerLiteral value: Int) { self = .index(value) }
    }

    /// Where the signed amount comes from. Money leaving the account is negative in the result.
    public enum Amount: Sendable, Hashable {
        /// One column with a signed amount. `negated` for card statements that write spending positive.
        case signed(Column, negated: Bool = false)
        /// Separate credit (收入/存入/贷方) and debit (支出/借方) columns, amounts unsigned.
        case creditDebit(credit: Column, debit: Column)
        /// An unsigned amount and a column that says credit or debit (`贷 Cr` / `借 Dr`); a marker matches
        /// the whole value, its first word, or its start.
        case indicator(amount: Column, indicator: Column, credit: [String], debit: [String])
        /// An unsigned amount whose direction is the first word of a text column (`消费 美团`, `退货 …`).
        case keyword(amount: Column, text: Column, credit: [String], debit: [String])
    }

    public enum DateFormat: Sendable, Hashable {
        /// `2023-01-05`, `2023/01/05`, `2023.01.05`, `20230105`, `2023年01月05日`, each optionally followed by
        /// a time (`2023-01-05 12:30:00`, `20230105123000`); `01/05` (no year) takes the year from the
        /// statement period in the preamble (`2024年01月`), the year before for later months.
        case automatic
        /// A pattern of `yyyy`, `yy`, `MM`, `M`, `dd`, `d` and literal characters: `dd.MM.yyyy`,
        /// `MM/dd/yyyy`. Anything after the pattern (a time) is ignored.
        case pattern(String)
    }

    public enum TextEncoding: String, Sendable, Hashable {
        /// UTF-16 when the file starts with its byte order mark, else UTF-8 when valid, else GB18030.
        case automatic
        case utf8 = "UTF-8"
        case utf16 = "UTF-16"
        /// GB18030, which reads GBK and GB2312 too.
        case gb18030 = "GB18030"
        /// ISO 8859-1, for a user's own mapping of a European export (`.automatic` never chooses it).
        case latin1 = "ISO-8859-1"
        /// Windows-1252, what European Windows installations of an ERP write when told "ANSI"; it differs
        /// from ISO 8859-1 in 0x80–0x9F (€, „, “, ”, Š, Ž, …). Never chosen by `.automatic`.
        case windows1252 = "Windows-1252"
    }

    /// The document's `format`: `cn-csv:icbc`…, or `csv` for a user's own mapping.
    public var format: String
    /// The date the entry is booked on (记账日期). Required.
    public var bookingDate: Column
    /// A second date: the value or transaction date (交易日) when the export also has a booking date.
    public var valueDate: Column?
    public var amount: Amount
    /// The entry's currency (`CNY`, `人民币`, `USD`…). Without it: a currency written with the amount
    /// (`CNY 12.34`), the preamble's, then `defaultCurrency`.
    public var currency: Column?
    public var defaultCurrency: String?
    /// The counterparty's name: the first of these columns that is not empty.
    public var counterpartyName: [Column]
    public var counterpartyAccount: Column?
    /// The name column may end with the counterparty's account (`张三 6666666666`): split it off.
    public var counterpartyNameHoldsAccount: Bool
    /// 流水号, 交易流水号, 日志号…
    public var bankReference: Column?
    public var customerReference: Column?
    /// Columns joined with `; ` (empty and repeated values left out): 摘要, 用途, 附言…
    public var remittance: [Column]
    /// A per-row own-account column (卡号后四位…): the statement's account number when it has one value.
    public var accountNumber: Column?
    /// Further headers the file must have for this mapping to apply (tells bank layouts apart).
    public var requiredHeaders: [String]
    public var dateFormat: DateFormat
    /// `1.234,56` instead of `1,234.56`.
    public var decimalComma: Bool
    public var encoding: TextEncoding
    /// Nil: tried in turn `,`, tab, `;`.
    public var separator: Unicode.Scalar?
    /// Rows to skip before looking for the header (or, without a header, before the data).
    public var skipRows: Int
    /// False when the file has no header row: every column must then be an index.
    public var hasHeader: Bool
    /// Rows whose first non-empty cell contains one of these are totals, not entries.
    public var summaryMarkers: [String]

    public init(
        format: String = "csv", bookingDate: Column, valueDate: Column? = nil, amount: Amount,
        currency: Column? = nil, defaultCurrency: String? = nil, counterpartyName: [Column] = [],
        counterpartyAccount: Column? = nil, counterpartyNameHoldsAccount: Bool = false, bankReference: Column? = nil,
        customerReference: Column? = nil, remittance: [Column] = [], accountNumber: Column? = nil,
        requiredHeaders: [String] = [], dateFormat: DateFormat = .automatic, decimalComma: Bool = false,
        encoding: TextEncoding = .automatic, separator: Unicode.Scalar? = nil, skipRows: Int = 0,
        hasHeader: Bool = true, summaryMarkers: [String] = ["合计", "总计", "小计", "共计", "汇总", "Total"]
    ) {
        self.format = format
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.amount = amount
        self.currency = currency
        self.defaultCurrency = defaultCurrency
        self.counterpartyName = counterpartyName
        self.counterpartyAccount = counterpartyAccount
        self.counterpartyNameHoldsAccount = counterpartyNameHoldsAccount
        self.bankReference = bankReference
        self.customerReference = customerReference
        self.remittance = remittance
        self.accountNumber = accountNumber
        self.requiredHeaders = requiredHeaders
        self.dateFormat = dateFormat
        self.decimalComma = decimalComma
        self.encoding = encoding
        self.separator = separator
        self.skipRows = skipRows
        self.hasHeader = hasHeader
        self.summaryMarkers = summaryMarkers
    }

    /// The columns a row cannot do without.
    var requiredColumns: [Column] {
        var columns = [bookingDate]
        switch amount {
        case .signed(let column, _): columns.append(column)
        case .creditDebit(let credit, let debit): columns += [credit, debit]
        case .indicator(let amount, let indicator, _, _): columns += [amount, indicator]
        case .keyword(let amount, let text, _, _): columns += [amount, text]
        }
        return columns
    }

    /// Every column the mapping names, required or not.
    var allColumns: [Column] {
        requiredColumns + [valueDate, currency, counterpartyAccount, bankReference, customerReference, accountNumber]
            .compactMap { $0 } + counterpartyName + remittance
    }
}
