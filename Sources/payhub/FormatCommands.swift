import ArgumentParser
import BankFormats
import Foundation

extension BankFileFormat: ExpressibleByArgument {}

/// `payhub format`: bank files in, PayHub's normalised JSON out (see format-json.md).
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "format", abstract: "Read bank files: statements, payment status reports and payment files.",
        subcommands: [Parse.self])

    /// The exit statuses format-json.md promises, after sysexits.h.
    enum Status {
        static let malformed: Int32 = 65
        static let unreadable: Int32 = 66
    }

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a bank file as PayHub's normalised JSON.",
            discussion: """
                Reads camt.052/053/054, MT940/942, BAI2, Chinese bank CSV exports, pain.002 and pain.001, \
                detecting the format unless --format is given. Exit status: 0 done, 65 the file is \
                malformed (the message names the line or element), 66 the file cannot be read.
                """)

        @Argument(help: "The bank file.") var file: String
        @Option(help: "The format, when detection should not decide: \(BankFileFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: BankFileFormat?
        @Flag(help: "Indent the JSON for people.") var pretty = false

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("payhub: cannot read \(file)\n".utf8))
                throw ExitCode(Status.unreadable)
            }
            do {
                let parsed = try BankFileReader.parse(data, format: format)
                print(parsed.json.rendered(pretty: pretty))
            } catch {
                FileHandle.standardError.write(Data("payhub: \(file): \(error.description)\n".utf8))
                throw ExitCode(Status.malformed)
            }
        }
    }
}
