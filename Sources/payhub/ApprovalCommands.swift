import ArgumentParser
import Foundation
import PayHubDomain
import PayHubServices
import PayHubWeb
import PayHubStorage

// Approvals at the console: the policy (show, set, versions, simulate, test), FX rates, the approval
// queue, the payment verbs, approver groups and delegations. Every command goes through the same
// services as the API, so the console can do nothing the engine would refuse there.
//
// Two kinds of caller. Reading and administering (policies, rates, groups) is done by the console
// operator (`cli:<login>` in the audit trail), like the other commands. Acting on a payment (submit,
// approve, reject, hold, release) is done as a named user, `--as USERNAME`, with that user's roles,
// groups and entities: an approval by "the console" would let one person sign twice under two names,
// and segregation of duties compares people.

extension PaymentState: ExpressibleByArgument {}

// MARK: - Shared pieces

/// `--as USERNAME`: the user the command acts as, looked up in the database.
struct ActingUser: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "The user you act as (their username): required.",
            discussion: """
                Approvals are given by named people, never by the console: segregation of duties compares \
                people, so an approval by no one in particular would defeat it. The command acts with that \
                user's roles, approver groups and entities, and the audit trail records them (and your login \
                as the origin). Whoever created a payment cannot approve, reject or release it.
                """, valueName: "username"))
    var username: String

    func context(in store: any PayHubStore) async throws -> CallContext {
        try await userContext(username, in: store)
    }
}

/// A user's call context, by username; the origin names the console login that acted as them.
func userContext(_ username: String, in store: any PayHubStore) async throws -> CallContext {
    guard let stored = try await store.user(username: username.lowercased()) else {
        throw CommandFailure("--as \(username): no user with that name (add one with payhub user add)")
    }
    return CallContext(principal: stored.user.principal, origin: "cli:\(consoleLogin)")
}

/// The operating-system login at the console, as the audit trail's origin names it.
var consoleLogin: String { ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName }

/// A refusal the command explains itself; printed to standard error, then the process exits with `status`.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    var status: Int32 = 1

    init(_ description: String, status: Int32 = 1) {
        self.description = description
        self.status = status
    }
}

/// Exit statuses, as `payhub import payables` uses them.
enum ExitStatus {
    /// A refusal, a failed policy test, something not found.
    static let refused: Int32 = 1
    /// A file that was read but is not valid (a policy, a test file, a rate file).
    static let invalidData: Int32 = 65
    /// A file that cannot be opened.
    static let cannotOpen: Int32 = 66
}

/// Runs `body` and turns what the services throw into messages a person at the console can act on,
/// each naming the field, line or rule, and a non-zero exit.
///
/// `invalidStatus` is the exit status for input that did not validate: 65 when it came from a file.
func explainingFailures<T>(invalidStatus: Int32 = ExitStatus.refused, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as CommandFailure {
        printError(failure.description)
        throw ExitCode(failure.status)
    } catch let failure as ValidationFailure {
        printError(invalidText(failure))
        throw ExitCode(invalidStatus)
    } catch let refusal as ApprovalChainError {
        printError("refused: \(refusal.description) [\(refusal.code.rawValue)]")
        throw ExitCode(ExitStatus.refused)
    } catch let denied as AccessDenied {
        printError("refused: \(denied.description)")
        throw ExitCode(ExitStatus.refused)
    } catch let storage as StorageError {
        printError(storage.description)
        throw ExitCode(ExitStatus.refused)
    }
}

/// Every problem, one per line, with its path and code.
func invalidText(_ failure: ValidationFailure, heading: String? = nil) -> String {
    let count = failure.errors.count
    var lines = [heading ?? "invalid (\(count) \(count == 1 ? "problem" : "problems")):"]
    for error in failure.errors {
        // A rate file's messages already start with their line and column.
        let place = error.path.isEmpty || error.message.hasPrefix(error.path) ? "" : error.path + ": "
        lines.append("  \(place)\(error.message) [\(error.code)]")
    }
    return lines.joined(separator: "\n")
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A document given on the command line, as text. Exit 66 when it cannot be read.
func readDocument(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure("\(path): cannot be read", status: ExitStatus.cannotOpen)
    }
    guard let text = String(validating: data, as: UTF8.self) else {
        throw CommandFailure("\(path): not UTF-8 text", status: ExitStatus.invalidData)
    }
    return text
}

/// YAML or JSON by the file's extension; by its first character otherwise.
func policyFormat(of path: String, text: String) -> ApprovalService.DocumentFormat {
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "yaml", "yml": .yaml
    case "json": .json
    default: .detect(text)
    }
}

/// Columns padded to their widest cell, two spaces apart.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], cell.count)
        }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

/// An `Encodable` value as JSON objects, to embed in a larger answer.
func jsonObject(_ value: some Encodable) throws -> Any {
    try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value), options: [.fragmentsAllowed])
}

/// `usr_… (anna.schmidt)` for a user, the actor id as it is otherwise (`cli:root`, `key_…`, `system`).
func actorName(_ actorID: String, in store: any PayHubStore) async throws -> String {
    guard let id = try? ID<User>(actorID), let user = try await store.user(id) else { return actorID }
    return "\(actorID) (\(user.username))"
}

/// How long ago, roughly: `40 min`, `5 h`, `3 d`.
func age(since date: Date, now: Date = Date()) -> String {
    let minutes = max(0, Int(now.timeIntervalSince(date) / 60))
    if minutes < 120 { return "\(minutes) min" }
    if minutes < 48 * 60 { return "\(minutes / 60) h" }
    return "\(minutes / (24 * 60)) d"
}

