import ArgumentParser
import Foundation
import PayHubServices
import PayHubStorage

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Work with the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the audit hash chain; exit 1 naming the first broken event.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let report = try await database.withStore { store in
                let bar = ProgressBar(title: "Verifying audit trail")
                let report = try await AuditVerifier(store: store).verify { checked in bar.update(checked, of: nil) }
                bar.finish()
                return report
            }
            if let broken = report.firstBreak {
                print("Audit trail BROKEN at event \(broken.sequence): \(broken.description)")
                throw ExitCode(1)
            }
            print("Audit trail intact: \(report.eventsChecked) events verified.")
        }
    }
}

/// A one-line progress display on standard error, drawn only when it is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let title: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDrawn = Date.distantPast

    init(title: String) { self.title = title }

    func update(_ done: Int, of total: Int?) {
        guard isTerminal, Date().timeIntervalSince(lastDrawn) > 0.05 || done == total else { return }
        lastDrawn = Date()
        let line: String
        if let total, total > 0 {
            let width = 30
            // Clamped: a total that is only an estimate (an import counts lines) may be passed.
            let filled = min(done, total) * width / total
            line = "\(title) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total)"
        } else {
            line = "\(title): \(done)"
        }
        FileHandle.standardError.write(Data("\r\(line)".utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
