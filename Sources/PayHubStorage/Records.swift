import Foundation
import PayHubDomain

/// The SQL and the row mapping both adapters share, so each adapter is only the I/O around them.
public struct Records: Sendable {
    public let cipher: BankDetailCipher

    public init(cipher: BankDetailCipher) { self.cipher = cipher }

    // MARK: Entities

    public func insert(_ entity: LegalEntity) -> SQLQuery {
        SQLQuery(
            "INSERT INTO entities (id, name, country, base_currency, lei, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .text(entity.id.rawValue), .text(entity.name), .text(entity.countryCode),
                .text(entity.baseCurrency.code), SQLValue(entity.lei?.value),
                .integer(StoredTime.milliseconds(entity.createdAt)),
            ])
    }

    public func update(_ entity: LegalEntity) -> SQLQuery {
        SQLQuery(
            "UPDATE entities SET name = ?, country = ?, base_currency = ?, lei = ? WHERE id = ?",
            [
                .text(entity.name), .text(entity.countryCode), .text(entity.baseCurrency.code),
                SQLValue(entity.lei?.value), .text(entity.id.rawValue),
            ])
    }

    public func entity(from row: some SQLRow) throws -> LegalEntity {
        try LegalEntity(
            id: ID(row.text("id")), name: row.text("name"), countryCode: row.text("country"),
            baseCurrency: Currency(code: row.text("base_currency")), lei: row.optionalText("lei").map { try LEI($0) },
            createdAt: StoredTime.date(row.integer("created_at")))
    }

    // MARK: Vendors

    public func insert(_ vendor: Vendor) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO vendors (id, entity_id, name, country, tax_id, source_system, source_external_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(vendor.id.rawValue), .text(vendor.entityID.rawValue), .text(vendor.name),
                .text(vendor.countryCode), SQLValue(vendor.taxID?.value), SQLValue(vendor.source?.system),
                SQLValue(vendor.source?.externalID), .integer(StoredTime.milliseconds(vendor.createdAt)),
            ])
    }

    public func update(_ vendor: Vendor) -> SQLQuery {
        SQLQuery(
            "UPDATE vendors SET name = ?, country = ?, tax_id = ? WHERE id = ?",
            [.text(vendor.name), .text(vendor.countryCode), SQLValue(vendor.taxID?.value), .text(vendor.id.rawValue)])
    }

    public func vendor(from row: some SQLRow) throws -> Vendor {
        let country = try row.text("country")
        let source: SourceReference? =
            if let system = try row.optionalText("source_system"),
                let externalID = try row.optionalText("source_external_id")
            {
                try SourceReference(system: system, externalID: externalID)
            } else {
                nil
            }
        return try Vendor(
            id: ID(row.text("id")), entityID: ID(row.text("entity_id")), name: row.text("name"), countryCode: country,
            taxID: row.optionalText("tax_id").map { try TaxID($0, countryCode: country) }, source: source,
            createdAt: StoredTime.date(row.integer("created_at")))
    }

    // MARK: Bank accounts

    public func insert(_ account: BankAccount) throws -> SQLQuery {
        let vendorID: String? =
            if case .vendor(let vendorID) = account.holder { vendorID.rawValue } else { nil }
        return SQLQuery(
            """
            INSERT INTO bank_accounts (id, entity_id, vendor_id, account_number_sealed, account_number_hash,
                account_number_is_iban, bic, routing_number, cnaps_code, currency, holder_name, bank_name, created_at,
                verification, requested_by, requested_at, verified_by, verified_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(account.id.rawValue), .text(account.entityID.rawValue), SQLValue(vendorID),
                .blob(try cipher.seal(account.accountNumber.value, rowID: account.id.rawValue)),
                .text(cipher.lookupHash(account.accountNumber.value)),
                .integer(account.accountNumber.isIBAN ? 1 : 0), SQLValue(account.bic?.value),
                SQLValue(account.routingNumber?.value), SQLValue(account.cnapsCode?.value),
                .text(account.currency.code), .text(account.holderName), SQLValue(account.bankName),
                .integer(StoredTime.milliseconds(account.createdAt)),
            ] + Self.verificationValues(account.verification))
    }

    /// Moves an account's verification from `expected` to the account's current one; a guarded update,
    /// so two people confirming at once cannot both win.
    public func updateVerification(_ account: BankAccount, from expected: AccountVerification.State) -> SQLQuery {
        SQLQuery(
            """
            UPDATE bank_accounts SET verification = ?, requested_by = ?, requested_at = ?, verified_by = ?,
                verified_at = ?
            WHERE id = ? AND verification = ?
            """,
            Self.verificationValues(account.verification) + [.text(account.id.rawValue), .text(expected.rawValue)])
    }

    private static func verificationValues(_ verification: AccountVerification) -> [SQLValue] {
        [
            .text(verification.state.rawValue), SQLValue(verification.requestedBy),
            SQLValue(verification.requestedAt.map(StoredTime.milliseconds)), SQLValue(verification.verifiedBy),
            SQLValue(verification.verifiedAt.map(StoredTime.milliseconds)),
        ]
    }

    public func bankAccount(from row: some SQLRow) throws -> BankAccount {
        let id = try row.text("id")
        let number = try cipher.open(row.blob("account_number_sealed"), rowID: id)
        let accountNumber: AccountNumber =
            try row.integer("account_number_is_iban") == 1
            ? .iban(try IBAN(number)) : try AccountNumber.domestic(validating: number)
        let entityID = try ID<LegalEntity>(row.text("entity_id"))
        let holder: AccountHolder =
            if let vendorID = try row.optionalText("vendor_id") { .vendor(try ID(vendorID)) } else { .entity(entityID) }
        guard let verificationState = AccountVerification.State(rawValue: try row.text("verification")) else {
            throw StorageError(.corruptRow, target: "bank_accounts.verification")
        }
        return try BankAccount(
            id: ID(id), holder: holder, entityID: entityID, accountNumber: accountNumber,
            bic: row.optionalText("bic").map { try BIC($0) },
            routingNumber: row.optionalText("routing_number").map { try ABARoutingNumber($0) },
            cnapsCode: row.optionalText("cnaps_code").map { try CNAPSCode($0) },
            currency: Currency(code: row.text("currency")), holderName: row.text("holder_name"),
            bankName: row.optionalText("bank_name"), createdAt: StoredTime.date(row.integer("created_at")),
            verification: AccountVerification(
                state: verificationState,
                requestedBy: row.optionalText("requested_by"),
                requestedAt: row.optionalInteger("requested_at").map(StoredTime.date),
                verifiedBy: row.optionalText("verified_by"),
                verifiedAt: row.optionalInteger("verified_at").map(StoredTime.date)))
    }

    // MARK: Payables

    public func insert(_ payable: Payable, updatedAt: Date) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO payables (id, entity_id, vendor_id, invoice_number, invoice_date, due_date, amount_minor,
                currency, source_system, source_external_id, state, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(payable.id.rawValue), .text(payable.entityID.rawValue), .text(payable.vendorID.rawValue),
                .text(payable.invoiceNumber), .text(payable.invoiceDate.iso8601), .text(payable.dueDate.iso8601),
                .integer(payable.amount.minorUnits), .text(payable.amount.currency.code), .text(payable.source.system),
                .text(payable.source.externalID), .text(payable.state.rawValue),
                .integer(StoredTime.milliseconds(payable.createdAt)), .integer(StoredTime.milliseconds(updatedAt)),
            ])
    }

    /// Rows per multi-row insert: 13 values each, well under SQLite's limit of 32,766 bound values (3.32
    /// and later; Debian 12 has 3.40) and PostgreSQL's 65,535. Fewer, larger statements were faster.
    static let payableRowsPerInsert = 256

    /// Inserts the payables whose ERP id is not there yet and leaves the others alone (both databases
    /// know `ON CONFLICT … DO NOTHING`); concurrent writers never abort on the key.
    func insertIfNew(_ payables: ArraySlice<Payable>, updatedAt: Date) -> SQLQuery {
        let updated = StoredTime.milliseconds(updatedAt)
        var binds: [SQLValue] = []
        binds.reserveCapacity(payables.count * 13)
        // One append per value: an array literal per row would be one more allocation per payable.
        for payable in payables {
            binds.append(.text(payable.id.rawValue))
            binds.append(.text(payable.entityID.rawValue))
            binds.append(.text(payable.vendorID.rawValue))
            binds.append(.text(payable.invoiceNumber))
            binds.append(.text(payable.invoiceDate.iso8601))
            binds.append(.text(payable.dueDate.iso8601))
            binds.append(.integer(payable.amount.minorUnits))
            binds.append(.text(payable.amount.currency.code))
            binds.append(.text(payable.source.system))
            binds.append(.text(payable.source.externalID))
            binds.append(.text(payable.state.rawValue))
            binds.append(.integer(StoredTime.milliseconds(payable.createdAt)))
            binds.append(.integer(updated))
        }
        return SQLQuery(Self.payablesInsertIfNew.sql(rows: payables.count), binds)
    }

    private static let payablesInsertIfNew = MultiRowInsertSQL(
        """
        INSERT INTO payables (id, entity_id, vendor_id, invoice_number, invoice_date, due_date, amount_minor,
            currency, source_system, source_external_id, state, created_at, updated_at)
        """, columns: 13, suffix: " ON CONFLICT (source_system, source_external_id) DO NOTHING")

    /// Changes an open payable's details; the `state = 'open'` guard makes a taken payable immutable.
    public func updateOpen(_ payable: Payable, updatedAt: Date) -> SQLQuery {
        SQLQuery(
            """
            UPDATE payables SET vendor_id = ?, invoice_number = ?, invoice_date = ?, due_date = ?, amount_minor = ?,
                currency = ?, updated_at = ?
            WHERE id = ? AND state = 'open'
            """,
            [
                .text(payable.vendorID.rawValue), .text(payable.invoiceNumber), .text(payable.invoiceDate.iso8601),
                .text(payable.dueDate.iso8601), .integer(payable.amount.minorUnits), .text(payable.amount.currency.code),
                .integer(StoredTime.milliseconds(updatedAt)), .text(payable.id.rawValue),
            ])
    }

    public func payable(from row: some SQLRow) throws -> Payable {
        guard let state = PayableState(rawValue: try row.text("state")) else {
            throw StorageError(.corruptRow, target: "payables.state")
        }
        let currency = try Currency(code: row.text("currency"))
        return try Payable(
            id: ID(row.text("id")), entityID: ID(row.text("entity_id")), vendorID: ID(row.text("vendor_id")),
            invoiceNumber: row.text("invoice_number"), invoiceDate: LocalDate(iso8601: row.text("invoice_date")),
            dueDate: LocalDate(iso8601: row.text("due_date")),
            amount: Money(minorUnits: row.integer("amount_minor"), currency: currency),
            source: SourceReference(system: row.text("source_system"), externalID: row.text("source_external_id")),
            state: state, createdAt: StoredTime.date(row.integer("created_at")))
    }

    /// Moves payables between states, guarded by the state they must be in.
    public func movePayables(_ ids: [ID<Payable>], from: PayableState, to: PayableState, at: Date) -> SQLQuery {
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return SQLQuery(
            "UPDATE payables SET state = ?, updated_at = ? WHERE state = ? AND id IN (\(placeholders))",
            [.text(to.rawValue), .integer(StoredTime.milliseconds(at)), .text(from.rawValue)]
                + ids.map { .text($0.rawValue) })
    }

    // MARK: Payments

    public func insert(_ payment: Payment) -> [SQLQuery] {
        let created = StoredTime.milliseconds(payment.createdAt)
        let row = SQLQuery(
            """
            INSERT INTO payments (id, entity_id, vendor_id, amount_minor, currency, debtor_account_id,
                creditor_account_id, state, end_to_end_id, requested_execution_date, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(payment.id.rawValue), .text(payment.entityID.rawValue), .text(payment.vendorID.rawValue),
                .integer(payment.amount.minorUnits), .text(payment.amount.currency.code),
                .text(payment.debtorAccountID.rawValue), .text(payment.creditorAccountID.rawValue),
                .text(payment.state.rawValue), .text(payment.endToEndID),
                SQLValue(payment.requestedExecutionDate?.iso8601), .integer(created), .integer(created),
            ])
        let links = payment.payableIDs.enumerated().map { position, payableID in
            SQLQuery(
                "INSERT INTO payment_payables (payment_id, payable_id, position) VALUES (?, ?, ?)",
                [.text(payment.id.rawValue), .text(payableID.rawValue), .integer(Int64(position))])
        }
        return [row] + links
    }

    public func payablesOfPayment(_ id: ID<Payment>) -> SQLQuery {
        SQLQuery("SELECT payable_id FROM payment_payables WHERE payment_id = ? ORDER BY position", [.text(id.rawValue)])
    }

    /// The guarded update at the heart of the lifecycle: it changes a row only if it is still in the
    /// state the caller saw, so of two writers racing on one payment exactly one succeeds.
    public func transition(_ id: ID<Payment>, from: PaymentState, to: PaymentState, at: Date) -> SQLQuery {
        SQLQuery(
            "UPDATE payments SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
            [.text(to.rawValue), .integer(StoredTime.milliseconds(at)), .text(id.rawValue), .text(from.rawValue)])
    }

    public func payment(from row: some SQLRow, payableIDs: [String]) throws -> Payment {
        guard let state = PaymentState(rawValue: try row.text("state")) else {
            throw StorageError(.corruptRow, target: "payments.state")
        }
        let currency = try Currency(code: row.text("currency"))
        return Payment(
            restoring: try ID(row.text("id")), entityID: try ID(row.text("entity_id")),
            vendorID: try ID(row.text("vendor_id")), payableIDs: try payableIDs.map { try ID($0) },
            amount: Money(minorUnits: try row.integer("amount_minor"), currency: currency),
            debtorAccountID: try ID(row.text("debtor_account_id")),
            creditorAccountID: try ID(row.text("creditor_account_id")), state: state,
            endToEndID: try row.text("end_to_end_id"),
            requestedExecutionDate: try row.optionalText("requested_execution_date").map { try LocalDate(iso8601: $0) },
            createdAt: StoredTime.date(try row.integer("created_at")))
    }

    /// What happens to a payment's payables when it moves from `previous` to `state`: they are freed again
    /// when the payment will never pay them, and marked paid when it settles. A return frees payables that
    /// were paid, or still in payment when the return came before the statement that settled it.
    public static func payableMove(from previous: PaymentState, to state: PaymentState) -> (from: PayableState, to: PayableState)? {
        switch state {
        case .cancelled, .rejected, .failed: (.inPayment, .open)
        case .settled: (.inPayment, .paid)
        case .returned: previous == .settled ? (.paid, .open) : (.inPayment, .open)
        default: nil
        }
    }

    // MARK: Users and keys

    public func insert(_ user: User, passwordHash: String) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO users (id, username, display_name, password_hash, roles, entity_scope, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(user.id.rawValue), .text(user.username), .text(user.displayName), .text(passwordHash),
                .text(Self.encode(user.roles)), .text(Self.encode(user.scope)),
                .integer(StoredTime.milliseconds(user.createdAt)),
            ])
    }

    public func storedUser(from row: some SQLRow) throws -> StoredUser {
        let user = try User(
            id: ID(row.text("id")), username: row.text("username"), displayName: row.text("display_name"),
            roles: Self.decodeRoles(row.text("roles")), scope: Self.decodeScope(row.text("entity_scope")),
            createdAt: StoredTime.date(row.integer("created_at")))
        return StoredUser(user: user, passwordHash: try row.text("password_hash"))
    }

    public func insert(_ key: APIKey, secretHash: String) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO api_keys (id, name, secret_hash, roles, entity_scope, created_at, revoked_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(key.id.rawValue), .text(key.name), .text(secretHash), .text(Self.encode(key.roles)),
                .text(Self.encode(key.scope)), .integer(StoredTime.milliseconds(key.createdAt)),
                SQLValue(key.revokedAt.map(StoredTime.milliseconds)),
            ])
    }

    public func apiKey(from row: some SQLRow) throws -> APIKey {
        APIKey(
            id: try ID(row.text("id")), name: try row.text("name"), roles: try Self.decodeRoles(row.text("roles")),
            scope: try Self.decodeScope(row.text("entity_scope")), createdAt: StoredTime.date(try row.integer("created_at")),
            revokedAt: try row.optionalInteger("revoked_at").map(StoredTime.date))
    }

    static func encode(_ roles: Set<Role>) -> String { roles.map(\.rawValue).sorted().joined(separator: ",") }

    static func decodeRoles(_ text: String) throws -> Set<Role> {
        Set(try text.split(separator: ",").map {
            guard let role = Role(rawValue: String($0)) else { throw StorageError(.corruptRow, target: "roles") }
            return role
        })
    }

    /// `*` for every entity, else a comma-separated list of entity ids.
    static func encode(_ scope: EntityScope) -> String {
        switch scope {
        case .all: "*"
        case .only(let entities): entities.map(\.rawValue).sorted().joined(separator: ",")
        }
    }

    static func decodeScope(_ text: String) throws -> EntityScope {
        if text == "*" { return .all }
        return .only(Set(try text.split(separator: ",").map { try ID<LegalEntity>(String($0)) }))
    }

    // MARK: Audit

    public static let lastAuditEvent = SQLQuery("SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1")

    public func insert(_ event: AuditEvent) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO audit_events (sequence, occurred_at, actor_kind, actor_id, action, object_type, object_id,
                entity_id, before_json, after_json, origin, request_id, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(event.sequence), .integer(event.occurredAtMilliseconds), .text(event.actorKind),
                .text(event.actorID), .text(event.action), .text(event.objectType), .text(event.objectID),
                SQLValue(event.entityID), SQLValue(event.before), SQLValue(event.after), .text(event.origin),
                SQLValue(event.requestID), .text(event.previousHash), .text(event.hash),
            ])
    }

    /// Rows per multi-row insert: 14 values each, within the same limits.
    static let auditRowsPerInsert = 256

    /// Several audit events in one statement, in chain order, bound from their entries and links.
    func insertAudit(_ links: ArraySlice<AuditLink>, of entries: [AuditEntry], context: AuditContext) -> SQLQuery {
        let occurred = StoredTime.milliseconds(context.occurredAt)
        var binds: [SQLValue] = []
        binds.reserveCapacity(links.count * 14)
        for link in links {
            binds.append(.integer(link.sequence))
            binds.append(.integer(occurred))
            binds.append(.text(context.actorKind.rawValue))
            binds.append(.text(context.actorID))
            binds.append(.text(entries[link.entry].action))
            binds.append(.text(entries[link.entry].objectType))
            binds.append(.text(entries[link.entry].objectID))
            binds.append(SQLValue(entries[link.entry].entityID))
            binds.append(SQLValue(entries[link.entry].before))
            binds.append(SQLValue(entries[link.entry].after))
            binds.append(.text(context.origin))
            binds.append(SQLValue(context.requestID))
            binds.append(.text(link.previousHash))
            binds.append(.text(link.hash))
        }
        return SQLQuery(Self.auditInsert.sql(rows: links.count), binds)
    }

    private static let auditInsert = MultiRowInsertSQL(
        """
        INSERT INTO audit_events (sequence, occurred_at, actor_kind, actor_id, action, object_type, object_id,
            entity_id, before_json, after_json, origin, request_id, previous_hash, hash)
        """, columns: 14)

    public static func auditEvents(after sequence: Int64, limit: Int, scope: EntityScope) -> SQLQuery {
        var conditions = ["sequence > ?"]
        var binds: [SQLValue] = [.integer(sequence)]
        if case .only(let entities) = scope {
            let sorted = entities.map(\.rawValue).sorted()
            conditions.append(
                sorted.isEmpty ? "1 = 0" : "entity_id IN (\(Array(repeating: "?", count: sorted.count).joined(separator: ", ")))")
            binds += sorted.map(SQLValue.text)
        }
        return SQLQuery(
            "SELECT * FROM audit_events WHERE \(conditions.joined(separator: " AND ")) ORDER BY sequence LIMIT ?",
            binds + [.integer(Int64(limit))])
    }

    public func auditEvent(from row: some SQLRow) throws -> AuditEvent {
        AuditEvent(
            sequence: try row.integer("sequence"), occurredAtMilliseconds: try row.integer("occurred_at"),
            actorKind: try row.text("actor_kind"), actorID: try row.text("actor_id"), action: try row.text("action"),
            objectType: try row.text("object_type"), objectID: try row.text("object_id"),
            entityID: try row.optionalText("entity_id"), before: try row.optionalText("before_json"),
            after: try row.optionalText("after_json"), origin: try row.text("origin"),
            requestID: try row.optionalText("request_id"), previousHash: try row.text("previous_hash"),
            hash: try row.text("hash"))
    }
}
