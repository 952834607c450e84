import Foundation

/// The versioned schema both adapters apply, in order, each migration in one transaction.
///
/// Invariants live here as well as in the domain: amounts are integer minor units and positive, states
/// are checked against the lifecycle's names, a payable's ERP id and a payment's end-to-end id are unique.
/// A migration, once released, never changes; a new need is a new migration.
public enum Schema {
    public enum Dialect: Sendable { case sqlite, postgres }

    public struct Migration: Sendable {
        public let id: String
        let statements: [String]

        /// The statements for `dialect`; only the binary column type differs.
        public func statements(for dialect: Dialect) -> [String] {
            statements.map {
                $0.replacingOccurrences(of: "{blob}", with: dialect == .sqlite ? "BLOB" : "BYTEA")
            }
        }
    }

    public static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS payhub_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)
        """

    public static let migrations: [Migration] = [
        Migration(id: "0001_foundation", statements: foundation)
    ]

    private static let paymentStates = PaymentStateList.sql
    private static let payableStates = "'open', 'in_payment', 'paid', 'cancelled'"

    private static let foundation = [
        """
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            country TEXT NOT NULL CHECK (length(country) = 2),
            base_currency TEXT NOT NULL CHECK (length(base_currency) = 3),
            lei TEXT,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE vendors (
            id TEXT PRIMARY KEY,
            entity_id TEXT NOT NULL REFERENCES entities(id),
            name TEXT NOT NULL,
            country TEXT NOT NULL CHECK (length(country) = 2),
            tax_id TEXT,
            source_system TEXT,
            source_external_id TEXT,
            created_at BIGINT NOT NULL,
            UNIQUE (entity_id, source_system, source_external_id)
        )
        """,
        "CREATE INDEX vendors_entity ON vendors (entity_id, id)",
        // Account numbers only ever sealed; the keyed hash finds an account without decrypting them all.
        """
        CREATE TABLE bank_accounts (
            id TEXT PRIMARY KEY,
            entity_id TEXT NOT NULL REFERENCES entities(id),
            vendor_id TEXT REFERENCES vendors(id),
            account_number_sealed {blob} NOT NULL,
            account_number_hash TEXT NOT NULL,
            account_number_is_iban INTEGER NOT NULL CHECK (account_number_is_iban IN (0, 1)),
            bic TEXT,
            routing_number TEXT,
            cnaps_code TEXT,
            currency TEXT NOT NULL CHECK (length(currency) = 3),
            holder_name TEXT NOT NULL,
            bank_name TEXT,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX bank_accounts_entity ON bank_accounts (entity_id, id)",
        "CREATE INDEX bank_accounts_vendor ON bank_accounts (vendor_id, id)",
        "CREATE INDEX bank_accounts_number ON bank_accounts (account_number_hash)",
        """
        CREATE TABLE payables (
            id TEXT PRIMARY KEY,
            entity_id TEXT NOT NULL REFERENCES entities(id),
            vendor_id TEXT NOT NULL REFERENCES vendors(id),
            invoice_number TEXT NOT NULL,
            invoice_date TEXT NOT NULL,
            due_date TEXT NOT NULL,
            amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
            currency TEXT NOT NULL CHECK (length(currency) = 3),
            source_system TEXT NOT NULL,
            source_external_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN (\(payableStates))),
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            UNIQUE (source_system, source_external_id)
        )
        """,
        "CREATE INDEX payables_entity ON payables (entity_id, id)",
        "CREATE INDEX payables_vendor ON payables (vendor_id, id)",
        "CREATE INDEX payables_due ON payables (due_date)",
        """
        CREATE TABLE payments (
            id TEXT PRIMARY KEY,
            entity_id TEXT NOT NULL REFERENCES entities(id),
            vendor_id TEXT NOT NULL REFERENCES vendors(id),
            amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
            currency TEXT NOT NULL CHECK (length(currency) = 3),
            debtor_account_id TEXT NOT NULL REFERENCES bank_accounts(id),
            creditor_account_id TEXT NOT NULL REFERENCES bank_accounts(id),
            state TEXT NOT NULL CHECK (state IN (\(paymentStates))),
            end_to_end_id TEXT NOT NULL UNIQUE,
            requested_execution_date TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX payments_entity ON payments (entity_id, id)",
        "CREATE INDEX payments_state ON payments (state, id)",
        """
        CREATE TABLE payment_payables (
            payment_id TEXT NOT NULL REFERENCES payments(id),
            payable_id TEXT NOT NULL REFERENCES payables(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (payment_id, payable_id)
        )
        """,
        "CREATE INDEX payment_payables_payable ON payment_payables (payable_id)",
        """
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            roles TEXT NOT NULL,
            entity_scope TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            secret_hash TEXT NOT NULL UNIQUE,
            roles TEXT NOT NULL,
            entity_scope TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT
        )
        """,
        """
        CREATE TABLE audit_events (
            sequence BIGINT PRIMARY KEY,
            occurred_at BIGINT NOT NULL,
            actor_kind TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            action TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_id TEXT NOT NULL,
            entity_id TEXT,
            before_json TEXT,
            after_json TEXT,
            origin TEXT NOT NULL,
            request_id TEXT,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE
        )
        """,
        "CREATE INDEX audit_events_object ON audit_events (object_type, object_id)",
    ]
}

import PayHubDomain

private enum PaymentStateList {
    static let sql = PaymentState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
}
