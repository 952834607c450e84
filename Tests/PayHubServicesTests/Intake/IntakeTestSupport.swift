import BankFormats
import Foundation
import PayHubDomain
import Testing

#if canImport(ProfileLoading)
    import ProfileLoading
#else
    import PayHubServices
#endif

/// The shipped profiles and samples, found from this file so the tests run from any checkout (and from a
/// scratch package that links this folder in).
enum IntakeFixtures {
    static let repository: URL = {
        let file = URL(fileURLWithPath: #filePath)
        // Tests/PayHubServicesTests/Intake/<file> → the repository; through the symlink first, if any.
        let roots = [file.resolvingSymlinksInPath(), file].map {
            $0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
        }
        return roots.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("samples/erp").path) }
            ?? roots[0]
    }()

    static let profilesFolder = repository.appendingPathComponent("Sources/PayHubServices/Resources/profiles")

    static func profile(_ name: String) throws -> MappingProfile {
        try MappingProfileLoader.load(contentsOf: profilesFolder.appendingPathComponent("\(name).yaml"))
    }

    static func sample(_ file: String) throws -> Data {
        try Data(contentsOf: repository.appendingPathComponent("samples/erp/\(file)"))
    }

    static func read(_ data: Data, with profile: MappingProfile) throws -> [ERPRecord] {
        var records: [ERPRecord] = []
        try ERPFileReader(profile: profile).read(data) { records.append($0) }
        return records
    }

    static func read(yaml: String, _ text: String) throws -> [ERPRecord] {
        try read(Data(text.utf8), with: try MappingProfileLoader.load(yaml: yaml))
    }
}

extension [ERPRecord] {
    var payables: [ERPPayableRecord] {
        compactMap { if case .payable(let payable, _) = $0 { payable } else { nil } }
    }

    var vendors: [ERPVendorRecord] {
        compactMap { if case .vendor(let vendor, _) = $0 { vendor } else { nil } }
    }

    var rejections: [(source: ERPRecordSource, errors: [FieldError])] {
        compactMap { if case .rejected(let source, let errors) = $0 { (source, errors) } else { nil } }
    }

    /// The rejection of the row starting on `line`, if that row was rejected.
    func rejection(line: Int) -> [FieldError]? {
        rejections.first { $0.source.line == line }?.errors
    }

    func payable(_ externalID: String) -> ERPPayableRecord? {
        payables.first { $0.externalID == externalID }
    }
}

extension [FieldError] {
    /// `path code` of each error, the part of an error tests pin down (messages may be reworded).
    var summary: [String] { map { "\($0.path) \($0.code)" } }
}

func money(_ text: String, _ code: String) throws -> Money {
    try Money(parsing: text, currency: try Currency(code: code))
}

func date(_ text: String) throws -> LocalDate {
    try LocalDate(iso8601: text)
}
