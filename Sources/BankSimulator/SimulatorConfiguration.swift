import Foundation
import PayHubDomain

/// How a simulated bank behaves: its identity, the accounts it keeps, and which payments it refuses,
/// charges for or sends back. Decoded from JSON with snake_case keys (docs/bank-simulator.md has an
/// example); ``validated()`` checks it before a ``BankSimulator`` uses it.
public struct BankSimulatorConfiguration: Codable, Sendable, Hashable {
    /// With the end-to-end id, decides the random rejections and returns: the same seed always gives
    /// the same outcome for a payment, whatever order the payments arrive in.
    public var seed: UInt64
    public var bank: Bank
    /// The simulated day the bank starts on.
    public var startDate: LocalDate
    /// The bank's own customers' accounts: the debtors it books, and creditors it knows to be closed.
    public var accounts: [Account]
    /// Creditor accounts the bank treats as not existing: a transfer to one is rejected with `AC01`.
    public var unknownCreditorAccounts: [String]
    /// Creditor accounts the bank treats as closed: a transfer to one is rejected with `AC04`.
    public var closedCreditorAccounts: [String]
    /// How many transfers in a thousand are rejected at random (with ``randomRejectionReason``).
    public var rejectionRatePerMille: Int
    public var randomRejectionReason: String
    /// How many booked transfers in a thousand come back, ``returnDelayBusinessDays`` later.
    public var returnRatePerMille: Int
    /// Weekdays from booking to the return's credit; at least 1.
    public var returnDelayBusinessDays: Int
    /// The reasons a return gives, one picked per return by the seed (`AC04`, `MS03`).
    public var returnReasons: [String]
    /// Whether the payments of one payment-information block are booked as one entry (with a `TxDtls`
    /// per payment) rather than one entry each. The configuration decides, not the file's `BtchBookg`
    /// (PayHub always asks for batch booking), so that a test can choose.
    public var batchBooking: Bool
    /// A fee per booked transfer, by ISO 4217 currency code, as a decimal string (`"EUR": "0.50"`),
    /// booked as an entry of its own.
    public var feePerTransaction: [String: String]

    public struct Bank: Codable, Sendable, Hashable {
        public var bic: String
        public var name: String

        public init(bic: String, name: String) {
            self.bic = bic
            self.name = name
        }
    }

    public enum AccountStatus: String, Codable, Sendable, Hashable {
        case open, closed
    }

    public struct Account: Codable, Sendable, Hashable {
        /// An IBAN or another account number; compared without spaces, letter case ignored.
        public var account: String
        /// ISO 4217 code; transfers in another currency are rejected (`AM03`).
        public var currency: String
        /// A decimal string in the currency (`"10000.00"`); must not be negative.
        public var openingBalance: String
        public var status: AccountStatus
        /// The NACHA Company Identification whose batches this account pays (NACHA files name no debtor
        /// account: the originating bank knows it from the company).
        public var nachaCompanyID: String?
        /// The holder's name, written into the statements.
        public var name: String?

        public init(
            account: String, currency: String, openingBalance: String, status: AccountStatus = .open,
            nachaCompanyID: String? = nil, name: String? = nil
        ) {
            self.account = account
            self.currency = currency
            self.openingBalance = openingBalance
            self.status = status
            self.nachaCompanyID = nachaCompanyID
            self.name = name
        }

        enum CodingKeys: String, CodingKey {
            case account, currency, status, name
            case openingBalance = "opening_balance"
            case nachaCompanyID = "nacha_company_id"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            account = try container.decode(String.self, forKey: .account)
            currency = try container.decode(String.self, forKey: .currency)
            openingBalance = try container.decodeIfPresent(String.self, forKey: .openingBalance) ?? "0"
            status = try container.decodeIfPresent(AccountStatus.self, forKey: .status) ?? .open
            nachaCompanyID = try container.decodeIfPresent(String.self, forKey: .nachaCompanyID)
            name = try container.decodeIfPresent(String.self, forKey: .name)
        }
    }

    public init(
        seed: UInt64, bank: Bank, startDate: LocalDate, accounts: [Account], unknownCreditorAccounts: [String] = [],
        closedCreditorAccounts: [String] = [], rejectionRatePerMille: Int = 0, randomRejectionReason: String = "MS03",
        returnRatePerMille: Int = 0, returnDelayBusinessDays: Int = 2, returnReasons: [String] = ["AC04", "MS03"],
        batchBooking: Bool = false, feePerTransaction: [String: String] = [:]
    ) {
        self.seed = seed
        self.bank = bank
        self.startDate = startDate
        self.accounts = accounts
        self.unknownCreditorAccounts = unknownCreditorAccounts
        self.closedCreditorAccounts = closedCreditorAccounts
        self.rejectionRatePerMille = rejectionRatePerMille
        self.randomRejectionReason = randomRejectionReason
        self.returnRatePerMille = returnRatePerMille
        self.returnDelayBusinessDays = returnDelayBusinessDays
        self.returnReasons = returnReasons
        self.batchBooking = batchBooking
        self.feePerTransaction = feePerTransaction
    }

