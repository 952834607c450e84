import Foundation

/// The number that identifies an account at its bank: an IBAN where the country uses them, otherwise a
/// domestic account number (China, the US and most of Asia).
public enum AccountNumber: Hashable, Sendable {
    case iban(IBAN)
    case domestic(String)

    /// Validates a domestic account number: 4 to 34 characters, letters, digits and hyphens.
    public static func domestic(validating text: String) throws(FieldError) -> AccountNumber {
        let cleaned = text.replacingOccurrences(of: " ", with: "").uppercased()
        guard (4...34).contains(cleaned.utf8.count),
            cleaned.utf8.allSatisfy({
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                    || $0 == UInt8(ascii: "-")
            })
        else {
            throw FieldError(
                path: "account_number", code: "invalid_account_number",
                message: "account number must have 4 to 34 letters, digits or hyphens")
        }
        return .domestic(cleaned)
    }

    /// The full number. Handle with care: it is stored encrypted and never logged.
    public var value: String {
        switch self {
        case .iban(let iban): iban.value
        case .domestic(let number): number
        }
    }

    public var isIBAN: Bool { if case .iban = self { true } else { false } }

    /// All but the last four characters hidden: `****3000`. The only form logs and messages may show.
    public var masked: String { AccountNumber.mask(value) }

    public static func mask(_ value: String) -> String { "****" + value.suffix(4) }
}

/// Who holds a bank account: one of the group's legal entities (paying from it) or a vendor (paid into it).
public enum AccountHolder: Hashable, Sendable {
    case entity(ID<LegalEntity>)
    case vendor(ID<Vendor>)
}

/// A bank account of a legal entity or of a vendor.
public struct BankAccount: Identified, Hashable, Sendable {
    public static let idPrefix = "bac"

    public let id: ID<BankAccount>
    public var holder: AccountHolder
    /// The legal entity whose users may see this account (the holder, or the vendor's entity).
    public var entityID: ID<LegalEntity>
    public var accountNumber: AccountNumber
    public var bic: BIC?
    /// National clearing code where one is needed: ABA routing number (US) or CNAPS code (China).
    public var routingNumber: ABARoutingNumber?
    public var cnapsCode: CNAPSCode?
    public var currency: Currency
    /// The account holder's name as the bank knows it.
    public var holderName: String
    public var bankName: String?
    public var createdAt: Date
    /// Whether money may be sent to this account yet; see ``AccountVerification``.
    public var verification: AccountVerification

    public init(
        id: ID<BankAccount>, holder: AccountHolder, entityID: ID<LegalEntity>, accountNumber: AccountNumber,
        bic: BIC? = nil, routingNumber: ABARoutingNumber? = nil, cnapsCode: CNAPSCode? = nil, currency: Currency,
        holderName: String, bankName: String? = nil, createdAt: Date, verification: AccountVerification = .active
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        let trimmedName = holderName.trimmed(.whitespacesAndNewlines)
        if trimmedName.isEmpty || trimmedName.count > 140 {
            problems.add("holder_name", code: "invalid_name", "holder name must have 1 to 140 characters")
        }
        if case .entity(let holderEntity) = holder, holderEntity != entityID {
            problems.add("entity_id", code: "entity_mismatch", "an entity's account belongs to that entity")
        }
        try problems.throwIfAny()
        self.id = id
        self.holder = holder
        self.entityID = entityID
        self.accountNumber = accountNumber
        self.bic = bic
        self.routingNumber = routingNumber
        self.cnapsCode = cnapsCode
        self.currency = currency
        self.holderName = trimmedName
        self.bankName = bankName
        self.createdAt = createdAt
        self.verification = verification
    }

    /// Only an active account may be paid into: a pending one awaits its second pair of eyes, and a
    /// superseded one was replaced by details the vendor sent later.
    public var isUsable: Bool { verification.state == .active }

    /// The account confirmed by `actor`, who must not be the person who asked for it (dual control).
    public func verified(by actor: String, at date: Date) throws(AccountVerificationError) -> BankAccount {
        guard verification.state == .pendingVerification else {
            throw AccountVerificationError(code: .notPending, state: verification.state)
        }
        guard verification.requestedBy != actor else {
            throw AccountVerificationError(code: .sameUser, state: verification.state)
        }
        var verified = self
        verified.verification.state = .active
        verified.verification.verifiedBy = actor
        verified.verification.verifiedAt = date
        return verified
    }
}

/// The dual-control state of a bank account.
///
/// A vendor's first account arrives active with its vendor. New details for a vendor that already has
/// an active account, the classic invoice-redirection fraud, arrive pending: stored, visible, but not
/// payable until a different person confirms them (usually after a call-back to the vendor). Confirming
/// supersedes the accounts it replaces.
public struct AccountVerification: Hashable, Sendable {
    public enum State: String, Sendable, Hashable, CaseIterable, Codable {
        case active
        case pendingVerification = "pending_verification"
        case superseded
    }

    public var state: State
    /// Who entered or imported the details (`usr_…`, `key_…`), and when.
    public var requestedBy: String?
    public var requestedAt: Date?
    public var verifiedBy: String?
    public var verifiedAt: Date?

    public init(
        state: State, requestedBy: String? = nil, requestedAt: Date? = nil, verifiedBy: String? = nil,
        verifiedAt: Date? = nil
    ) {
        self.state = state
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.verifiedBy = verifiedBy
        self.verifiedAt = verifiedAt
    }

    public static let active = AccountVerification(state: .active)

    public static func pending(requestedBy actor: String, at date: Date) -> AccountVerification {
        AccountVerification(state: .pendingVerification, requestedBy: actor, requestedAt: date)
    }
}

public struct AccountVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Only pending details can be confirmed.
        case notPending = "not_pending_verification"
        /// Dual control: the person who entered the details cannot confirm them.
        case sameUser = "same_user"
    }

    public let code: Code
    public let state: AccountVerification.State

    public var description: String {
        switch code {
        case .notPending: "the account is \(state.rawValue), not pending verification"
        case .sameUser: "bank details must be verified by someone other than the person who entered them"
        }
    }
}