/// One rule's conditions in words: `entity ent_…; amount above 100000.00; vendor country in DE, AT`.
func conditionsText(_ conditions: PolicyConditions) -> String {
    var parts: [String] = []
    if let ids = conditions.entityIDs { parts.append("entity in " + ids.map(\.rawValue).joined(separator: ", ")) }
    if let value = conditions.amountAtLeast { parts.append("amount at least \(value)") }
    if let value = conditions.amountAbove { parts.append("amount above \(value)") }
    if let value = conditions.amountAtMost { parts.append("amount at most \(value)") }
    if let value = conditions.amountBelow { parts.append("amount below \(value)") }
    if let list = conditions.currencies { parts.append("currency in " + list.map(\.code).joined(separator: ", ")) }
    if let list = conditions.methods { parts.append("method in " + list.map(\.rawValue).joined(separator: ", ")) }
    if let isNew = conditions.vendorIsNew {
        // New: never paid, or created within the window when there is one.
        let text =
            switch (isNew, conditions.newVendorWithinDays) {
            case (true, nil): "vendor is new (never paid)"
            case (true, let days?): "vendor is new (never paid, or created within \(days) days)"
            case (false, nil): "vendor is established (paid before)"
            case (false, let days?): "vendor is established (paid before, created more than \(days) days ago)"
            }
        parts.append(text)
    }
    if let list = conditions.vendorRiskIn {
        parts.append("vendor risk in " + list.map(\.rawValue).joined(separator: ", "))
    }
    if let list = conditions.vendorCountryIn { parts.append("vendor country in " + list.joined(separator: ", ")) }
    if let list = conditions.vendorCountryNotIn {
        parts.append("vendor country not in " + list.joined(separator: ", "))
    }
    if let days = conditions.bankAccountChangedWithinDays { parts.append("bank details changed within \(days) days") }
    if let first = conditions.firstPaymentToChangedAccount {
        parts.append(first ? "first payment to changed bank details" : "not the first payment to changed bank details")
    }
    return parts.isEmpty ? "every payment" : parts.joined(separator: "; ")
}

/// The steps of a chain, one line each: `step 1 Budget owner: 1 from role approver (escalate after 24 h)`.
func chainLines(_ chain: ApprovalChainSpec, indent: String) -> [String] {
    var lines = chain.steps.enumerated().map { index, step in
        "\(indent)step \(index + 1)\(step.name.map { " \($0)" } ?? ""): \(step)"
    }
    if let release = chain.release {
        lines.append("\(indent)release\(release.name.map { " \($0)" } ?? ""): \(release)")
    }
    return lines
}

extension Payment {
    /// The payment as the API writes it, for `--json`.
    var jsonRepresentation: [String: Any] {
        [
            "id": id.rawValue, "state": state.rawValue, "entity_id": entityID.rawValue, "vendor_id": vendorID.rawValue,
            "payable_ids": payableIDs.map(\.rawValue), "amount": amount.decimalString, "currency": amount.currency.code,
            "debtor_account_id": debtorAccountID.rawValue, "creditor_account_id": creditorAccountID.rawValue,
            "end_to_end_id": endToEndID, "requested_execution_date": requestedExecutionDate?.iso8601 ?? NSNull(),
            "created_at": Timestamp.iso8601(createdAt),
        ]
    }
}

