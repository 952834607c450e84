import Foundation
import PayHubDomain

/// A batch of domestic renminbi transfers for a Chinese bank's corporate banking, as values: the batch
/// (批量支付) that ``ChinaBatchPaymentWriter`` writes and ``ChinaBatchPaymentReader`` reads.
///
/// The layout is China Merchants Bank's batch payment (招商银行 批量支付 / 直接支付 N02031), one
/// summary line and one line per transfer, `|`-separated, GBK text; `docs/formats/china-batch-payment.md`
/// describes it field by field, with its sources and the choices PayHub made where they are vague.
///
/// The summary's record count and total are not stored: the writer computes them and the reader checks
/// them, so a value can never disagree with its own totals. Texts are kept exactly as in the file (no
/// trimming, no padding). Amounts are ``Money`` in CNY, never floating point.
public struct ChinaBatchPaymentFile: Sendable, Hashable {
    /// The batch's reference (批次业务参考号): PayHub's message id for the file. 1 to 30 characters of
    /// `A-Z a-z 0-9 / - ? : ( ) . , ' +`.
    public var batchID: String
    /// The paying account (付方帐号): 1 to 35 digits. Never shown in errors.
    public var payerAccount: String
    /// The paying account's name (付方户名): at most 200 bytes in GBK. Never shown in errors.
    public var payerName: String
    /// The day the bank should execute every transfer of the batch (期望日).
    public var executionDate: LocalDate
    /// The transfers, in file order; 1 to ``ChinaBatchPaymentLayout/recordCountMax``.
    public var records: [Record]

    public init(
        batchID: String, payerAccount: String, payerName: String, executionDate: LocalDate, records: [Record]
    ) {
        self.batchID = batchID
        self.payerAccount = payerAccount
        self.payerName = payerName
        self.executionDate = executionDate
        self.records = records
    }

    /// The sum of the records' amounts in CNY, as the summary line holds it; nil if an amount is not in
    /// CNY or the sum overflows (which ``ChinaBatchPaymentWriter/validate(_:)`` reports).
    public var totalAmount: Money? { try? Money.sum(records.map(\.amount), currency: .cny) }

    /// How a cross-bank transfer is cleared (结算方式, CMB `STLCHN`). The bank ignores it for a transfer
    /// to another account of the same bank.
    public enum Settlement: String, Sendable, Hashable, CaseIterable {
        /// `N`, 普通: the ordinary route (CNAPS bulk payments, BEPS), usually the same or next day.
        case normal = "N"
        /// `F`, 快速 (加急): the urgent route (CNAPS large-value, HVPS), within the business day.
        case urgent = "F"
    }

    /// One transfer (a detail line of the file).
    public struct Record: Sendable, Hashable {
        /// The transfer's 1-based position in the file (序号); the bank reports results by it too.
        /// Must be 1, 2, 3… in file order.
        public var sequenceNumber: Int
        /// PayHub's end-to-end id (业务参考号, CMB `YURREF`), which the bank echoes back in its result:
        /// unique in the file, 1 to 30 characters of `A-Z a-z 0-9 / - ? : ( ) . , ' +`.
        public var endToEndID: String
        /// The payee's account (收方帐号): 1 to 35 digits. Never shown in errors.
        public var payeeAccount: String
        /// The payee's account name (收方户名): at most 200 bytes in GBK. Never shown in errors.
        public var payeeName: String
        /// The payee's bank branch (收方行号, 12-digit CNAPS 联行号).
        public var payeeBankCode: CNAPSCode
        /// The payee's bank branch name (收方开户行): at most 62 bytes in GBK; required.
        public var payeeBankName: String
        /// Where the payee's branch is (收方行地址, such as `广东省深圳市`): at most 62 bytes in GBK;
        /// required for a cross-bank transfer, may be empty for one within the bank.
        public var payeeBankAddress: String
        /// In CNY: 0.01 to ``ChinaBatchPaymentLayout/amountMaxMinorUnits`` fen.
        public var amount: Money
        public var settlement: Settlement
        /// What the payment is for (用途): at most 62 bytes in GBK; required. The payee's statement shows it.
        public var purpose: String
        /// A note for the payer's own records (业务摘要): at most 200 bytes in GBK; may be empty.
        public var remark: String

        public init(
            sequenceNumber: Int, endToEndID: String, payeeAccount: String, payeeName: String,
            payeeBankCode: CNAPSCode, payeeBankName: String, payeeBankAddress: String, amount: Money,
            settlement: Settlement = .normal, purpose: String, remark: String = ""
        ) {
            self.sequenceNumber = sequenceNumber
            self.endToEndID = endToEndID
            self.payeeAccount = payeeAccount
            self.payeeName = payeeName
            self.payeeBankCode = payeeBankCode
            self.payeeBankName = payeeBankName
            self.payeeBankAddress = payeeBankAddress
            self.amount = amount
            self.settlement = settlement
            self.purpose = purpose
            self.remark = remark
        }

