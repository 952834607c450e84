import ArgumentParser
import BankFormats
import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage

/// The operator at the server's console, as the audit trail names them: `cli:<login>`. They may do what
/// the roles given here allow, for every entity; the database file is theirs anyway.
func operatorContext(_ roles: Set<Role>) -> CallContext {
    let login = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
    return CallContext(
        principal: Principal(kind: .system, actorID: "cli:\(login)", roles: roles, scope: .all), origin: "cli")
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import ERP files through mapping profiles, and work the quarantine.",
        subcommands: [Payables.self, Profiles.self, Show.self, Rejections.self, Resubmit.self, Discard.self])

    struct ProfileOptions: ParsableArguments {
        @Option(help: "Folder of your own mapping profiles (env PAYHUB_PROFILES).") var profiles: String?

        func catalog() throws -> MappingProfileCatalog {
            let folder = profiles ?? ProcessInfo.processInfo.environment["PAYHUB_PROFILES"]
            return try MappingProfileCatalog.load(folder: folder.map { URL(fileURLWithPath: $0) })
        }
    }

    struct Payables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import payables (and their vendors) from an ERP file.",
            discussion: """
                Prints the import report. Rejected rows are kept in the quarantine with their line and reason; \
                fix them with `payhub import resubmit`. Exit status: 0 imported (rejections, if any, are in the \
                quarantine), 1 rolled back (--all-or-nothing with rejections), 65 the file could not be read, \
                66 the file could not be opened.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var profileOptions: ProfileOptions
        @Argument(help: "The ERP export.") var file: String
        @Option(help: "A mapping profile by name (see `payhub import profiles`) or a YAML file.") var profile: String
        @Option(help: "The entity (ent_…) the payables belong to.") var entity: String
        @Flag(help: "Write nothing unless every row is accepted.") var allOrNothing = false
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            let profile = try profileOptions.catalog().profile(self.profile)
            // Read a block at a time while importing; only check here that it can be opened at all.
            guard FileManager.default.isReadableFile(atPath: file) else {
                FileHandle.standardError.write(Data("\(file): cannot be read\n".utf8))
                throw ExitCode(66)
            }
            let url = URL(fileURLWithPath: file)
            let request = ImportRequest(
                entityID: entity, profile: profile, fileName: url.lastPathComponent, input: .file(url), channel: .cli,
                allOrNothing: allOrNothing)
            let bar = ProgressBar(title: "Importing \(profile.name)")
            let report = try await database.withStore { store in
                try await ERPImporter(hub: PaymentHub(store: store)).run(
                    request, context: operatorContext([.integration]),
                    progress: { bar.update($0.counts.records, of: $0.estimatedRecords) })
            }
            bar.finish()
            if json {
                print(try ImportReportText.json(report))
            } else {
                print(ImportReportText.text(report))
            }
            switch report.run.state {
            case .failed: throw ExitCode(65)
            case .rolledBack: throw ExitCode(1)
            default: break
            }
        }
    }

    struct Profiles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the mapping profiles.")
        @OptionGroup var profileOptions: ProfileOptions

        func run() async throws {
            for profile in try profileOptions.catalog().profiles.values.sorted(by: { $0.name < $1.name }) {
                print("\(profile.name.padding(toLength: 16, withPad: " ", startingAt: 0)) source \(profile.source)  \(profile.description ?? "")")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an import's report.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The import (imp_…).") var id: String
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            let report = try await database.withStore { store in
                try await ERPImporter(hub: PaymentHub(store: store)).importRun(id, context: operatorContext([.auditor]))
            }
            print(json ? try ImportReportText.json(report) : ImportReportText.text(report))
        }
    }

    struct Rejections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an import's rejected rows with their raw text.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The import (imp_…).") var id: String
        @Option(help: "open, resubmitted or discarded.") var state: String?

        func run() async throws {
            let state = try state.map { text in
                guard let value = QuarantinedRow.State(rawValue: text) else { throw ValidationError("--state: open, resubmitted or discarded") }
                return value
            }
            let rows = try await database.withStore { store in
                try await ERPImporter(hub: PaymentHub(store: store)).rejections(
                    of: id, state: state, PageRequest(limit: PageRequest.limitMax), context: operatorContext([.auditor])
                ).items
            }
            for row in rows { print(ImportReportText.text(row)) }
        }
    }

    struct Resubmit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resubmit a corrected rejected row.",
            discussion: """
                The correction is JSON in canonical fields, e.g. {"external_id": "5100000123", \
                "invoice_number": "RE-4711", "invoice_date": "2026-11-03", "due_date": "2026-12-03", \
                "amount": "1250.00", "currency": "EUR", "vendor": {"external_id": "100234", "name": "Muster GmbH", \
                "country": "DE", "bank_account": {"iban": "DE89370400440532013000", "currency": "EUR"}}}
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The rejected row (rej_…).") var id: String
        @Option(help: "A JSON file with the corrected row; - for standard input.") var json: String

        func run() async throws {
            let data = json == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: json)
            guard let data else { throw ValidationError("\(json): cannot be read") }
            let correction: ImportCorrection
            do {
                correction = try JSONDecoder().decode(ImportCorrection.self, from: data)
            } catch {
                throw ValidationError("\(json): not a correction: \(error)")
            }
            let (row, result) = try await database.withStore { store in
                try await ERPImporter(hub: PaymentHub(store: store)).resubmit(
                    id, correction, context: operatorContext([.integration]))
            }
            print("\(row.id) resubmitted: payable \(result.id ?? "?") \(result.status.rawValue).")
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a rejected row, saying why.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The rejected row (rej_…).") var id: String
        @Option(help: "Why it is not imported (goes to the audit trail).") var reason: String

        func run() async throws {
            let row = try await database.withStore { store in
                try await ERPImporter(hub: PaymentHub(store: store)).discard(
                    id, reason: reason, context: operatorContext([.integration]))
            }
            print("\(row.id) discarded.")
        }
    }
}