// MARK: - payhub policy

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "The approval policy: show it, store a new version, simulate it on a payment, test it.",
        discussion: "See docs/approvals.md for the document format.",
        subcommands: [Show.self, Store.self, Versions.self, Simulate.self, Test.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the policy in force (or a stored version): version, who stored it and when, its rules.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "A stored version instead of the one in force.") var version: Int64?
        @Flag(help: "Print the version, its author and the document as JSON.") var json = false

        func run() async throws {
            try await explainingFailures {
                let shown = try await database.withStore { [version] store in
                    let approvals = ApprovalService(hub: PaymentHub(store: store))
                    let context = operatorContext([.auditor])
                    let (stored, policy) = try await approvals.policy(version: version, context: context)
                    let inForce = try await approvals.policyVersions(context: context).map(\.version).max()
                    var author: String?
                    if let stored { author = try await actorName(stored.createdBy, in: store) }
                    return (stored, policy, inForce, author)
                }
                let (stored, policy, inForce, author) = shown
                if json {
                    var object: [String: Any] = [
                        "kind": PolicyKind.approval.rawValue, "version": stored?.version ?? 0,
                        "in_force": stored?.version == inForce, "document": try jsonObject(policy),
                    ]
                    if let stored {
                        object["created_by"] = stored.createdBy
                        object["created_at"] = Timestamp.iso8601(stored.createdAt)
                        object["source_format"] = stored.sourceFormat
                        object["source"] = stored.sourceText
                    }
                    try printJSON(object)
                } else {
                    print(Self.text(stored, policy, inForce: inForce, author: author))
                }
            }
        }

        static func text(_ stored: PolicyDocumentVersion?, _ policy: ApprovalPolicy, inForce: Int64?, author: String?)
            -> String
        {
            var lines: [String] = []
            if let stored {
                let status =
                    stored.version == inForce
                    ? "in force" : "not in force; version \(inForce.map(String.init) ?? "?") is"
                lines.append("Approval policy \(policy.id), version \(stored.version) (\(status))")
                if let name = policy.name { lines.append("  \(name)") }
                lines.append(
                    "  stored \(Timestamp.iso8601(stored.createdAt)) by \(author ?? stored.createdBy), written in \(stored.sourceFormat)"
                )
            } else {
                lines.append(
                    "No approval policy stored yet: the built-in one is in force (payhub policy set FILE stores one).")
            }
            if let summary = policy.summary { lines.append("  \(summary)") }
            lines.append(
                "  \(policy.rules.count) \(policy.rules.count == 1 ? "rule" : "rules"), read in order; the first that matches decides:"
            )
            for (index, rule) in policy.rules.enumerated() {
                lines.append("    rules[\(index)] \(rule.id)")
                lines.append("      when  \(conditionsText(rule.conditions))")
                lines.append("      then  \(rule.outcome)")
            }
            lines.append("  when no rule matches (default): \(policy.defaultOutcome)")
            return lines.joined(separator: "\n")
        }
    }

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Store a policy document (YAML or JSON) as the next version; it is in force at once.",
            discussion: """
                The format follows the extension (.yaml, .yml, .json), or the first character. A document that \
                does not validate is refused with every problem and its path (rules[2].when.amount_above), \
                and nothing is stored. Payments already waiting keep the decision they were judged by; a \
                payment released from a hold is judged by the version in force then. Test a new version \
                first with payhub policy test TESTS --policy FILE. Exit status: 0 stored, 65 not valid, \
                66 the file cannot be read, 1 refused.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The policy document.") var file: String
        @Option(
            name: .customLong("as"),
            help: ArgumentHelp(
                "Store it as this user (who must hold policies.write); the console operator otherwise.",
                valueName: "username"))
        var username: String?

        func run() async throws {
            try await explainingFailures(invalidStatus: ExitStatus.invalidData) {
                let text = try readDocument(file)
                let format = policyFormat(of: file, text: text)
                let (saved, policy) = try await database.withStore { [username] store in
                    let context =
                        if let username { try await userContext(username, in: store) } else {
                            operatorContext([.admin])
                        }
                    do {
                        return try await ApprovalService(hub: PaymentHub(store: store)).savePolicy(
                            text, format: format, context: context)
                    } catch let failure as ValidationFailure {
                        let count = failure.errors.count
                        throw CommandFailure(
                            invalidText(
                                failure,
                                heading:
                                    "\(file): not a valid approval policy (\(count) \(count == 1 ? "problem" : "problems")); nothing stored:"
                            ),
                            status: ExitStatus.invalidData)
                    }
                }
                print(
                    "Approval policy \(policy.id) stored as version \(saved.version) (\(policy.rules.count) rules, \(format.rawValue)); it is in force now."
                )
            }
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every stored version of the approval policy.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await explainingFailures {
                let rows = try await database.withStore { store in
                    var rows: [(PolicyDocumentVersion, ApprovalPolicy, String)] = []
                    let approvals = ApprovalService(hub: PaymentHub(store: store))
                    for stored in try await approvals.policyVersions(context: operatorContext([.auditor])) {
                        let policy = try ApprovalPolicy.read(json: Data(stored.documentJSON.utf8))
                        rows.append((stored, policy, try await actorName(stored.createdBy, in: store)))
                    }
                    return rows.sorted { $0.0.version > $1.0.version }
                }
                let inForce = rows.first?.0.version
                if json {
                    try printJSON(
                        rows.map { stored, policy, _ in
                            [
                                "version": stored.version, "in_force": stored.version == inForce,
                                "policy_id": policy.id,
                                "rules": policy.rules.count, "created_by": stored.createdBy,
                                "created_at": Timestamp.iso8601(stored.createdAt), "source_format": stored.sourceFormat,
                            ] as [String: Any]
                        })
                    return
                }
                guard !rows.isEmpty else {
                    print(
                        "No approval policy stored yet: the built-in one (one approver for every payment) is in force.")
                    return
                }
                print(
                    table(
                        ["VERSION", "STORED AT", "BY", "FORMAT", "POLICY", "RULES"],
                        rows.map { stored, policy, author in
                            [
                                "\(stored.version)\(stored.version == inForce ? " (in force)" : "")",
                                Timestamp.iso8601(stored.createdAt), author, stored.sourceFormat, policy.id,
                                String(policy.rules.count),
                            ]
                        }))
            }
        }
    }

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say which rule and approval chain a payment would get, and why; nothing is changed.",
            discussion: """
                Prints the decision, the conditions of the deciding rule that held, and for every earlier rule \
                the conditions that kept it from matching. The amount is judged in the entity's base currency \
                at the latest stored FX rate (payhub fx import).
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The payment (pay_…).") var paymentID: String
        @Option(help: "Judge with a stored version instead of the one in force.") var version: Int64?
        @Flag(help: "Print the decision as JSON.") var json = false

        func run() async throws {
            try await explainingFailures {
                let (payment, decision) = try await database.withStore { [paymentID, version] store in
                    let hub = PaymentHub(store: store)
                    let context = operatorContext([.auditor])
                    let payment = try await hub.payment(paymentID, context: context)
                    let decision = try await ApprovalService(hub: hub).simulate(
                        paymentID: paymentID, version: version, context: context)
                    return (payment, decision)
                }
                if json {
                    try printJSON(
                        [
                            "payment_id": payment.id.rawValue, "policy_id": decision.policyID,
                            "policy_version": decision.policyVersion ?? 0, "rule": decision.ruleID,
                            "outcome": decision.outcome.kind.rawValue, "explanation": decision.explanation,
                            "decision": try jsonObject(decision),
                        ] as [String: Any])
                } else {
                    print(Self.text(payment, decision))
                }
            }
        }

        static func text(_ payment: Payment, _ decision: PolicyDecision) -> String {
            let version = decision.policyVersion.map { "version \($0)" } ?? "built in"
            var lines = [
                "Payment \(payment.id) (\(payment.amount), entity \(payment.entityID), \(payment.state.rawValue))",
                "Policy \(decision.policyID) (\(version)) would decide: \(decision.outcome.kind.rawValue)",
                "  rule:  " + (decision.rule.map { "rules[\($0.index)] '\($0.id)'" } ?? "none matched: the default"),
            ]
            switch decision.outcome {
            case .chain(let chain): lines += chainLines(chain, indent: "    ")
            case .hold(let reason), .block(let reason): lines.append("  reason: \(reason)")
            case .autoApprove: lines.append("  approved without a signature")
            }
            lines.append("  why:   " + decision.explanation)
            if !decision.reasons.isEmpty {
                lines.append("  conditions that held:")
                lines += decision.reasons.map { "    - \($0.explanation)" }
            }
            if !decision.misses.isEmpty {
                lines.append("  earlier rules that did not match:")
                for miss in decision.misses {
                    lines.append(
                        "    - rules[\(miss.rule.index)] '\(miss.rule.id)': "
                            + miss.failed.map(\.explanation).joined(separator: "; "))
                }
            }
            lines.append("(a simulation: nothing was changed)")
            return lines.joined(separator: "\n")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a file of example payments with expected outcomes against a policy; exit 1 if any fails.",
            discussion: """
                The file (JSON or YAML) lists cases, each with payment facts and the expected outcome, rule and \
                steps: see samples/policies/group-payments.tests.json. It runs against the policy in force, a \
                stored --version, or a --policy file not stored yet, so a change can be tested (in CI, too) \
                before it goes live. Prints PASS or FAIL per case, and under each failure what differed and why. \
                Exit status: 0 all passed, 1 a case failed (or the version does not exist), 65 a file is not \
                valid, 66 a file cannot be read.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The test file.") var file: String
        @Option(name: .customLong("policy"), help: "A candidate policy document to test instead, not stored.")
        var candidate: String?
        @Option(help: "A stored version to test instead of the one in force.") var version: Int64?
        @Flag(help: "Print the report as JSON.") var json = false

        func validate() throws {
            if candidate != nil && version != nil { throw ValidationError("give --policy or --version, not both") }
        }

        func run() async throws {
            try await explainingFailures(invalidStatus: ExitStatus.invalidData) {
                let tests = try readDocument(file)
                var candidateDocument: (text: String, format: ApprovalService.DocumentFormat)?
                if let candidate {
                    let text = try readDocument(candidate)
                    let format = policyFormat(of: candidate, text: text)
                    // Read here first, so that its problems are told apart from the test file's.
                    do {
                        _ = try ApprovalService.readPolicy(text, format: format)
                    } catch let failure as ValidationFailure {
                        throw CommandFailure(
                            invalidText(failure, heading: "\(candidate): not a valid approval policy:"),
                            status: ExitStatus.invalidData)
                    }
                    candidateDocument = (text, format)
                }
                let report = try await database.withStore { [version, file, candidateDocument] store in
                    do {
                        return try await ApprovalService(hub: PaymentHub(store: store)).runPolicyTests(
                            tests, candidate: candidateDocument, version: version, context: operatorContext([.auditor]))
                    } catch let failure as ValidationFailure {
                        throw CommandFailure(
                            invalidText(failure, heading: "\(file): not a valid policy test file:"),
                            status: ExitStatus.invalidData)
                    }
                }
                if json {
                    try printJSON(Self.json(report))
                } else {
                    let against =
                        if let candidate { "candidate \(candidate) (not stored)" } else if let version {
                            "stored version \(version)"
                        } else {
                            report.policyVersion.map { "the policy in force, version \($0)" } ?? "the built-in policy"
                        }
                    print("Testing \(file) (\(report.results.count) cases) against \(against)")
                    print(report.description)
                }
                if !report.allPassed { throw ExitCode(ExitStatus.refused) }
            }
        }

        static func json(_ report: PolicyTestReport) -> [String: Any] {
            [
                "policy_id": report.policyID, "policy_version": report.policyVersion ?? NSNull(),
                "passed": report.passedCount, "failed": report.failedCount, "notes": report.notes,
                "cases": report.results.map {
                    [
                        "index": $0.index, "name": $0.name, "passed": $0.passed, "rule": $0.decision.ruleID,
                        "outcome": $0.decision.outcome.kind.rawValue, "differences": $0.differences,
                        "explanation": $0.decision.explanation,
                    ] as [String: Any]
                },
            ]
        }
    }
}

// MARK: - payhub fx

struct FXCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fx", abstract: "Daily FX rates, which approval thresholds are compared in.",
        subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import daily rates from a CSV file with the columns date,base,quote,rate.",
            discussion: """
                One line per day and pair, e.g. 2026-03-02,EUR,USD,1.0842 (one EUR buys 1.0842 USD); further \
                columns are ignored. Rates are read exactly, never through floating point. A payment is judged \
                at the latest rate on or before the day; the inverse pair is used when that is fresher. Every \
                problem is reported with its line and column, and nothing is stored when there is one. \
                Exit status: 0 imported, 65 the file is not valid, 66 it cannot be read.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "Where the rates come from, e.g. ECB (kept with each rate).") var source = "cli"

        func run() async throws {
            try await explainingFailures(invalidStatus: ExitStatus.invalidData) {
                let csv = try readDocument(file)
                let count = try await database.withStore { [source] store in
                    do {
                        return try await ApprovalService(hub: PaymentHub(store: store)).importRates(
                            csv: csv, source: source, context: operatorContext([.treasurer]))
                    } catch let failure as ValidationFailure {
                        throw CommandFailure(
                            invalidText(failure, heading: "\(file): not a valid rate file; nothing imported:"),
                            status: ExitStatus.invalidData)
                    }
                }
                print("Imported \(count) \(count == 1 ? "rate" : "rates") from \(file) (source \(source)).")
            }
        }
    }
}

