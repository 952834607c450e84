import ArgumentParser
import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage

struct SanctionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanctions", abstract: "Load sanctions lists and see the vendors that may be on them.",
        subcommands: [Load.self, Hits.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a sanctions list and screen every vendor against it.",
            discussion: """
                OFAC: FILE is SDN.CSV, with --alt ALT.CSV (aliases) and --add ADD.CSV (addresses) when you have \
                them. EU: FILE is the consolidated list's XML. The version defaults to the EU file's generation \
                date, or to a fingerprint of OFAC's files. Exit status: 0 loaded, 65 the files could not be read \
                or list nothing (nothing is stored), 66 a file could not be opened.
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "SDN.CSV, or the EU consolidated list XML.") var file: String
        @Option(help: "ofac_sdn or eu_consolidated.") var source: String
        @Option(help: "OFAC's ALT.CSV (aliases).") var alt: String?
        @Option(help: "OFAC's ADD.CSV (addresses).") var add: String?
        @Option(help: "The list's version, e.g. its publication date.") var version: String?

        func run() async throws {
            guard let source = SanctionsList.Source(rawValue: source) else {
                throw ValidationError("--source: ofac_sdn or eu_consolidated")
            }
            func contents(_ path: String) throws -> Data {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("\(path): cannot be read\n".utf8))
                    throw ExitCode(66)
                }
                return data
            }
            let files = SanctionsListFiles(
                content: try contents(file), alternateNames: try alt.map(contents), addresses: try add.map(contents))
            let bar = ProgressBar(title: "Screening vendors")
            let load: SanctionsListLoad
            do {
                load = try await database.withStore { [version] store in
                    // The threshold and embargoed countries of the controls' settings in force.
                    try await SanctionsService.inForce(hub: PaymentHub(store: store)).loadList(
                        source: source, files: files, version: version, context: operatorContext([.admin]),
                        progress: { bar.update($0, of: $1) })
                }
            } catch let failure as ValidationFailure {
                bar.finish()
                for error in failure.errors {
                    FileHandle.standardError.write(Data("\(error.path): \(error.message) (\(error.code))\n".utf8))
                }
                throw ExitCode(65)
            }
            bar.finish()
            print(
                "Loaded \(source.rawValue) version \(load.list.version): \(load.list.entryCount) entries (\(load.list.id))."
            )
            if let previous = load.previous { print("It replaces version \(previous.version).") }
            print(
                "Screened \(load.vendorsScreened) vendors: \(load.potentialMatches) potential matches "
                    + "(\(load.newMatches) new, \(load.cleared) cleared since the previous version).")
            if load.potentialMatches > 0 { print("Next: payhub sanctions hits") }
        }
    }

    struct Hits: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the vendors whose screening against a list in force is a potential match.")

        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON lines.") var json = false

        func run() async throws {
            let matches = try await database.withStore { store in
                try await SanctionsService(hub: PaymentHub(store: store)).matches(context: operatorContext([.admin]))
            }
            guard !matches.isEmpty else {
                if !json { print("No potential matches against the lists in force.") }
                return
            }
            for match in matches {
                let screening = match.record.screening
                let hits =
                    (try? JSONSerialization.jsonObject(with: Data(screening.hitsJSON.utf8)) as? [[String: Any]]) ?? []
                let entries = hits.map { hit in
                    if let country = hit["embargoed_country"] as? String { return "embargoed country \(country)" }
                    let score = (hit["score"] as? Double).map { String(format: "%.2f", $0) } ?? "?"
                    return
                        "entry \(hit["entry_id"] as? String ?? "?") \"\(hit["matched_name"] as? String ?? "")\" \(score)"
                }
                if json {
                    let line: [String: Any] = [
                        "vendor_id": match.vendor.id.rawValue, "entity_id": match.vendor.entityID.rawValue,
                        "vendor_name": match.vendor.name, "country": match.vendor.countryCode,
                        "list_source": match.record.list.source.rawValue, "list_version": match.record.list.version,
                        "top_score": screening.topScoreValue ?? 0, "hits": hits,
                    ]
                    let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(
                        "\(match.vendor.id)  \(match.vendor.entityID)  \(match.vendor.name) (\(match.vendor.countryCode))  "
                            + "\(match.record.list.source.rawValue) \(match.record.list.version): "
                            + entries.joined(separator: "; "))
                }
            }
        }
    }
}