/// Reports as people and scripts read them.
enum ImportReportText {
    static func text(_ report: ImportReport) -> String {
        let run = report.run
        var lines = [
            "Import \(run.id) of \(run.fileName) with profile \(run.profile) (source \(run.source)): \(run.state.rawValue)",
            "  records \(run.counts.records)  accepted \(run.counts.accepted)  updated \(run.counts.updated)  "
                + "duplicates \(run.counts.duplicates)  rejected \(run.counts.rejected)",
        ]
        if let failure = run.failure { lines.append("  file refused: \(failure)") }
        for row in report.rejections { lines.append(text(row)) }
        if run.counts.rejected > report.rejections.count {
            lines.append("  … \(run.counts.rejected - report.rejections.count) more: payhub import rejections \(run.id)")
        }
        return lines.joined(separator: "\n")
    }

    static func text(_ row: QuarantinedRow) -> String {
        let reasons = row.errors.map { "\($0.path): \($0.code) (\($0.message))" }.joined(separator: "; ")
        return "  \(row.id) \(row.location) [\(row.state.rawValue)] \(reasons)"
    }

    static func json(_ report: ImportReport) throws -> String {
        let run = report.run
        let object: [String: Any] = [
            "id": run.id.rawValue, "state": run.state.rawValue, "profile": run.profile, "source": run.source,
            "file_name": run.fileName, "file_sha256": run.fileSHA256, "failure": run.failure ?? NSNull(),
            "counts": [
                "records": run.counts.records, "accepted": run.counts.accepted, "updated": run.counts.updated,
                "duplicates": run.counts.duplicates, "rejected": run.counts.rejected,
            ],
            "rejections": report.rejections.map { row in
                [
                    "id": row.id.rawValue, "line": row.line, "location": row.location, "raw": row.raw,
                    "errors": row.errors.map { ["path": $0.path, "code": $0.code, "message": $0.message] },
                ] as [String: Any]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }
}

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Manage webhook subscriptions and their deliveries.",
        subcommands: [Create.self, List.self, Deliveries.self, Replay.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Subscribe a URL; prints the signing secret once.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The receiver's http(s) URL.") var url: String
        @Option(help: "An event type or prefix (payment.*). Repeat for several; omit for all.") var type: [String] = []
        @Option(help: "What the subscription is for.") var description: String?

        func run() async throws {
            let webhook = try await database.withStore { store in
                try await WebhookAdministration(hub: PaymentHub(store: store)).create(
                    NewWebhook(url: url, eventTypes: type, description: description),
                    context: operatorContext([.integration]))
            }
            FileHandle.standardError.write(Data("Webhook \(webhook.id) created. Its signing secret is shown once:\n".utf8))
            print(webhook.secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let webhooks = try await database.withStore { store in
                try await WebhookAdministration(hub: PaymentHub(store: store)).list(
                    PageRequest(limit: PageRequest.limitMax), context: operatorContext([.integration])
                ).items
            }
            for webhook in webhooks {
                let types = webhook.filter.types.isEmpty ? "*" : webhook.filter.types.joined(separator: ",")
                print("\(webhook.id) \(webhook.active ? "active" : "paused") \(webhook.url.absoluteString) \(types)")
            }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A subscription's delivery log.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The subscription (whk_…).") var id: String
        @Option(help: "pending, delivered or dead.") var state: String?

        func run() async throws {
            let state = try state.map { text in
                guard let value = WebhookDelivery.State(rawValue: text) else { throw ValidationError("--state: pending, delivered or dead") }
                return value
            }
            let deliveries = try await database.withStore { store in
                try await WebhookAdministration(hub: PaymentHub(store: store)).deliveries(
                    of: id, state: state, PageRequest(limit: PageRequest.limitMax), context: operatorContext([.integration])
                ).items
            }
            for delivery in deliveries {
                let last = delivery.lastStatus.map { "HTTP \($0)" } ?? delivery.lastError ?? "-"
                print("\(delivery.id) event \(delivery.eventCursor) \(delivery.state.rawValue) attempts \(delivery.attempts) last \(last)")
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a delivery (dead or not) again now.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The delivery (dlv_…).") var id: String

        func run() async throws {
            let delivery = try await database.withStore { store in
                try await WebhookAdministration(hub: PaymentHub(store: store)).replay(id, context: operatorContext([.integration]))
            }
            print("\(delivery.id) is pending again; the running server sends it within seconds.")
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Print the event feed as JSON lines, as GET /api/v1/events gives it.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Continue after this cursor.") var after: Int64 = 0
    @Option(help: "Types or prefixes, comma-separated: payment.*,payable.created.") var types: String = ""
    @Option(help: "At most this many events.") var limit = 1000

    func run() async throws {
        let filter: EventFilter
        do { filter = try EventFilter(parsing: types) } catch { throw ValidationError(error.message) }
        let events = try await database.withStore { [after, limit] store in
            try await PaymentHub(store: store).events(
                after: after, limit: limit, filter: filter, context: operatorContext([.auditor]))
        }
        for event in events { print(event.json) }
    }
}

struct BankAccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank-account", abstract: "Dual control on vendors' bank details.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm pending bank details (after calling the vendor back); not by whoever entered them.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The account (bac_…).") var id: String

        func run() async throws {
            let account = try await database.withStore { store in
                try await PaymentHub(store: store).verifyBankAccount(id, context: operatorContext([.treasurer]))
            }
            print("\(account.id) (\(account.accountNumber.masked)) is \(account.verification.state.rawValue).")
        }
    }
}