// MARK: - payhub approvals

struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "The approval queue: payments waiting for approval, longest wait first, and what each waits for.")
    @OptionGroup var database: DatabaseOptions
    @Option(
        name: .customLong("as"),
        help: ArgumentHelp("Show the queue of this user's entities; every entity otherwise.", valueName: "username"))
    var username: String?
    @Option(help: "At most this many payments.") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...PageRequest.limitMax).contains(limit) else {
            throw ValidationError("--limit must be from 1 to \(PageRequest.limitMax)")
        }
    }

    func run() async throws {
        try await explainingFailures {
            let items = try await database.withStore { [username, limit] store in
                let context =
                    if let username { try await userContext(username, in: store) } else { operatorContext([.auditor]) }
                return try await ApprovalService(hub: PaymentHub(store: store)).queue(limit: limit, context: context)
            }
            if json {
                try printJSON(
                    items.map {
                        [
                            "payment": $0.payment.jsonRepresentation, "rule": $0.round.ruleID ?? NSNull(),
                            "policy_version": $0.round.policyVersion, "waiting_for": $0.waitingFor,
                            "waiting_since": $0.round.waitingSince.map(Timestamp.iso8601) ?? NSNull(),
                            "approvals_given": $0.approvalsGiven, "approvals_needed": $0.approvalsNeeded,
                            "release": $0.isRelease, "requires_totp": $0.requiresTOTP,
                        ] as [String: Any]
                    })
                return
            }
            guard !items.isEmpty else {
                print("No payment is waiting for approval.")
                return
            }
            print(
                table(
                    ["PAYMENT", "AMOUNT", "ENTITY", "RULE", "WAITING FOR", "SINCE"],
                    items.map { item in
                        let since =
                            item.round.waitingSince.map { "\(Timestamp.iso8601($0)) (\(age(since: $0)))" } ?? "-"
                        return [
                            item.payment.id.rawValue, item.payment.amount.description, item.payment.entityID.rawValue,
                            item.round.ruleID ?? "-", item.waitingFor, since,
                        ]
                    }))
        }
    }
}

