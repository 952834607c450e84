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
        private let sqlite: [String]
        private let postgres: [String]

        /// One migration for both databases; only the binary column type (`{blob}`) differs.
        init(id: String, statements: [String]) {
            self.init(id: id, sqlite: statements, postgres: statements)
        }

        /// A change the two databases make differently, such as dropping a constraint SQLite cannot drop.
        init(id: String, sqlite: [String], postgres: [String]) {
            self.id = id
            self.sqlite = sqlite
            self.postgres = postgres
        }

        public func statements(for dialect: Dialect) -> [String] {
            switch dialect {
            case .sqlite: sqlite.map { $0.replacingOccurrences(of: "{blob}", with: "BLOB") }
            case .postgres: postgres.map { $0.replacingOccurrences(of: "{blob}", with: "BYTEA") }
            }
        }
    }

    public static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS payhub_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)
        """

    public static let migrations: [Migration] = [
        Migration(id: "0001_foundation", statements: foundation),
        Migration(id: "0002_erp_sync", statements: erpSync),
        Migration(id: "0003_audit_hash_not_indexed", sqlite: auditHashNotIndexed, postgres: [
            "ALTER TABLE audit_events DROP CONSTRAINT audit_events_hash_key"
        ]),
        Migration(id: "0004_approvals", statements: approvals),
        Migration(id: "0005_execution", statements: jobs + instructions),
        Migration(id: "0006_bank_exchange", statements: bankExchange),
        Migration(id: "0007_statements", statements: statements),
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

    private static let verificationStates = AccountVerificationStateList.sql

    /// ERP integration: dual control on bank details, idempotent requests, the event feed with its webhook
    /// outbox, and imports with their quarantine.
    private static let erpSync = [
        // Existing accounts were entered before dual control existed and stay usable.
        "ALTER TABLE bank_accounts ADD COLUMN verification TEXT NOT NULL DEFAULT 'active' CHECK (verification IN (\(verificationStates)))",
        "ALTER TABLE bank_accounts ADD COLUMN requested_by TEXT",
        "ALTER TABLE bank_accounts ADD COLUMN requested_at BIGINT",
        "ALTER TABLE bank_accounts ADD COLUMN verified_by TEXT",
        "ALTER TABLE bank_accounts ADD COLUMN verified_at BIGINT",
        // A key belongs to the caller that sent it: two integrations may both use "batch-1".
        """
        CREATE TABLE idempotency_keys (
            actor_id TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('running', 'completed')),
            response_status INTEGER,
            response_content_type TEXT,
            response_body {blob},
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            lease_until BIGINT NOT NULL,
            PRIMARY KEY (actor_id, idempotency_key)
        )
        """,
        "CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)",
        // The cursor is assigned under the same lock as the audit chain's head, so cursor order is commit
        // order: a poller that has read up to N never misses a smaller cursor committed later.
        """
        CREATE TABLE events (
            cursor BIGINT PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_id TEXT NOT NULL,
            entity_id TEXT,
            created_at BIGINT NOT NULL,
            object_json TEXT NOT NULL,
            previous_json TEXT
        )
        """,
        "CREATE INDEX events_object ON events (object_type, object_id, cursor)",
        """
        CREATE TABLE webhook_subscriptions (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            event_types TEXT NOT NULL,
            description TEXT,
            secret_sealed {blob} NOT NULL,
            entity_scope TEXT NOT NULL,
            active INTEGER NOT NULL CHECK (active IN (0, 1)),
            fanout_cursor BIGINT NOT NULL,
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE webhook_deliveries (
            id TEXT PRIMARY KEY,
            subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id),
            event_cursor BIGINT NOT NULL REFERENCES events(cursor),
            state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts INTEGER NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            lease_until BIGINT,
            first_attempt_at BIGINT,
            last_status INTEGER,
            last_error TEXT,
            delivered_at BIGINT,
            created_at BIGINT NOT NULL,
            UNIQUE (subscription_id, event_cursor)
        )
        """,
        "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at)",
        "CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id)",
        """
        CREATE TABLE webhook_attempts (
            delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
            attempt INTEGER NOT NULL,
            attempted_at BIGINT NOT NULL,
            duration_ms BIGINT NOT NULL,
            response_status INTEGER,
            error TEXT,
            PRIMARY KEY (delivery_id, attempt)
        )
        """,
        """
        CREATE TABLE imports (
            id TEXT PRIMARY KEY,
            entity_id TEXT NOT NULL REFERENCES entities(id),
            source_system TEXT NOT NULL,
            profile TEXT NOT NULL,
            file_name TEXT NOT NULL,
            file_sha256 TEXT NOT NULL,
            channel TEXT NOT NULL,
            all_or_nothing INTEGER NOT NULL CHECK (all_or_nothing IN (0, 1)),
            state TEXT NOT NULL CHECK (state IN ('running', 'completed', 'rolled_back', 'failed')),
            records INTEGER NOT NULL,
            accepted INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            rejected INTEGER NOT NULL,
            failure TEXT,
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            finished_at BIGINT
        )
        """,
        "CREATE INDEX imports_entity ON imports (entity_id, id)",
        // The quarantine: every rejected row with its raw text, until someone fixes or discards it.
        """
        CREATE TABLE import_rejections (
            id TEXT PRIMARY KEY,
            import_id TEXT NOT NULL REFERENCES imports(id),
            line INTEGER NOT NULL,
            location TEXT NOT NULL,
            raw TEXT NOT NULL,
            errors_json TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'resubmitted', 'discarded')),
            resolved_by TEXT,
            resolved_at BIGINT,
            resolution TEXT
        )
        """,
        "CREATE INDEX import_rejections_import ON import_rejections (import_id, line)",
        // Where each consumer of the feed (result files per ERP source) has read up to.
        """
        CREATE TABLE feed_cursors (
            consumer TEXT PRIMARY KEY,
            event_cursor BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
    ]

    private static let policyKinds = "'approval', 'controls'"
    private static let findingKinds = "'duplicate', 'sanctions', 'limit', 'policy_hold', 'manual_hold'"
    // Written out rather than taken from `SanctionsList.Source`: a released migration never changes, and a
    // new source will need a migration of its own.
    private static let sanctionsSources = "'ofac_sdn', 'eu_consolidated'"
    private static let approvalStatuses = "'awaiting', 'approved', 'rejected', 'held', 'blocked', 'superseded'"

    /// Approvals and the controls before them: versioned policy documents, the FX rates amounts are judged
    /// in, each payment's approval round with its recorded actions, control findings that hold a payment,
    /// delegations, approver groups, TOTP enrolment and sanctions lists with each vendor's screening.
    private static let approvals = [
        "ALTER TABLE vendors ADD COLUMN risk_rating TEXT NOT NULL DEFAULT 'low' CHECK (risk_rating IN ('low', 'medium', 'high'))",
        // Every version is kept; the highest of a kind is in force. The text as submitted is kept beside
        // the normalised JSON, so a reviewer sees exactly what was changed.
        """
        CREATE TABLE policy_documents (
            kind TEXT NOT NULL CHECK (kind IN (\(policyKinds))),
            version BIGINT NOT NULL CHECK (version > 0),
            document_json TEXT NOT NULL,
            source_text TEXT NOT NULL,
            source_format TEXT NOT NULL CHECK (source_format IN ('yaml', 'json')),
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (kind, version)
        )
        """,
        """
        CREATE TABLE fx_rates (
            base TEXT NOT NULL CHECK (length(base) = 3),
            quote TEXT NOT NULL CHECK (length(quote) = 3),
            rate_date TEXT NOT NULL,
            rate TEXT NOT NULL,
            source TEXT NOT NULL,
            imported_at BIGINT NOT NULL,
            PRIMARY KEY (base, quote, rate_date)
        )
        """,
        // One round per submission: a payment released from a hold is judged again, under the policy in
        // force then, in a new round. The chain's progress is rebuilt from the facts and the actions.
        """
        CREATE TABLE approval_rounds (
            payment_id TEXT NOT NULL REFERENCES payments(id),
            round INTEGER NOT NULL,
            entity_id TEXT NOT NULL,
            policy_version BIGINT NOT NULL,
            rule_id TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('auto_approve', 'hold', 'block', 'chain')),
            facts_json TEXT NOT NULL,
            decision_json TEXT NOT NULL,
            initiators TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN (\(approvalStatuses))),
            current_stage INTEGER,
            waiting_since BIGINT,
            escalated_stage INTEGER,
            started_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (payment_id, round)
        )
        """,
        "CREATE INDEX approval_rounds_waiting ON approval_rounds (status, waiting_since)",
        """
        CREATE TABLE approval_actions (
            payment_id TEXT NOT NULL,
            round INTEGER NOT NULL,
            position INTEGER NOT NULL,
            action_json TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (payment_id, round, position),
            FOREIGN KEY (payment_id, round) REFERENCES approval_rounds (payment_id, round)
        )
        """,
        """
        CREATE TABLE control_findings (
            id TEXT PRIMARY KEY,
            payment_id TEXT NOT NULL REFERENCES payments(id),
            entity_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN (\(findingKinds))),
            state TEXT NOT NULL CHECK (state IN ('open', 'released', 'cancelled')),
            summary TEXT NOT NULL,
            details_json TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            resolved_by TEXT,
            resolved_at BIGINT,
            resolution_reason TEXT
        )
        """,
        "CREATE INDEX control_findings_payment ON control_findings (payment_id, created_at)",
        "CREATE INDEX control_findings_open ON control_findings (state, entity_id, created_at)",
        """
        CREATE TABLE delegations (
            id TEXT PRIMARY KEY,
            from_user TEXT NOT NULL REFERENCES users(id),
            to_user TEXT NOT NULL REFERENCES users(id),
            entity_id TEXT,
            valid_from BIGINT NOT NULL,
            valid_until BIGINT NOT NULL,
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT,
            CHECK (valid_until > valid_from),
            CHECK (from_user <> to_user)
        )
        """,
        "CREATE INDEX delegations_to ON delegations (to_user, valid_until)",
        """
        CREATE TABLE user_groups (
            user_id TEXT NOT NULL REFERENCES users(id),
            group_name TEXT NOT NULL,
            PRIMARY KEY (user_id, group_name)
        )
        """,
        // The TOTP secret is sealed like bank details; the last time step used stops a code's replay.
        """
        CREATE TABLE user_totp (
            user_id TEXT PRIMARY KEY REFERENCES users(id),
            secret_sealed {blob} NOT NULL,
            enrolled_at BIGINT NOT NULL,
            confirmed_at BIGINT,
            last_time_step BIGINT
        )
        """,
        // A list is kept as the files were loaded (OFAC's SDN.CSV with ALT.CSV and ADD.CSV when given, or
        // the EU's XML), so a screener can be rebuilt from them and the decision traced to the bytes. The
        // latest loaded of a source is the one in force.
        """
        CREATE TABLE sanctions_lists (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL CHECK (source IN (\(sanctionsSources))),
            version TEXT NOT NULL,
            entry_count BIGINT NOT NULL CHECK (entry_count > 0),
            content {blob} NOT NULL,
            alternate_names {blob},
            addresses {blob},
            loaded_by TEXT NOT NULL,
            loaded_at BIGINT NOT NULL,
            UNIQUE (source, version)
        )
        """,
        "CREATE INDEX sanctions_lists_current ON sanctions_lists (source, loaded_at)",
        // One result per vendor and list version. `screened_key` is a digest of what was screened and how
        // (name, country, threshold, embargoed countries): a result whose key no longer matches the vendor
        // is screened again. `entity_id` scopes the list of potential matches without joining vendors.
        """
        CREATE TABLE vendor_screenings (
            vendor_id TEXT NOT NULL REFERENCES vendors(id),
            list_id TEXT NOT NULL REFERENCES sanctions_lists(id),
            entity_id TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('clear', 'potential_match')),
            top_score TEXT,
            threshold TEXT NOT NULL,
            screened_key TEXT NOT NULL,
            hits_json TEXT NOT NULL,
            screened_at BIGINT NOT NULL,
            PRIMARY KEY (vendor_id, list_id)
        )
        """,
        "CREATE INDEX vendor_screenings_matches ON vendor_screenings (list_id, outcome, entity_id, vendor_id)",
    ]

    /// Background work (batching, sending, polling the bank) as rows with leases, so several `payhub
    /// serve` processes on one database share it and never do one job twice at the same time. A job is
    /// one unit of work on one subject (an instruction to send, a payment to ask about); the pair is
    /// unique, so queuing the same work twice is a no-op.
    private static let jobs = [
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            run_after BIGINT NOT NULL,
            lease_owner TEXT,
            lease_until BIGINT,
            last_error TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            UNIQUE (kind, subject_id)
        )
        """,
        "CREATE INDEX jobs_due ON jobs (state, run_after)",
    ]

    /// Bank instructions (one file each) with their payments and the ids that leave PayHub, stored when
    /// the instruction is planned, before anything is sent, so a re-send reuses them.
    private static let instructions = [
        """
        CREATE TABLE bank_instructions (
            id TEXT PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,
            entity_id TEXT NOT NULL REFERENCES entities(id),
            debtor_account_id TEXT NOT NULL REFERENCES bank_accounts(id),
            method TEXT NOT NULL,
            currency TEXT NOT NULL CHECK (length(currency) = 3),
            execution_date TEXT NOT NULL,
            transaction_count INTEGER NOT NULL CHECK (transaction_count > 0),
            control_sum_minor BIGINT NOT NULL CHECK (control_sum_minor > 0),
            state TEXT NOT NULL CHECK (state IN ('planned', 'sent', 'acknowledged', 'rejected')),
            file_sha256 TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX bank_instructions_state ON bank_instructions (state, execution_date)",
        """
        CREATE TABLE instruction_payments (
            payment_id TEXT PRIMARY KEY REFERENCES payments(id),
            instruction_id TEXT NOT NULL REFERENCES bank_instructions(id),
            payment_information_id TEXT NOT NULL,
            uetr TEXT NOT NULL UNIQUE,
            position INTEGER NOT NULL
        )
        """,
        "CREATE INDEX instruction_payments_instruction ON instruction_payments (instruction_id, position)",
    ]

    /// What crossed the line to the bank: each instruction's file (name, transport, when it was handed
    /// over; its SHA-256 was already a column) and every file the bank sent back, by its SHA-256, so a
    /// status report or statement read twice changes nothing the second time.
    private static let bankExchange = [
        "ALTER TABLE bank_instructions ADD COLUMN file_name TEXT",
        "ALTER TABLE bank_instructions ADD COLUMN transport TEXT",
        "ALTER TABLE bank_instructions ADD COLUMN sent_at BIGINT",
        """
        CREATE TABLE bank_files_received (
            sha256 TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            connection TEXT NOT NULL,
            outcome_json TEXT NOT NULL,
            received_at BIGINT NOT NULL
        )
        """,
    ]

    /// Bank statements as imported, their lines waiting to be matched, and the exceptions found at import.
    /// A statement is stored once: by its account, bank id and sequence number (`duplicate_key`, null when
    /// the bank gives no id) and by the hash of its content. Account numbers are kept only hashed (the
    /// lookup hash `bank_accounts` keeps) and masked.
    private static let statements = [
        """
        CREATE TABLE bank_statements (
            id TEXT PRIMARY KEY,
            entity_id TEXT REFERENCES entities(id),
            bank_account_id TEXT REFERENCES bank_accounts(id),
            account_hash TEXT NOT NULL,
            account_masked TEXT NOT NULL,
            statement_reference TEXT,
            sequence_number BIGINT,
            currency TEXT NOT NULL CHECK (length(currency) = 3),
            opening_minor BIGINT,
            opening_date TEXT,
            closing_minor BIGINT,
            closing_date TEXT,
            format TEXT NOT NULL,
            file_sha256 TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            duplicate_key TEXT UNIQUE,
            line_count INTEGER NOT NULL CHECK (line_count >= 0),
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX bank_statements_entity ON bank_statements (entity_id, id)",
        "CREATE INDEX bank_statements_account ON bank_statements (account_hash, sequence_number)",
        """
        CREATE TABLE statement_lines (
            id TEXT PRIMARY KEY,
            statement_id TEXT NOT NULL REFERENCES bank_statements(id),
            position INTEGER NOT NULL CHECK (position >= 0),
            amount_minor BIGINT NOT NULL,
            currency TEXT NOT NULL CHECK (length(currency) = 3),
            booking_date TEXT,
            value_date TEXT,
            end_to_end_ids TEXT NOT NULL,
            bank_reference TEXT,
            counterparty_name TEXT,
            counterparty_account_masked TEXT,
            counterparty_account_hash TEXT,
            remittance TEXT,
            transaction_code TEXT,
            return_reason TEXT,
            reversal INTEGER NOT NULL CHECK (reversal IN (0, 1)),
            status TEXT NOT NULL CHECK (status IN ('unmatched')),
            UNIQUE (statement_id, position)
        )
        """,
        """
        CREATE TABLE reconciliation_exceptions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('sequence_gap', 'balance_break')),
            statement_id TEXT NOT NULL REFERENCES bank_statements(id),
            entity_id TEXT REFERENCES entities(id),
            details_json TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open')),
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX reconciliation_exceptions_statement ON reconciliation_exceptions (statement_id)",
    ]

    /// `audit_events.hash` loses its UNIQUE constraint, the one index of the trail in random order: it
    /// cost an import of 100,000 payables about 0.4 s of its 3 and guarded nothing. The chain's integrity
    /// rests on `sequence` (the primary key, dense) and on each event carrying its predecessor's hash,
    /// which the audit verifier checks; nothing looks an event up by its hash. SQLite cannot drop a
    /// constraint, so the table is rebuilt, keeping every row and column as it was.
    private static let auditHashNotIndexed = [
        """
        CREATE TABLE audit_events_rebuilt (
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
            hash TEXT NOT NULL
        )
        """,
        """
        INSERT INTO audit_events_rebuilt (sequence, occurred_at, actor_kind, actor_id, action, object_type, object_id,
            entity_id, before_json, after_json, origin, request_id, previous_hash, hash)
        SELECT sequence, occurred_at, actor_kind, actor_id, action, object_type, object_id,
            entity_id, before_json, after_json, origin, request_id, previous_hash, hash
        FROM audit_events ORDER BY sequence
        """,
        "DROP TABLE audit_events",
        "ALTER TABLE audit_events_rebuilt RENAME TO audit_events",
        "CREATE INDEX audit_events_object ON audit_events (object_type, object_id)",
    ]
}

import PayHubDomain

private enum AccountVerificationStateList {
    static let sql = AccountVerification.State.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
}

private enum PaymentStateList {
    static let sql = PaymentState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
}
