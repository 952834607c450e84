import BankFormats
import Foundation

/// The mapping profiles an import can name: the ones PayHub ships, and a company's own from a folder,
/// which win over shipped ones of the same name.
public struct MappingProfileCatalog: Sendable {
    public let profiles: [String: MappingProfile]

    public init(profiles: [String: MappingProfile]) { self.profiles = profiles }

    /// The shipped profiles, plus those in `folder` when given (`PAYHUB_PROFILES` or `--profiles`).
    public static func load(folder: URL? = nil) throws -> MappingProfileCatalog {
        var profiles: [String: MappingProfile] = [:]
        if let shipped = Bundle.module.url(forResource: "profiles", withExtension: nil) {
            profiles = try MappingProfileLoader.load(directory: shipped)
        }
        if let folder {
            profiles.merge(try MappingProfileLoader.load(directory: folder)) { _, own in own }
        }
        return MappingProfileCatalog(profiles: profiles)
    }

    /// A profile by name, or by the path of a YAML file (anything with a `/` or ending in `.yaml`).
    public func profile(_ nameOrPath: String) throws -> MappingProfile {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            return try MappingProfileLoader.load(contentsOf: URL(fileURLWithPath: nameOrPath))
        }
        guard let profile = profiles[nameOrPath] else {
            throw UnknownProfile(name: nameOrPath, known: profiles.keys.sorted())
        }
        return profile
    }

    public struct UnknownProfile: Error, CustomStringConvertible, Sendable {
        public let name: String
        public let known: [String]
        public var description: String { "no mapping profile \"\(name)\"; known: \(known.joined(separator: ", "))" }
    }
}