        /// Whether the payee banks with China Merchants Bank too (行内, CMB `BNKFLG` `Y`): its CNAPS
        /// code's bank category is `308`. Otherwise the transfer is cross-bank (跨行, `N`).
        ///
        /// Derived rather than stored, so the flag in the file can never contradict the bank code.
        public var isIntraBank: Bool { payeeBankCode.bankCategoryCode == ChinaBatchPaymentLayout.bankCategoryCode }
    }
}

/// The limits and fixed values of the batch payment layout, shared by the writer, the reader and the
/// validator.
public enum ChinaBatchPaymentLayout {
    /// CNAPS bank category code of China Merchants Bank, whose layout this is: a payee bank code starting
    /// with it is a transfer within the bank.
    public static let bankCategoryCode = "308"
    /// The currency field's only allowed value: CMB's currency code `10`, renminbi.
    public static let currencyCodeCNY = "10"
    /// At most this many transfers in one file (CMB accepts 1 to 1,500 per batch).
    public static let recordCountMax = 1_500
    /// The amount field holds at most 13 integer digits and 2 decimals: 9,999,999,999,999.99 CNY.
    public static let amountMaxMinorUnits: Int64 = 999_999_999_999_999
    /// References (batch id, end-to-end id): CMB's `YURREF` is 30 characters.
    public static let referenceMaxBytes = 30
    /// Account numbers (payer and payee): 35 digits.
    public static let accountMaxDigits = 35
    /// Payer and payee names: CMB's long name field (`LRVEAN`), 200 bytes in GBK.
    public static let nameMaxBytes = 200
    /// Payee bank name and address: 62 bytes in GBK.
    public static let bankTextMaxBytes = 62
    /// Purpose (用途): 62 bytes in GBK.
    public static let purposeMaxBytes = 62
    /// Remark (业务摘要): 200 bytes in GBK.
    public static let remarkMaxBytes = 200
    /// Fields of the summary line (line 1).
    public static let summaryFieldCount = 7
    /// Fields of a transfer line (line 2 onwards).
    public static let recordFieldCount = 12
}

/// The stable snake_case codes of the problems the writer, the reader and the validator report, as
/// ``FieldError/code``.
public enum ChinaBatchPaymentErrorCode: String, Sendable, Hashable, CaseIterable {
    /// The bytes are neither UTF-8 (with or without BOM) nor GB18030/GBK text.
    case unsupportedEncoding = "unsupported_encoding"
    /// The file holds no line at all.
    case emptyFile = "empty_file"
    /// The last line has no line break: the file may have been cut short.
    case truncated
    /// The summary line is there but no transfer follows it.
    case noRecords = "no_records"
    /// More than ``ChinaBatchPaymentLayout/recordCountMax`` transfers.
    case tooManyRecords = "too_many_records"
    /// A line does not have the layout's number of `|`-separated fields.
    case columnCount = "column_count"
    /// A required field is empty.
    case required
    /// A text is longer than its field (in GBK bytes, or characters for references).
    case tooLong = "too_long"
    /// A character the field does not allow: a control character, `|`, a character GBK cannot
    /// write, or (in a reference) anything outside its character set.
    case invalidCharacter = "invalid_character"
    /// An account number that is not all digits.
    case notDigits = "not_digits"
    /// A payee bank code that is not 12 digits.
    case invalidCNAPSCode = "invalid_cnaps_code"
    /// A date that is not a real date written `yyyyMMdd`.
    case invalidDate = "invalid_date"
    /// The currency is not renminbi.
    case currencyNotCNY = "currency_not_cny"
    /// An amount that is not a plain decimal number such as `1234.56`.
    case invalidAmount = "invalid_amount"
    /// An amount that is zero or negative.
    case amountNotPositive = "amount_not_positive"
    /// An amount with more than 2 decimals.
    case tooManyDecimals = "too_many_decimals"
    /// An amount above ``ChinaBatchPaymentLayout/amountMaxMinorUnits``.
    case aboveLimit = "above_limit"
    /// The summary's record count is not a number, or differs from the transfer lines.
    case countMismatch = "count_mismatch"
    /// The summary's total differs from the sum of the amounts.
    case totalMismatch = "total_mismatch"
    /// A sequence number that is not the transfer's position (1, 2, 3… in file order).
    case sequenceNumber = "sequence_number"
    /// An end-to-end id used by an earlier transfer of the file.
    case duplicateEndToEndID = "duplicate_end_to_end_id"
    /// The intra-bank flag is not `Y` or `N`.
    case invalidBankFlag = "invalid_bank_flag"
    /// The intra-bank flag contradicts the payee bank code (`Y` exactly when it starts with `308`).
    case bankFlagMismatch = "bank_flag_mismatch"
    /// The settlement field is not `N` (普通) or `F` (快速/加急).
    case invalidSettlement = "invalid_settlement"
}
