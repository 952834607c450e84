import ArgumentParser
import BankFormats
import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage

/// `payhub statement import FILE` and `payhub statement list`: the bank's statements, stored once each
/// for reconciliation.
struct StatementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement", abstract: "Import bank statements and list the ones stored.",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a statement file (camt.052/053/054, MT940/942, BAI2, Chinese bank CSV).",
            discussion: """
                Prints each statement stored (or "already imported") and any exception found against the \
                account's previous statement (a sequence gap, a balance break). Exit status: 0 stored or \
                already imported, 65 the file could not be read, 66 the file could not be opened.
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The statement file.") var file: String
        @Option(help: "camt, mt940, mt942, bai2 or cn-csv (default: recognised from the file).") var format: String?

        func run() async throws {
            var chosen: BankFileFormat?
            if let format {
                guard let known = BankFileFormat(rawValue: format) else {
                    throw ValidationError("--format is one of camt, mt940, mt942, bai2, cn-csv")
                }
                chosen = known
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(file): cannot be read")
                throw ExitCode(66)
            }
            let report = try await explainingFailures(invalidStatus: 65) {
                try await database.withStore { [chosen] store in
                    try await StatementImporter(hub: PaymentHub(store: store)).importFile(
                        data, format: chosen, context: operatorContext([.treasurer]))
                }
            }
            print("\(file): \(report.format), \(report.outcomes.count) statement(s)")
            for outcome in report.outcomes {
                switch outcome {
                case .stored(let statement, let exceptions):
                    print("stored \(StatementText.line(statement))")
                    for exception in exceptions {
                        print(
                            "  exception \(exception.id.rawValue) \(exception.kind.rawValue): \(exception.detailsJSON)")
                    }
                case .alreadyImported(let existing):
                    print("already imported as \(existing.rawValue)")
                }
            }
            for warning in report.warnings { print("warning: \(warning)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored statements in import order.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "At most this many.") var limit = 100
        @Option(help: "Continue after this statement id.") var after: String?

        func run() async throws {
            let page = try await explainingFailures {
                try await database.withStore { [limit, after] store in
                    try await StatementImporter(hub: PaymentHub(store: store)).statements(
                        PageRequest(limit: min(max(limit, 1), PageRequest.limitMax), afterID: after),
                        context: operatorContext([.auditor]))
                }
            }
            if page.items.isEmpty { print("No statement is stored.") }
            for statement in page.items { print(StatementText.line(statement)) }
            if let next = page.nextAfterID { print("more: --after \(next)") }
        }
    }
}

enum StatementText {
    /// `stm_… mt940 ****7890 STARTUMS/1 #1 100.00 EUR → 103.00 EUR, 2 lines, entity ent_…`
    static func line(_ statement: StoredStatement) -> String {
        var parts = [statement.id.rawValue, statement.format, statement.accountMasked]
        if let reference = statement.statementReference { parts.append(reference) }
        if let number = statement.sequenceNumber { parts.append("#\(number)") }
        parts.append(
            "\(statement.openingBalance?.description ?? "?") → \(statement.closingBalance?.description ?? "?"),")
        parts.append("\(statement.lineCount) lines,")
        parts.append(statement.entityID.map { "entity \($0.rawValue)" } ?? "no PayHub account")
        return parts.joined(separator: " ")
    }
}
