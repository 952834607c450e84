import BankFormats
import Foundation
import Yams

/// Reads mapping profiles from YAML, and checks each one with ``ERPFileReader`` so a profile that loads is
/// one that can read files.
public enum MappingProfileLoader {
    /// A profile that cannot be used, with the YAML key path of the problem
    /// (`fields.amount.transforms[1]: unknown transform "rounnd"`).
    public struct LoadError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The profile file, when it was read from one.
        public var file: String?
        /// `fields.amount.transforms[1]`; empty for the document as a whole.
        public var keyPath: String
        public var message: String

        public init(file: String? = nil, keyPath: String, message: String) {
            self.file = file
            self.keyPath = keyPath
            self.message = message
        }

        public var description: String {
            let place = [file, keyPath.isEmpty ? nil : keyPath].compactMap { $0 }.joined(separator: ": ")
            return place.isEmpty ? message : "\(place): \(message)"
        }
    }

    public static func load(yaml: String) throws(LoadError) -> MappingProfile {
        let profile: MappingProfile
        do {
            profile = try YAMLDecoder().decode(MappingProfile.self, from: yaml)
        } catch let error as DecodingError {
            throw loadError(error)
        } catch {
            throw LoadError(keyPath: "", message: "not a YAML document: \(error)")
        }
        do {
            _ = try ERPFileReader(profile: profile)
        } catch {
            // The plan names the place as `profile NAME: key.path`.
            let prefix = "profile \(profile.name): "
            let location = error.location ?? ""
            let keyPath = location.hasPrefix(prefix) ? String(location.dropFirst(prefix.count)) : location
            throw LoadError(keyPath: keyPath, message: error.message)
        }
        return profile
    }

    public static func load(contentsOf url: URL) throws(LoadError) -> MappingProfile {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw LoadError(
                file: url.lastPathComponent, keyPath: "",
                message: "cannot be read: missing, unreadable or not UTF-8 text")
        }
        do {
            return try load(yaml: text)
        } catch {
            var located = error
            located.file = url.lastPathComponent
            throw located
        }
    }

    /// Every `*.yaml` / `*.yml` profile in `directory`, by name. A file's name must be its profile's name,
    /// so the profile a user picks by name is the file they would open.
    public static func load(directory: URL) throws(LoadError) -> [String: MappingProfile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw LoadError(file: directory.lastPathComponent, keyPath: "", message: "is not a readable folder")
        }
        var profiles: [String: MappingProfile] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let url = directory.appendingPathComponent(name)
            let profile = try load(contentsOf: url)
            let stem = url.deletingPathExtension().lastPathComponent
            guard profile.name == stem else {
                throw LoadError(
                    file: name, keyPath: "name",
                    message: "is \"\(profile.name)\"; it must equal the file name \"\(stem)\"")
            }
            profiles[profile.name] = profile
        }
        return profiles
    }

    private static func loadError(_ error: DecodingError) -> LoadError {
        switch error {
        case .dataCorrupted(let context):
            return LoadError(keyPath: keyPath(context.codingPath), message: context.debugDescription)
        case .keyNotFound(let key, let context):
            let path = keyPath(context.codingPath + [key])
            return LoadError(keyPath: path, message: "is required")
        case .typeMismatch(let type, let context):
            return LoadError(
                keyPath: keyPath(context.codingPath), message: "expected \(describe(type)): \(context.debugDescription)"
            )
        case .valueNotFound(let type, let context):
            return LoadError(keyPath: keyPath(context.codingPath), message: "expected \(describe(type)), found nothing")
        @unknown default:
            return LoadError(keyPath: "", message: "\(error)")
        }
    }

    /// `fields`, `amount`, `transforms`, index 1 → `fields.amount.transforms[1]`.
    static func keyPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue == String(index) {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type: "a whole number"
        default: "\(type)"
        }
    }
}
