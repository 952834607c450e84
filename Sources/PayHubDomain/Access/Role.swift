/// What a caller may do. Each route declares one; a caller without it is refused (default deny).
public enum Permission: String, Sendable, Hashable, CaseIterable, Codable {
    case entitiesRead = "entities.read"
    case entitiesWrite = "entities.write"
    case bankAccountsRead = "bank_accounts.read"
    case bankAccountsWrite = "bank_accounts.write"
    case vendorsRead = "vendors.read"
    case vendorsWrite = "vendors.write"
    case payablesRead = "payables.read"
    case payablesWrite = "payables.write"
    case paymentsRead = "payments.read"
    case paymentsCreate = "payments.create"
    case paymentsApprove = "payments.approve"
    case paymentsHold = "payments.hold"
    case paymentsCancel = "payments.cancel"
    case usersManage = "users.manage"
    case apiKeysManage = "api_keys.manage"
    case auditRead = "audit.read"
    /// Reading bank files into PayHub's normalised JSON, without storing anything.
    case formatsParse = "formats.parse"
    /// Confirming a vendor's new bank details; never the person who entered them (see ``AccountVerification``).
    case bankAccountsVerify = "bank_accounts.verify"
    /// Importing ERP files and resubmitting or discarding their rejected rows.
    case importsWrite = "imports.write"
    case importsRead = "imports.read"
    /// Reading the event feed an ERP polls.
    case eventsRead = "events.read"
    /// Webhook subscriptions: create, change, read their delivery log, replay.
    case webhooksManage = "webhooks.manage"
    /// The final step of an approval chain that has one: letting an approved payment go to the bank.
    /// Treasurers only; the releaser must differ from every approver of the chain (see
    /// ``ApprovalChainState``).
    case paymentsRelease = "payments.release"
    /// Reading approval policies, their versions, and simulating or testing them.
    case policiesRead = "policies.read"
    /// Writing a new version of an approval policy.
    ///
    /// Held by the administrator and the treasurer: the people who set the rules are accountable for
    /// them, and every version is kept and audited. Neither clerks nor integrations, whose payments
    /// the policies judge, may change them.
    case policiesWrite = "policies.write"
    /// Loading the daily exchange rates that approval thresholds are compared in.
    case fxRatesWrite = "fx_rates.write"
    /// Maintaining the sanctions lists and the screening settings.
    case sanctionsManage = "sanctions.manage"
    /// Releasing a payment a control held (a suspected duplicate, a sanctions hit) after looking at it.
    case controlsRelease = "controls.release"
    /// Storing the bank's statements (camt.053, MT940, BAI2…) for reconciliation: treasury and the
    /// integration that fetches them from the bank.
    case statementsImport = "statements.import"
    /// Reading the stored statements, their lines and the exceptions found at import.
    case statementsRead = "statements.read"
}

/// A user's job, which decides the permissions they hold.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case admin
    case apClerk = "ap_clerk"
    case approver
    case treasurer
    case auditor
    case integration

    /// The permissions of each role.
    ///
    /// Segregation of duties starts here: whoever can create payments cannot approve them (the clerk and
    /// the integration), and the administrator, who manages users, approves nothing. Only the treasurer
    /// releases, and neither the clerk nor the integration may change the policies that judge their
    /// payments. Per payment, ``ApprovalChainState`` adds the rest (no initiator, nobody twice).
    public var permissions: Set<Permission> {
        switch self {
        case .admin:
            [
                .entitiesRead, .entitiesWrite, .bankAccountsRead, .bankAccountsWrite, .vendorsRead, .payablesRead,
                .paymentsRead, .usersManage, .apiKeysManage, .auditRead, .importsRead, .eventsRead, .webhooksManage,
                .policiesRead, .policiesWrite, .fxRatesWrite, .sanctionsManage,
            ]
        case .apClerk:
            [
                .entitiesRead, .bankAccountsRead, .vendorsRead, .vendorsWrite, .payablesRead, .payablesWrite,
                .paymentsRead, .paymentsCreate, .paymentsCancel, .formatsParse, .importsRead, .importsWrite, .eventsRead,
            ]
        case .approver:
            [
                .entitiesRead, .bankAccountsRead, .bankAccountsVerify, .vendorsRead, .payablesRead, .paymentsRead,
                .paymentsApprove, .paymentsHold, .policiesRead, .controlsRelease,
            ]
        case .treasurer:
            [
                .entitiesRead, .bankAccountsRead, .bankAccountsWrite, .vendorsRead, .payablesRead, .paymentsRead,
                .paymentsApprove, .paymentsHold, .paymentsCancel, .formatsParse, .bankAccountsVerify, .eventsRead,
                .paymentsRelease, .policiesRead, .policiesWrite, .fxRatesWrite, .sanctionsManage, .controlsRelease,
                .statementsImport, .statementsRead,
            ]
        case .auditor:
            [
                .entitiesRead, .bankAccountsRead, .vendorsRead, .payablesRead, .paymentsRead, .auditRead, .formatsParse,
                .importsRead, .eventsRead, .policiesRead, .statementsRead,
            ]
        case .integration:
            [
                .entitiesRead, .bankAccountsRead, .vendorsRead, .vendorsWrite, .payablesRead, .payablesWrite, .paymentsRead,
                .formatsParse, .importsRead, .importsWrite, .eventsRead, .webhooksManage, .statementsImport,
                .statementsRead,
            ]
        }
    }
}

/// Which legal entities a caller may see. Objects of any other entity do not exist for them.
public enum EntityScope: Hashable, Sendable {
    case all
    case only(Set<ID<LegalEntity>>)

    public func contains(_ entityID: ID<LegalEntity>) -> Bool {
        switch self {
        case .all: true
        case .only(let entities): entities.contains(entityID)
        }
    }
}

/// Who is acting: a signed-in user or an API key, with what they may do and see.
public struct Principal: Hashable, Sendable {
    public enum Kind: String, Sendable, Hashable { case user, apiKey = "api_key", system }

    public let kind: Kind
    /// `usr_…`, `key_…` or `system`, as recorded in the audit trail.
    public let actorID: String
    public let roles: Set<Role>
    public let scope: EntityScope

    public init(kind: Kind, actorID: String, roles: Set<Role>, scope: EntityScope) {
        self.kind = kind
        self.actorID = actorID
        self.roles = roles
        self.scope = scope
    }

    /// The process itself (migrations, the demo seeder): every entity, no permissions.
    public static let system = Principal(kind: .system, actorID: "system", roles: [], scope: .all)

    public var permissions: Set<Permission> { roles.reduce(into: []) { $0.formUnion($1.permissions) } }

    public func may(_ permission: Permission) -> Bool { permissions.contains(permission) }

    public func canSee(_ entityID: ID<LegalEntity>) -> Bool { scope.contains(entityID) }
}