// MARK: - payhub payment

struct PaymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment",
        abstract: "Create, list and show payments; submit, approve, reject, hold and release them as a named user.",
        discussion: """
            The verbs that change a payment need --as USERNAME: they act as that user, with that user's roles, \
            approver groups and entities, and go through the approval workflow (controls, the policy, \
            segregation of duties) exactly as the API does. Whoever created a payment cannot approve, reject \
            or release it, nobody approves twice in one chain, and the releaser approved nothing before.
            """,
        subcommands: [
            Create.self, List.self, Show.self, Submit.self, Approve.self, Reject.self, Hold.self, Release.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a draft payment of open payables of one vendor, as a clerk (--as).",
            discussion: """
                Without --debtor-account, the entity's one account in the payables' currency pays; without \
                --creditor-account, the vendor's one active account in that currency (or its only active \
                account) is paid. Submit the draft with payhub payment submit.
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var acting: ActingUser
        @Argument(help: "The payables (pyb_…), all of one vendor.") var payableIDs: [String]
        @Option(help: "The entity's account to pay from (bac_…).") var debtorAccount: String?
        @Option(help: "The vendor's account to pay (bac_…).") var creditorAccount: String?
        @Option(help: "The day the bank should execute it (YYYY-MM-DD).") var executionDate: String?

        func run() async throws {
            try await explainingFailures {
                let payment = try await database.withStore {
                    [payableIDs, debtorAccount, creditorAccount, executionDate] store in
                    let hub = PaymentHub(store: store)
                    let context = try await acting.context(in: store)
                    guard let firstID = payableIDs.first else { throw CommandFailure("name at least one payable") }
                    let first = try await hub.payable(firstID, context: context)
                    var debtor = debtorAccount
                    if debtor == nil {
                        debtor = try await Self.onlyAccount(
                            of: BankAccountFilter(entityID: first.entityID, entityAccountsOnly: true),
                            currency: first.amount.currency, option: "--debtor-account", hub: hub, context: context)
                    }
                    var creditor = creditorAccount
                    if creditor == nil {
                        creditor = try await Self.onlyAccount(
                            of: BankAccountFilter(vendorID: first.vendorID), currency: first.amount.currency,
                            option: "--creditor-account", hub: hub, context: context)
                    }
                    return try await hub.createPayment(
                        NewPayment(
                            payableIDs: payableIDs, debtorAccountID: debtor ?? "", creditorAccountID: creditor ?? "",
                            requestedExecutionDate: executionDate), context: context)
                }
                print(
                    "Payment \(payment.id) created by \(acting.username): \(payment.amount), \(payment.state.rawValue)."
                )
                print("Next: payhub payment submit \(payment.id) --as \(acting.username)")
            }
        }

        /// The one active account that fits: in `currency` if there is one such, else the only active one.
        static func onlyAccount(
            of filter: BankAccountFilter, currency: Currency, option: String, hub: PaymentHub, context: CallContext
        ) async throws -> String {
            let active = try await hub.bankAccounts(filter, PageRequest(limit: PageRequest.limitMax), context: context)
                .items.filter(\.isUsable)
            let inCurrency = active.filter { $0.currency == currency }
            let candidates = inCurrency.isEmpty ? active : inCurrency
            guard candidates.count == 1, let account = candidates.first else {
                let listed = candidates.map { "\($0.id) (\($0.accountNumber.masked), \($0.currency.code))" }
                throw CommandFailure(
                    candidates.isEmpty
                        ? "no active account to use; give \(option)"
                        : "several accounts fit; give \(option): " + listed.joined(separator: ", "))
            }
            return account.id.rawValue
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List payments, newest last.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only payments in this state (draft, pending_approval, approved, on_hold, …).")
        var state: PaymentState?
        @Option(help: "Only payments of this entity (ent_…).") var entity: String?
        @Option(
            name: .customLong("as"),
            help: ArgumentHelp("List what this user may see; every entity otherwise.", valueName: "username"))
        var username: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await explainingFailures {
                let entityID = try entity.map { text in
                    do { return try ID<LegalEntity>(text) } catch {
                        throw ValidationError("--entity \(text): \(error)")
                    }
                }
                let payments = try await database.withStore { [state, username] store in
                    let context =
                        if let username { try await userContext(username, in: store) } else {
                            operatorContext([.auditor])
                        }
                    return try await PaymentHub(store: store).payments(
                        PaymentFilter(entityID: entityID, state: state), PageRequest(limit: PageRequest.limitMax),
                        context: context
                    ).items
                }
                if json {
                    try printJSON(payments.map(\.jsonRepresentation))
                } else if payments.isEmpty {
                    print("No payment.")
                } else {
                    print(
                        table(
                            ["PAYMENT", "STATE", "AMOUNT", "ENTITY", "VENDOR", "CREATED"],
                            payments.map {
                                [
                                    $0.id.rawValue, $0.state.rawValue, $0.amount.description, $0.entityID.rawValue,
                                    $0.vendorID.rawValue, Timestamp.iso8601($0.createdAt),
                                ]
                            }))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show a payment with its approval: the rule that judged it, the chain, who acted, what the controls found."
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The payment (pay_…).") var paymentID: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await explainingFailures {
                let (payment, review, names) = try await database.withStore { [paymentID] store in
                    let hub = PaymentHub(store: store)
                    let context = operatorContext([.auditor])
                    let payment = try await hub.payment(paymentID, context: context)
                    let review = try await ApprovalService(hub: hub).review(paymentID, context: context)
                    var names: [String: String] = [:]
                    for actor in review.actions.map(\.actorID) + review.findings.compactMap(\.resolvedBy) {
                        names[actor] = try await actorName(actor, in: store)
                    }
                    return (payment, review, names)
                }
                if json {
                    var object = payment.jsonRepresentation
                    if let round = review.round {
                        object["approval"] =
                            [
                                "round": round.round, "status": round.status.rawValue,
                                "policy_version": round.policyVersion,
                                "rule": round.ruleID ?? NSNull(), "outcome": round.outcome,
                                "current_stage": round.currentStage ?? NSNull(),
                                "decision": try JSONSerialization.jsonObject(with: Data(round.decisionJSON.utf8)),
                                "actions": try review.actions.map {
                                    [
                                        "position": $0.position, "actor_id": $0.actorID,
                                        "created_at": Timestamp.iso8601($0.createdAt),
                                        "action": try JSONSerialization.jsonObject(with: Data($0.actionJSON.utf8)),
                                    ] as [String: Any]
                                },
                            ] as [String: Any]
                    }
                    object["findings"] = review.findings.map {
                        [
                            "id": $0.id.rawValue, "kind": $0.kind.rawValue, "state": $0.state.rawValue,
                            "summary": $0.summary,
                            "resolved_by": $0.resolvedBy ?? NSNull(),
                            "resolution_reason": $0.resolutionReason ?? NSNull(),
                        ] as [String: Any]
                    }
                    try printJSON(object)
                    return
                }
                var lines = [
                    "Payment \(payment.id): \(payment.amount), \(payment.state.rawValue)",
                    "  entity \(payment.entityID), vendor \(payment.vendorID), created \(Timestamp.iso8601(payment.createdAt))",
                ]
                if let round = review.round {
                    lines.append(
                        "  approval round \(round.round) (\(round.status.rawValue)): rule '\(round.ruleID ?? "default")' of policy version \(round.policyVersion), \(round.outcome)"
                    )
                    if let stage = try stageText(round) { lines.append("  waiting for \(stage)") }
                    for action in review.actions {
                        let kind =
                            (try? JSONSerialization.jsonObject(with: Data(action.actionJSON.utf8)) as? [String: Any])?[
                                "kind"]
                            as? String ?? "action"
                        lines.append(
                            "    \(Timestamp.iso8601(action.createdAt))  \(kind) by \(names[action.actorID] ?? action.actorID)"
                        )
                    }
                } else {
                    lines.append("  not submitted for approval")
                }
                for finding in review.findings {
                    var line =
                        "  finding \(finding.id) \(finding.kind.rawValue) [\(finding.state.rawValue)]: \(finding.summary)"
                    if let by = finding.resolvedBy {
                        line += " — \(finding.state.rawValue) by \(names[by] ?? by): \(finding.resolutionReason ?? "")"
                    }
                    lines.append(line)
                }
                print(lines.joined(separator: "\n"))
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a draft payment: the controls run, then the policy decides (approval chain, hold, block)."
        )
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var acting: ActingUser
        @Argument(help: "The payment (pay_…).") var paymentID: String

        func run() async throws {
            try await PaymentVerb.run(.submit, paymentID, acting: acting, database: database) { approvals, context in
                try await approvals.submit(paymentID, context: context)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve the step a payment waits for (or release it, when that is the step).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var acting: ActingUser
        @Argument(help: "The payment (pay_…).") var paymentID: String
        @Option(
            help: ArgumentHelp(
                "Approve in place of this user (usr_… or username), by a delegation in force to you.", valueName: "user"
            ))
        var onBehalfOf: String?
        @Option(help: ArgumentHelp("Your current TOTP code, for a step that requires step-up.", valueName: "code"))
        var totp: String?

        func run() async throws {
            try await PaymentVerb.run(.approve, paymentID, acting: acting, database: database) { [totp] approvals, context in
                let delegator = try await PaymentVerb.userID(onBehalfOf, in: approvals.hub.store)
                return try await approvals.approve(paymentID, totpCode: totp, onBehalfOf: delegator, context: context)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a payment waiting for approval; the reason goes back to the ERP.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var acting: ActingUser
        @Argument(help: "The payment (pay_…).") var paymentID: String
        @Option(help: "Why (required).") var reason: String
        @Option(
            help: ArgumentHelp(
                "Reject in place of this user (usr_… or username), by a delegation in force to you.", valueName: "user")
        )
        var onBehalfOf: String?

        func run() async throws {
            try await PaymentVerb.run(.reject, paymentID, acting: acting, database: database) { approvals, context in
                let delegator = try await PaymentVerb.userID(onBehalfOf, in: approvals.hub.store)
                return try await approvals.reject(
                    paymentID, reason: try PaymentVerb.required(reason), onBehalfOf: delegator, context: context)
            }
        }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a payment (pending approval or approved) until someone releases it; its approvals lapse.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var acting: ActingUser
        @Argument(help: "The payment (pay_…).") var paymentID: String
        @Option(help: "Why (required).") var reason: String

        func run() async throws {
            try await PaymentVerb.run(.hold, paymentID, acting: acting, database: database) { approvals, context in
                try await approvals.hold(paymentID, reason: try PaymentVerb.required(reason), context: context)
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a held payment: its findings are closed and the policy in force judges it again.",
            discussion: "Not by whoever created the payment.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var acting: ActingUser
        @Argument(help: "The payment (pay_…).") var paymentID: String
        @Option(help: "Why it may go on (required).") var reason: String

        func run() async throws {
            try await PaymentVerb.run(.release, paymentID, acting: acting, database: database) { approvals, context in
                try await approvals.release(paymentID, reason: try PaymentVerb.required(reason), context: context)
            }
        }
    }
}

/// What the payment verbs share: acting as the user, explaining a refusal, and saying where the payment
/// stands afterwards (the rule that judged it, the step it waits for).
enum PaymentVerb {
    static func run(
        _ action: PaymentAction, _ paymentID: String, acting: ActingUser, database: DatabaseOptions,
        _ body: @Sendable @escaping (ApprovalService, CallContext) async throws -> Payment
    ) async throws {
        try await explainingFailures {
            let (payment, round) = try await database.withStore { store in
                let hub = PaymentHub(store: store)
                let approvals = ApprovalService(hub: hub, stepUp: StepUpService(hub: hub, passwords: HummingbirdOneTimePasswords()))
                let context = try await acting.context(in: store)
                let payment: Payment
                do {
                    payment = try await body(approvals, context)
                } catch let storage as StorageError where storage.code == .stateChanged {
                    throw CommandFailure(Self.wrongState(action, paymentID, storage.currentState))
                } catch let storage as StorageError where storage.code == .notFound {
                    throw CommandFailure("\(paymentID): no such payment in the entities \(acting.username) may see")
                } catch let denied as AccessDenied {
                    throw CommandFailure("refused: \(acting.username) may not \(action.rawValue) payments: \(denied)")
                } catch let refusal as ApprovalChainError {
                    throw CommandFailure(
                        "refused: \(acting.username) cannot \(action.rawValue) \(paymentID): \(refusal.description) [\(refusal.code.rawValue)]"
                    )
                }
                return (payment, try await approvals.review(paymentID, context: context).round)
            }
            print(try Self.outcome(action, payment, round, by: acting.username))
        }
    }

    /// `usr_…` as given, or the id of the user with that name.
    static func userID(_ text: String?, in store: any PayHubStore) async throws -> String? {
        guard let text else { return nil }
        if text.hasPrefix(User.idPrefix + "_") { return text }
        guard let stored = try await store.user(username: text.lowercased()) else {
            throw CommandFailure("--on-behalf-of \(text): no user with that name")
        }
        return stored.user.id.rawValue
    }

    static func required(_ reason: String) throws -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CommandFailure("--reason: say why") }
        return trimmed
    }

    static func wrongState(_ action: PaymentAction, _ paymentID: String, _ state: String?) -> String {
        let state = state ?? "in another state"
        let needed =
            switch action {
            case .submit: "a draft"
            case .approve, .reject: "a payment whose approval chain waits for approvals (pending_approval)"
            case .hold: "a payment pending approval or approved"
            case .release: "a payment on hold"
            case .cancel: "a payment that can still be cancelled"
            }
        return "refused: \(paymentID) is \(state); \(action.rawValue) needs \(needed)"
    }

    /// What happened and what comes next, in one or two lines.
    static func outcome(
        _ action: PaymentAction, _ payment: Payment, _ round: ApprovalRound?, by username: String
    ) throws -> String {
        let id = payment.id.rawValue
        let rule =
            round.map { "rule '\($0.ruleID ?? "default")' of policy version \($0.policyVersion)" } ?? "the policy"
        // Submitting and releasing both hand the payment to the policy; it says where the payment goes.
        let judged = "\(id) \(action == .submit ? "submitted" : "released") by \(username)"
        var lines: [String]
        switch (action, payment.state) {
        case (.submit, .pendingApproval), (.release, .pendingApproval):
            lines = ["\(judged): pending approval under \(rule)"]
        case (.submit, .approved), (.release, .approved):
            lines = ["\(judged): approved without a signature by \(rule)"]
        case (.submit, .onHold), (.release, .onHold):
            lines = ["\(judged): on hold (\(rule)); see payhub payment show \(id)"]
        case (.submit, .rejected), (.release, .rejected):
            lines = ["\(judged): blocked by \(rule)"]
        case (.approve, .approved):
            lines = ["\(id) approved by \(username): every step of its chain is done"]
        case (.approve, .pendingApproval):
            lines = ["\(id): approval by \(username) recorded"]
        case (.reject, .rejected):
            lines = ["\(id) rejected by \(username)"]
        case (.hold, .onHold):
            lines = ["\(id) put on hold by \(username); release it with payhub payment release \(id)"]
        default:
            lines = ["\(id) is \(payment.state.rawValue)"]
        }
        if payment.state == .pendingApproval, let round, let stage = try stageText(round) {
            lines.append("  now waiting for \(stage)")
        }
        return lines.joined(separator: "\n")
    }
}

/// The step a round waits for, from its stored decision: `step 2 of 2, Finance manager: 1 of 3 from group …`.
func stageText(_ round: ApprovalRound) throws -> String? {
    guard round.status == .awaiting, let index = round.currentStage else { return nil }
    let decision = try JSONDecoder().decode(PolicyDecision.self, from: Data(round.decisionJSON.utf8))
    guard case .chain(let chain) = decision.outcome else { return nil }
    let total = chain.steps.count + (chain.release == nil ? 0 : 1)
    let step: ApprovalStep
    let label: String
    if index < chain.steps.count {
        step = chain.steps[index]
        label = "step \(index + 1) of \(total)"
    } else if let release = chain.release {
        step = release
        label = "the release (step \(total) of \(total))"
    } else {
        return nil
    }
    return "\(label)\(step.name.map { ", \($0)" } ?? ""): \(step)"
}

// MARK: - payhub user groups, payhub delegation

extension UserCommand {
    struct Groups: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "groups",
            abstract: "Set a user's approver groups (policy steps name them: group: finance-managers).",
            discussion: """
                payhub user groups anna.schmidt finance-managers cfo-office replaces her groups with these two; \
                with no group it prints them; --clear removes them all. Group names have 1 to 64 lower-case \
                letters, digits and dashes.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user's username.") var username: String
        @Argument(help: "The groups.") var groups: [String] = []
        @Flag(help: "Remove every group.") var clear = false

        func validate() throws {
            if clear && !groups.isEmpty { throw ValidationError("give groups or --clear, not both") }
        }

        func run() async throws {
            try await explainingFailures {
                let (current, changed) = try await database.withStore { [username, groups, clear] store in
                    guard let user = try await store.user(username: username.lowercased())?.user else {
                        throw CommandFailure("\(username): no user with that name")
                    }
                    guard clear || !groups.isEmpty else { return (try await store.groups(of: user.id), false) }
                    return (
                        try await ApprovalService(hub: PaymentHub(store: store)).setGroups(
                            Swift.Set(groups), of: user.id.rawValue, context: operatorContext([.admin])), true
                    )
                }
                let listed = current.isEmpty ? "no group" : current.sorted().joined(separator: ", ")
                print(changed ? "\(username) is now in \(listed)." : "\(username) is in \(listed).")
            }
        }
    }
}