    enum CodingKeys: String, CodingKey {
        case seed, bank, accounts
        case startDate = "start_date"
        case unknownCreditorAccounts = "unknown_creditor_accounts"
        case closedCreditorAccounts = "closed_creditor_accounts"
        case rejectionRatePerMille = "rejection_rate_per_mille"
        case randomRejectionReason = "random_rejection_reason"
        case returnRatePerMille = "return_rate_per_mille"
        case returnDelayBusinessDays = "return_delay_business_days"
        case returnReasons = "return_reasons"
        case batchBooking = "batch_booking"
        case feePerTransaction = "fee_per_transaction"
    }

    /// Everything but `seed`, `bank`, `start_date` and `accounts` may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BankSimulatorConfiguration(
            seed: 0, bank: Bank(bic: "", name: ""), startDate: (try? LocalDate(iso8601: "2000-01-03"))!, accounts: [])
        seed = try container.decode(UInt64.self, forKey: .seed)
        bank = try container.decode(Bank.self, forKey: .bank)
        startDate = try container.decode(LocalDate.self, forKey: .startDate)
        accounts = try container.decode([Account].self, forKey: .accounts)
        unknownCreditorAccounts =
            try container.decodeIfPresent([String].self, forKey: .unknownCreditorAccounts)
            ?? defaults.unknownCreditorAccounts
        closedCreditorAccounts =
            try container.decodeIfPresent([String].self, forKey: .closedCreditorAccounts)
            ?? defaults.closedCreditorAccounts
        rejectionRatePerMille =
            try container.decodeIfPresent(Int.self, forKey: .rejectionRatePerMille) ?? defaults.rejectionRatePerMille
        randomRejectionReason =
            try container.decodeIfPresent(String.self, forKey: .randomRejectionReason) ?? defaults.randomRejectionReason
        returnRatePerMille =
            try container.decodeIfPresent(Int.self, forKey: .returnRatePerMille) ?? defaults.returnRatePerMille
        returnDelayBusinessDays =
            try container.decodeIfPresent(Int.self, forKey: .returnDelayBusinessDays)
            ?? defaults.returnDelayBusinessDays
        returnReasons = try container.decodeIfPresent([String].self, forKey: .returnReasons) ?? defaults.returnReasons
        batchBooking = try container.decodeIfPresent(Bool.self, forKey: .batchBooking) ?? defaults.batchBooking
        feePerTransaction =
            try container.decodeIfPresent([String: String].self, forKey: .feePerTransaction)
            ?? defaults.feePerTransaction
    }

    /// Decodes a configuration from JSON and checks it.
    public static func decode(json data: Data) throws(BankSimulatorError) -> BankSimulatorConfiguration {
        let configuration: BankSimulatorConfiguration
        do {
            configuration = try JSONDecoder().decode(BankSimulatorConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw BankSimulatorError(
                .invalidConfiguration, at: path(context.codingPath + [key]), "a required setting is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw BankSimulatorError(
                .invalidConfiguration, at: path(context.codingPath), "a setting has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw BankSimulatorError(.invalidConfiguration, at: path(context.codingPath), "a setting is null")
        } catch let DecodingError.dataCorrupted(context) {
            throw BankSimulatorError(
                .invalidConfiguration, at: path(context.codingPath),
                "a setting has an invalid value or the JSON is malformed")
        } catch {
            throw BankSimulatorError(.invalidConfiguration, "the configuration cannot be decoded")
        }
        _ = try configuration.validated()
        return configuration
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "configuration" : text
    }

    /// The configuration with its amounts and codes parsed, or an error naming the first setting that is
    /// wrong (`accounts[1].opening_balance`).
    func validated() throws(BankSimulatorError) -> ValidatedConfiguration {
        do {
            _ = try BIC(bank.bic)
        } catch {
            throw BankSimulatorError(.invalidConfiguration, at: "bank.bic", "the bank's BIC is not a BIC")
        }
        guard !bank.name.isEmpty, bank.name.count <= 140 else {
            throw BankSimulatorError(
                .invalidConfiguration, at: "bank.name", "the bank's name must have 1 to 140 characters")
        }
        var accounts: [ValidatedConfiguration.KnownAccount] = []
        var seen = Set<String>()
        for (index, account) in self.accounts.enumerated() {
            let path = "accounts[\(index)]"
            let key = AccountKey(account.account)
            guard !key.value.isEmpty, key.value.count <= 34 else {
                throw BankSimulatorError(
                    .invalidConfiguration, at: path + ".account", "an account must have 1 to 34 characters")
            }
            guard seen.insert(key.value).inserted else {
                throw BankSimulatorError(.invalidConfiguration, at: path + ".account", "the account is listed twice")
            }
            let currency: Currency
            do {
                currency = try Currency(code: account.currency)
            } catch {
                throw BankSimulatorError(.invalidConfiguration, at: path + ".currency", "not an ISO 4217 currency code")
            }
            let opening: Money
            do {
                opening = try Money(parsing: account.openingBalance, currency: currency)
            } catch {
                throw BankSimulatorError(
                    .invalidConfiguration, at: path + ".opening_balance",
                    "not a decimal amount with the currency's places at most")
            }
            guard !opening.isNegative else {
                throw BankSimulatorError(
                    .invalidConfiguration, at: path + ".opening_balance", "an opening balance must not be negative")
            }
            accounts.append(
                ValidatedConfiguration.KnownAccount(
                    key: key, written: account.account, currency: currency, openingBalance: opening,
                    isOpen: account.status == .open,
                    nachaCompanyID: account.nachaCompanyID.map { $0.trimmingCharacters(in: .whitespaces) },
                    name: account.name))
        }
        for (name, rate) in [
            ("rejection_rate_per_mille", rejectionRatePerMille), ("return_rate_per_mille", returnRatePerMille),
        ] where !(0...1000).contains(rate) {
            throw BankSimulatorError(.invalidConfiguration, at: name, "a rate per mille must be 0 to 1000")
        }
        guard (1...250).contains(returnDelayBusinessDays) else {
            throw BankSimulatorError(
                .invalidConfiguration, at: "return_delay_business_days",
                "the return delay must be 1 to 250 business days")
        }
        guard Self.isReasonCode(randomRejectionReason) else {
            throw BankSimulatorError(
                .invalidConfiguration, at: "random_rejection_reason",
                "a reason must be an ISO code of four capitals or digits")
        }
        guard !returnReasons.isEmpty else {
            throw BankSimulatorError(
                .invalidConfiguration, at: "return_reasons", "at least one return reason is needed")
        }
        for (index, reason) in returnReasons.enumerated() where !Self.isReasonCode(reason) {
            throw BankSimulatorError(
                .invalidConfiguration, at: "return_reasons[\(index)]",
                "a reason must be an ISO code of four capitals or digits")
        }
        var fees: [String: Money] = [:]
        for code in feePerTransaction.keys.sorted() {
            let path = "fee_per_transaction.\(code)"
            let currency: Currency
            do {
                currency = try Currency(code: code)
            } catch {
                throw BankSimulatorError(.invalidConfiguration, at: path, "not an ISO 4217 currency code")
            }
            let fee: Money
            do {
                fee = try Money(parsing: feePerTransaction[code] ?? "", currency: currency)
            } catch {
                throw BankSimulatorError(
                    .invalidConfiguration, at: path, "not a decimal amount with the currency's places at most")
            }
            guard !fee.isNegative else {
                throw BankSimulatorError(.invalidConfiguration, at: path, "a fee must not be negative")
            }
            if !fee.isZero { fees[currency.code] = fee }
        }
        return ValidatedConfiguration(
            source: self, accounts: accounts,
            unknownCreditors: Set(unknownCreditorAccounts.map { AccountKey($0).value }),
            closedCreditors: Set(closedCreditorAccounts.map { AccountKey($0).value }), fees: fees)
    }

    static func isReasonCode(_ text: String) -> Bool {
        text.unicodeScalars.count == 4
            && text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// An account number as the bank compares it: without spaces, in capitals (`de89 3704…` is `DE893704…`).
struct AccountKey: Hashable, Sendable, Codable, Comparable {
    let value: String

    init(_ written: String) {
        value = String(written.unicodeScalars.filter { $0 != " " && $0 != "\t" }.map(Character.init)).uppercased()
    }

    static func < (lhs: AccountKey, rhs: AccountKey) -> Bool { lhs.value < rhs.value }

    init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(String.self) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A configuration whose amounts, currencies and account keys have been parsed.
struct ValidatedConfiguration: Sendable {
    struct KnownAccount: Sendable {
        var key: AccountKey
        var written: String
        var currency: Currency
        var openingBalance: Money
        var isOpen: Bool
        var nachaCompanyID: String?
        var name: String?
    }

    var source: BankSimulatorConfiguration
    /// In the configuration's order, which is also the order of the day's statements.
    var accounts: [KnownAccount]
    var unknownCreditors: Set<String>
    var closedCreditors: Set<String>
    /// Only non-zero fees, by currency code.
    var fees: [String: Money]

    func account(_ key: AccountKey) -> KnownAccount? { accounts.first { $0.key == key } }
}
