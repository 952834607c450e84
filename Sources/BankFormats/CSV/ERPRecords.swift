import PayHubDomain

/// A vendor's bank account as the ERP wrote it. Identifiers that have a checksum or a fixed shape (IBAN,
/// BIC, ABA routing number, CNAPS code) have been checked and are in their electronic form.
public struct ERPBankAccountRecord: Sendable, Hashable {
    public var iban: String?
    public var accountNumber: String?
    public var bic: String?
    public var routingNumber: String?
    public var cnapsCode: String?
    public var bankName: String?
    public var holderName: String?
    public var currency: String?

    public init(
        iban: String? = nil, accountNumber: String? = nil, bic: String? = nil, routingNumber: String? = nil,
        cnapsCode: String? = nil, bankName: String? = nil, holderName: String? = nil, currency: String? = nil
    ) {
        self.iban = iban
        self.accountNumber = accountNumber
        self.bic = bic
        self.routingNumber = routingNumber
        self.cnapsCode = cnapsCode
        self.bankName = bankName
        self.holderName = holderName
        self.currency = currency
    }
}

public struct ERPVendorRecord: Sendable, Hashable {
    /// The vendor's id in the ERP (SAP Kreditor, Oracle VENDOR_NUM…), unique per profile source.
    public var externalID: String
    public var name: String
    /// ISO 3166 alpha-2.
    public var country: String
    public var taxID: String?
    /// Present when the row had any bank detail.
    public var bankAccount: ERPBankAccountRecord?

    public init(
        externalID: String, name: String, country: String, taxID: String? = nil,
        bankAccount: ERPBankAccountRecord? = nil
    ) {
        self.externalID = externalID
        self.name = name
        self.country = country
        self.taxID = taxID
        self.bankAccount = bankAccount
    }
}

public struct ERPPayableRecord: Sendable, Hashable {
    /// The ERP's id of the open item, unique per profile source.
    public var externalID: String
    public var invoiceNumber: String
    public var invoiceDate: LocalDate
    public var dueDate: LocalDate
    /// What PayHub owes, after the profile's sign convention: always more than zero.
    public var amount: Money
    public var remittance: String?
    /// The company code as the ERP names it.
    public var entity: String?
    public var vendor: ERPVendorRecord

    public init(
        externalID: String, invoiceNumber: String, invoiceDate: LocalDate, dueDate: LocalDate, amount: Money,
        remittance: String? = nil, entity: String? = nil, vendor: ERPVendorRecord
    ) {
        self.externalID = externalID
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.amount = amount
        self.remittance = remittance
        self.entity = entity
        self.vendor = vendor
    }
}

/// Where a record is in its file, and the record as written there, for quarantine and for people.
public struct ERPRecordSource: Sendable, Hashable {
    /// The 1-based physical line the record starts on; 0 for XML.
    public var line: Int
    /// `line 12`, or `PmtInf[1]/CdtTrfTxInf[3]` in a pain.001.
    public var location: String
    /// The record exactly as in the file (decoded to text): a CSV row with its quotes and embedded line
    /// breaks, or a transaction's XML element. It holds bank details: show it only to people allowed to.
    public var raw: String

    public init(line: Int, location: String, raw: String) {
        self.line = line
        self.location = location
        self.raw = raw
    }
}

/// One record of an ERP file: read, or rejected with every reason found.
public enum ERPRecord: Sendable, Hashable {
    case payable(ERPPayableRecord, ERPRecordSource)
    case vendor(ERPVendorRecord, ERPRecordSource)
    /// Each error's `path` is the file's column header (or the canonical field name when the value is
    /// not from one column), its `code` one of ``ERPRecordErrorCode``'s raw values.
    case rejected(ERPRecordSource, [FieldError])

    public var source: ERPRecordSource {
        switch self {
        case .payable(_, let source), .vendor(_, let source), .rejected(let source, _): source
        }
    }
}

/// The stable codes of a rejected record's field errors.
public enum ERPRecordErrorCode: String, Sendable, Hashable, CaseIterable {
    case missingField = "missing_field"
    case invalidDate = "invalid_date"
    case invalidAmount = "invalid_amount"
    case tooManyDecimals = "too_many_decimals"
    case amountOutOfRange = "amount_out_of_range"
    case unknownCode = "unknown_code"
    case unknownCurrency = "unknown_currency"
    /// Zero, or a credit note, after the sign convention.
    case notAPayable = "not_a_payable"
    case invalidCountry = "invalid_country"
    case invalidIBAN = "invalid_iban"
    case invalidBIC = "invalid_bic"
    case invalidRoutingNumber = "invalid_routing_number"
    case invalidCNAPSCode = "invalid_cnaps_code"
}