struct DelegationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delegation", abstract: "Let one user approve in another's place for a time.",
        subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that --to may approve in place of --from between two instants.",
            discussion: """
                The delegate acts with the delegator's roles and groups, approving with \
                payhub payment approve PAYMENT --as DELEGATE --on-behalf-of DELEGATOR. Both count as one person \
                in a chain, and the delegate still cannot approve what they created. Times are ISO 8601 with \
                an offset: 2026-08-01T00:00:00+02:00.
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The absent user (username) whose authority is lent.") var from: String
        @Option(help: "The user (username) who approves in their place.") var to: String
        @Option(help: "The first instant it counts (ISO 8601 with offset).") var fromTime: String
        @Option(help: "The first instant it no longer counts (ISO 8601 with offset).") var until: String
        @Option(help: "Only for payments of this entity (ent_…).") var entity: String?

        func run() async throws {
            try await explainingFailures {
                let delegation = try await database.withStore { [from, to, fromTime, until, entity] store in
                    var ids: [String] = []
                    for (option, username) in [("--from", from), ("--to", to)] {
                        guard let user = try await store.user(username: username.lowercased())?.user else {
                            throw CommandFailure("\(option) \(username): no user with that name")
                        }
                        ids.append(user.id.rawValue)
                    }
                    return try await ApprovalService(hub: PaymentHub(store: store)).delegate(
                        from: ids[0], to: ids[1], from: fromTime, until: until, entityID: entity,
                        context: operatorContext([.admin]))
                }
                let scope = delegation.entityID.map { " for entity \($0)" } ?? " for every entity"
                print(
                    "Delegation \(delegation.id): \(to) may approve in place of \(from)\(scope), from \(Timestamp.iso8601(delegation.validFrom)) until \(Timestamp.iso8601(delegation.validUntil))."
                )
            }
        }
    }
}
