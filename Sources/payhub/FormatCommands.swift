import ArgumentParser
import BankFormats
import Foundation
import PayHubDomain

extension BankFileFormat: ExpressibleByArgument {}
extension Pain001Writer.Version: ExpressibleByArgument {}

/// `payhub format`: bank files in, PayHub's normalised JSON out (see format-json.md).
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "format", abstract: "Read bank files: statements, payment status reports and payment files.",
        subcommands: [Parse.self, Validate.self, Pain001.self])

    /// The exit statuses format-json.md promises, after sysexits.h.
    enum Status {
        static let invalid: Int32 = 1
        static let malformed: Int32 = 65
        static let unreadable: Int32 = 66
        static let cantCreate: Int32 = 73
    }

    /// The file and format `parse` and `validate` take.
    struct BankFileInput: ParsableArguments {
        @Argument(help: "The bank file.") var file: String
        @Option(help: "The format, when detection should not decide: \(BankFileFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: BankFileFormat?

        /// The file's bytes; exit status 66 when it cannot be read.
        func read() throws -> (file: String, data: Data) {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("payhub: cannot read \(file)\n".utf8))
                throw ExitCode(Status.unreadable)
            }
            return (file, data)
        }
    }

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a bank file as PayHub's normalised JSON.",
            discussion: """
                Reads camt.052/053/054, MT940/942, BAI2, Chinese bank CSV exports, pain.002 and pain.001, \
                detecting the format unless --format is given. Exit status: 0 done, 65 the file is \
                malformed (the message names the line or element), 66 the file cannot be read.
                """)

        @OptionGroup var input: BankFileInput
        @Flag(help: "Indent the JSON for people.") var pretty = false

        func run() throws {
            let (file, data) = try input.read()
            do {
                let parsed = try BankFileReader.parse(data, format: input.format)
                print(parsed.json.rendered(pretty: pretty))
            } catch {
                FileHandle.standardError.write(Data("payhub: \(file): \(error.description)\n".utf8))
                throw ExitCode(Status.malformed)
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a bank file against its official XSD and what it says against itself.",
            discussion: """
                XML messages (camt, pain.001, pain.002) are validated against the ISO 20022 schema of \
                their namespace where PayHub ships it; every format is checked for control sums and \
                counts, opening balance plus entries equal to closing, IBAN and BIC check digits, and \
                anything the reader had to be lenient about. Exit status: 0 valid, 1 invalid (one line \
                per problem), 65 the file cannot be read as its format, 66 the file cannot be opened. \
                Schemas shipped: \(ISOSchema.shipped.map(\.fileName).joined(separator: ", ")).
                """)

        @OptionGroup var input: BankFileInput
        @Flag(help: "Print the report as JSON.") var json = false

        func run() throws {
            let (file, data) = try input.read()
            let report: ValidationReport
            do {
                report = try BankFileValidator.validate(data, format: input.format)
            } catch {
                FileHandle.standardError.write(Data("payhub: \(file): \(error.description)\n".utf8))
                throw ExitCode(Status.malformed)
            }
            if json {
                print(report.json.rendered(pretty: true))
            } else {
                print(Self.text(report, file: file), terminator: "")
            }
            if !report.isValid { throw ExitCode(Status.invalid) }
        }

        /// `FILE: camt.053.001.08 against camt.053.001.08.xsd: invalid, 2 problems` and a line for each.
        static func text(_ report: ValidationReport, file: String) -> String {
            let checked = report.schema.map { " against \($0)" } ?? ""
            let verdict =
                report.isValid
                ? "valid" : "invalid, \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")"
            var lines = ["\(file): \(report.format)\(checked): \(verdict)"]
            for problem in report.problems {
                let location = problem.location.map { "\($0): " } ?? ""
                lines.append("  \(location)\(problem.message) [\(problem.code)]")
            }
            lines += report.notes.map { "  note: \($0)" }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    struct Pain001: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pain001",
            abstract: "Write a pain.001 credit transfer file from a JSON list of instructions.",
            discussion: """
                INPUT.json is the flat instruction list of format-json.md ("Writing pain.001"). Instructions \
                are grouped into one PmtInf per debtor IBAN, execution date and currency. Invalid input is \
                refused as a whole: exit status 65 with one line per problem on standard error, naming \
                the instruction and field, and nothing is written. 66: the input cannot be read. The XML \
                goes to standard output, or to --out (written atomically).
                """)

        @Argument(help: "The instructions (JSON).") var input: String
        @Option(help: "The pain.001 version: 001.001.09 or 001.001.03.") var version: Pain001Writer.Version
        @Option(help: "Write the XML to this file instead of standard output.") var out: String?
        @Flag(help: "Transliterate names, address lines and remittance of EUR payments into the SEPA character set (ä → ae, é → e, & → +, others → '.') instead of refusing them.")
        var transliterate = false

        func run() throws {
            guard let data = FileManager.default.contents(atPath: input) else {
                FileHandle.standardError.write(Data("payhub: cannot read \(input)\n".utf8))
                throw ExitCode(Status.unreadable)
            }
            let instructions: Pain001Input
            do {
                instructions = try JSONDecoder().decode(Pain001Input.self, from: data)
            } catch {
                FileHandle.standardError.write(Data("payhub: \(input): not a pain.001 instruction list: \(Self.describe(error))\n".utf8))
                throw ExitCode(Status.malformed)
            }
            // The XML is handed over in chunks as it is made; a large file is never in memory whole.
            // With --out it goes to a temporary file beside the target, synced and renamed into place,
            // so the target is either the whole new file or untouched.
            let target = out.map { URL(fileURLWithPath: $0) }
            let temporary = target.map {
                $0.deletingLastPathComponent()
                    .appendingPathComponent(".\($0.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            }
            var file: FileHandle?
            do {
                try Pain001Writer.write(
                    instructions, version: version, createdAt: Self.now(), transliterate: transliterate
                ) { chunk in
                    if let temporary {
                        if file == nil {
                            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                                throw CocoaError(.fileWriteNoPermission)
                            }
                            file = try FileHandle(forWritingTo: temporary)
                        }
                        try file?.write(contentsOf: chunk)
                    } else {
                        FileHandle.standardOutput.write(chunk)
                    }
                }
                if let target, let temporary {
                    try file?.synchronize()
                    try file?.close()
                    file = nil
                    guard rename(temporary.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
                }
            } catch let failure as ValidationFailure {
                let lines = failure.errors.map { "payhub: \(input): \($0.path): \($0.message)\n" }.joined()
                FileHandle.standardError.write(Data(lines.utf8))
                throw ExitCode(Status.malformed)
            } catch {
                try? file?.close()
                if let temporary { try? FileManager.default.removeItem(at: temporary) }
                FileHandle.standardError.write(Data("payhub: cannot write \(out ?? "standard output")\n".utf8))
                throw ExitCode(Status.cantCreate)
            }
        }

        /// The creation time, UTC to the second: `2024-01-02T10:00:00Z`.
        static func now() -> String {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: Date())
        }

        static func describe(_ error: any Error) -> String {
            switch error as? DecodingError {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
                .dataCorrupted(let context):
                var path = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
                    .joined(separator: "")
                if path.hasPrefix(".") { path.removeFirst() }
                return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
            default:
                return "\(error)"
            }
        }
    }
}
