import Foundation
import Logging
import PayHubDomain

/// How PayHub reaches one bank, as written in configuration (JSON, snake_case keys):
///
/// ```json
/// {"transport": "folder", "folder": {"outbox": "/srv/h2h/out", "inbox": "/srv/h2h/in"}}
/// {"transport": "sftp", "sftp": {"host": "sftp.bank.example", "user": "acme", "identity_file": "/etc/payhub/bank_ed25519",
///  "known_hosts_file": "/etc/payhub/bank_known_hosts", "outbox": "/upload", "inbox": "/download"}}
/// {"transport": "api", "api": {"base_url": "https://api.bank.example/h2h", "bearer_token_file": "/etc/payhub/bank.token"}}
/// ```
///
/// Decoding checks everything at once and reports each problem at its field path (`sftp.port`,
/// `api.base_url`); unknown fields are refused, because a misspelt option silently ignored would quietly
/// fall back to a default. ``description`` never contains the bearer token.
public enum BankConnectionSettings: Sendable, Hashable, Codable, CustomStringConvertible {
    case folder(Folder)
    case sftp(SFTPConnector.Configuration)
    case api(API)

    public enum Transport: String, Sendable, Hashable, CaseIterable {
        case folder, sftp, api
    }

    /// Two local folders shared with the bank's host-to-host agent.
    public struct Folder: Sendable, Hashable {
        public var outbox: String
        public var inbox: String

        public init(outbox: String, inbox: String) {
            self.outbox = outbox
            self.inbox = inbox
        }
    }

    /// A bank's HTTPS API. The token is given inline or, better, as a file only PayHub can read.
    public struct API: Sendable, Hashable {
        public enum Token: Sendable, Hashable {
            case inline(String)
            case file(String)
        }

        public var baseURL: URL
        public var token: Token
        public var caCertificateFile: String?
        public var trustsSystemRoots: Bool
        public var requestTimeoutSeconds: Int

        public init(
            baseURL: URL, token: Token, caCertificateFile: String? = nil, trustsSystemRoots: Bool = true,
            requestTimeoutSeconds: Int = 60
        ) {
            self.baseURL = baseURL
            self.token = token
            self.caCertificateFile = caCertificateFile
            self.trustsSystemRoots = trustsSystemRoots
            self.requestTimeoutSeconds = requestTimeoutSeconds
        }
    }

    public var transport: Transport {
        switch self {
        case .folder: .folder
        case .sftp: .sftp
        case .api: .api
        }
    }

    /// Reads settings from JSON, with every problem named by its field path.
    public static func decode(json: Data) throws(ValidationFailure) -> BankConnectionSettings {
        do {
            return try JSONDecoder().decode(BankConnectionSettings.self, from: json)
        } catch {
            throw ValidationFailure(fieldErrors(from: error))
        }
    }

    /// The field errors a decoding error stands for, whether it came from these settings' own checks
    /// (nested under where the settings sit in a larger document) or from the decoder itself.
    public static func fieldErrors(from error: any Error) -> [FieldError] {
        if case .dataCorrupted(let context) = error as? DecodingError,
            let failure = context.underlyingError as? ValidationFailure
        {
            let parent = pathText(context.codingPath)
            return parent.isEmpty ? failure.errors : failure.errors.map { $0.nested(under: parent) }
        }
        return [FieldError(decoding: error)]
    }

    /// Builds the connector these settings describe. Reads the token and CA files now, so a missing file
    /// is reported at start-up.
    public func makeConnector(
        logger: Logger = Logger(label: "payhub.bank-connectivity")
    ) throws(BankConnectionError) -> any BankConnector {
        switch self {
        case .folder(let folder):
            return FolderConnector(
                outbox: URL(fileURLWithPath: folder.outbox, isDirectory: true),
                inbox: URL(fileURLWithPath: folder.inbox, isDirectory: true))
        case .sftp(let configuration):
            return SFTPConnector(configuration, logger: logger)
        case .api(let api):
            let token: String
            switch api.token {
            case .inline(let inline):
                token = inline
            case .file(let path):
                do {
                    token = try String(contentsOfFile: path, encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    throw BankConnectionError(
                        .invalidSettings, transport: "api", operation: "configure",
                        detail: "the bearer token file cannot be read")
                }
                guard Self.isHeaderSafe(token) else {
                    throw BankConnectionError(
                        .invalidSettings, transport: "api", operation: "configure",
                        detail: "the bearer token file must hold one token of printable characters")
                }
            }
            return try BankAPIConnector(
                BankAPIConnector.Configuration(
                    baseURL: api.baseURL, bearerToken: token, caCertificateFile: api.caCertificateFile,
                    trustsSystemRoots: api.trustsSystemRoots, requestTimeoutSeconds: api.requestTimeoutSeconds),
                logger: logger)
        }
    }

    public var description: String {
        switch self {
        case .folder(let folder):
            return "folder outbox \(folder.outbox), inbox \(folder.inbox)"
        case .sftp(let sftp):
            return "sftp \(sftp.user)@\(sftp.host):\(sftp.port) outbox \(sftp.outbox), inbox \(sftp.inbox)"
        case .api(let api):
            let token =
                switch api.token {
                case .inline: "inline token (redacted)"
                case .file(let path): "token file \(path)"
                }
            return "api \(api.baseURL.absoluteString), \(token)"
        }
    }

    // MARK: - Codable

    private enum Key: String, CodingKey, CaseIterable {
        case transport, folder, sftp, api
    }

    private enum FolderKey: String, CodingKey, CaseIterable {
        case outbox, inbox
    }

    private enum SFTPKey: String, CodingKey, CaseIterable {
        case host, port, user, outbox, inbox, acknowledge
        case identityFile = "identity_file"
        case knownHostsFile = "known_hosts_file"
        case acceptNewHostKey = "accept_new_host_key"
        case sftpExecutable = "sftp_executable"
        case connectTimeoutSeconds = "connect_timeout_seconds"
        case sessionTimeoutSeconds = "session_timeout_seconds"
    }

    private enum APIKey: String, CodingKey, CaseIterable {
        case baseURL = "base_url"
        case bearerToken = "bearer_token"
        case bearerTokenFile = "bearer_token_file"
        case caCertificateFile = "ca_certificate_file"
        case trustSystemRoots = "trust_system_roots"
        case requestTimeoutSeconds = "request_timeout_seconds"
    }

    public init(from decoder: any Decoder) throws {
        var problems = FieldErrorCollector()
        try Self.collectUnknownKeys(in: decoder, knowing: Key.self, at: "", into: &problems)
        let container = try decoder.container(keyedBy: Key.self)
        let transportText = try container.decode(String.self, forKey: .transport)
        var settings: BankConnectionSettings?
        if let transport = Transport(rawValue: transportText) {
            for other in Transport.allCases where other != transport {
                if let key = Key(rawValue: other.rawValue), container.contains(key) {
                    problems.add(other.rawValue, code: "unused_section", "the transport is \(transport.rawValue)")
                }
            }
            let section = Key(rawValue: transport.rawValue) ?? .transport
            if !container.contains(section) {
                problems.add(
                    transport.rawValue, code: "missing_field", "the \(transport.rawValue) settings are missing")
            } else {
                switch transport {
                case .folder:
                    settings = try Self.decodeFolder(container.superDecoder(forKey: .folder), &problems).map(
                        Self.folder)
                case .sftp:
                    settings = try Self.decodeSFTP(container.superDecoder(forKey: .sftp), &problems).map(Self.sftp)
                case .api:
                    settings = try Self.decodeAPI(container.superDecoder(forKey: .api), &problems).map(Self.api)
                }
            }
        } else {
            problems.add("transport", code: "unknown_transport", "expected one of folder, sftp, api")
        }
        guard let settings, problems.errors.isEmpty else {
            let failure = ValidationFailure(problems.errors)
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: failure.description, underlyingError: failure))
        }
        self = settings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(transport.rawValue, forKey: .transport)
        switch self {
        case .folder(let folder):
            var nested = container.nestedContainer(keyedBy: FolderKey.self, forKey: .folder)
            try nested.encode(folder.outbox, forKey: .outbox)
            try nested.encode(folder.inbox, forKey: .inbox)
        case .sftp(let sftp):
            var nested = container.nestedContainer(keyedBy: SFTPKey.self, forKey: .sftp)
            try nested.encode(sftp.host, forKey: .host)
            try nested.encode(sftp.port, forKey: .port)
            try nested.encode(sftp.user, forKey: .user)
            try nested.encode(sftp.identityFile, forKey: .identityFile)
            try nested.encode(sftp.knownHostsFile, forKey: .knownHostsFile)
            try nested.encode(sftp.outbox, forKey: .outbox)
            try nested.encode(sftp.inbox, forKey: .inbox)
            try nested.encode(sftp.acknowledgement.rawValue, forKey: .acknowledge)
            try nested.encode(sftp.acceptsNewHostKey, forKey: .acceptNewHostKey)
            try nested.encode(sftp.sftpExecutable, forKey: .sftpExecutable)
            try nested.encode(sftp.connectTimeoutSeconds, forKey: .connectTimeoutSeconds)
            try nested.encode(sftp.sessionTimeoutSeconds, forKey: .sessionTimeoutSeconds)
        case .api(let api):
            var nested = container.nestedContainer(keyedBy: APIKey.self, forKey: .api)
            try nested.encode(api.baseURL.absoluteString, forKey: .baseURL)
            switch api.token {
            case .inline(let token): try nested.encode(token, forKey: .bearerToken)
            case .file(let path): try nested.encode(path, forKey: .bearerTokenFile)
            }
            try nested.encodeIfPresent(api.caCertificateFile, forKey: .caCertificateFile)
            try nested.encode(api.trustsSystemRoots, forKey: .trustSystemRoots)
            try nested.encode(api.requestTimeoutSeconds, forKey: .requestTimeoutSeconds)
        }
    }

    private static func decodeFolder(_ decoder: any Decoder, _ problems: inout FieldErrorCollector) throws -> Folder? {
        try collectUnknownKeys(in: decoder, knowing: FolderKey.self, at: "folder", into: &problems)
        let container = try decoder.container(keyedBy: FolderKey.self)
        let outbox = try container.decode(String.self, forKey: .outbox)
        let inbox = try container.decode(String.self, forKey: .inbox)
        for (path, value) in [("folder.outbox", outbox), ("folder.inbox", inbox)] where !value.hasPrefix("/") {
            problems.add(path, code: "not_absolute_path", "write the folder as an absolute path")
        }
        if normalisedFolder(outbox) == normalisedFolder(inbox) {
            // PayHub would read its own deliveries back as the bank's answers.
            problems.add("folder.inbox", code: "same_folder", "the inbox must not be the outbox")
        }
        return Folder(outbox: outbox, inbox: inbox)
    }

    private static func decodeSFTP(
        _ decoder: any Decoder, _ problems: inout FieldErrorCollector
    ) throws -> SFTPConnector.Configuration? {
        try collectUnknownKeys(in: decoder, knowing: SFTPKey.self, at: "sftp", into: &problems)
        let container = try decoder.container(keyedBy: SFTPKey.self)
        let defaults = SFTPConnector.Configuration(
            host: "", user: "", identityFile: "", knownHostsFile: "", outbox: "", inbox: "")
        var configuration = SFTPConnector.Configuration(
            host: try container.decode(String.self, forKey: .host),
            port: try container.decodeIfPresent(Int.self, forKey: .port) ?? defaults.port,
            user: try container.decode(String.self, forKey: .user),
            identityFile: try container.decode(String.self, forKey: .identityFile),
            knownHostsFile: try container.decode(String.self, forKey: .knownHostsFile),
            outbox: try container.decode(String.self, forKey: .outbox),
            inbox: try container.decode(String.self, forKey: .inbox),
            acceptsNewHostKey: try container.decodeIfPresent(Bool.self, forKey: .acceptNewHostKey) ?? false,
            sftpExecutable: try container.decodeIfPresent(String.self, forKey: .sftpExecutable)
                ?? defaults.sftpExecutable,
            connectTimeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .connectTimeoutSeconds)
                ?? defaults.connectTimeoutSeconds,
            sessionTimeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .sessionTimeoutSeconds)
                ?? defaults.sessionTimeoutSeconds)
        if let text = try container.decodeIfPresent(String.self, forKey: .acknowledge) {
            if let acknowledgement = SFTPConnector.Configuration.Acknowledgement(rawValue: text) {
                configuration.acknowledgement = acknowledgement
            } else {
                problems.add("sftp.acknowledge", code: "unknown_acknowledgement", "expected move or delete")
            }
        }
        // Anything that starts with `-` could be read by ssh as an option; whitespace or control characters
        // have no business in a host or user name.
        if configuration.host.isEmpty || configuration.host.hasPrefix("-") || !isPlainWord(configuration.host) {
            problems.add("sftp.host", code: "invalid_host", "a host name or IP address, without spaces")
        }
        if configuration.user.isEmpty || configuration.user.hasPrefix("-") || !isPlainWord(configuration.user) {
            problems.add("sftp.user", code: "invalid_user", "a user name without spaces")
        }
        if !(1...65_535).contains(configuration.port) {
            problems.add("sftp.port", code: "out_of_range", "a port number between 1 and 65535")
        }
        if configuration.identityFile.isEmpty || configuration.identityFile.contains(where: \.isControl) {
            problems.add("sftp.identity_file", code: "invalid_path", "the path of the private key file")
        }
        // ssh reads UserKnownHostsFile as a list separated by spaces.
        if configuration.knownHostsFile.isEmpty || !isPlainWord(configuration.knownHostsFile) {
            problems.add("sftp.known_hosts_file", code: "invalid_path", "a path without spaces")
        }
        for (path, folder) in [("sftp.outbox", configuration.outbox), ("sftp.inbox", configuration.inbox)]
        where !isRemoteFolder(folder) {
            problems.add(path, code: "invalid_path", "a remote folder without quotes, backslashes or * ? [ ]")
        }
        if normalisedFolder(configuration.outbox) == normalisedFolder(configuration.inbox) {
            problems.add("sftp.inbox", code: "same_folder", "the inbox must not be the outbox")
        }
        if configuration.sftpExecutable.isEmpty || !configuration.sftpExecutable.hasPrefix("/") {
            problems.add("sftp.sftp_executable", code: "not_absolute_path", "the absolute path of the sftp client")
        }
        if !(1...3_600).contains(configuration.connectTimeoutSeconds) {
            problems.add("sftp.connect_timeout_seconds", code: "out_of_range", "between 1 and 3600 seconds")
        }
        if !(1...86_400).contains(configuration.sessionTimeoutSeconds) {
            problems.add("sftp.session_timeout_seconds", code: "out_of_range", "between 1 and 86400 seconds")
        }
        return configuration
    }

    private static func decodeAPI(_ decoder: any Decoder, _ problems: inout FieldErrorCollector) throws -> API? {
        try collectUnknownKeys(in: decoder, knowing: APIKey.self, at: "api", into: &problems)
        let container = try decoder.container(keyedBy: APIKey.self)
        let baseText = try container.decode(String.self, forKey: .baseURL)
        let inlineToken = try container.decodeIfPresent(String.self, forKey: .bearerToken)
        let tokenFile = try container.decodeIfPresent(String.self, forKey: .bearerTokenFile)
        let caFile = try container.decodeIfPresent(String.self, forKey: .caCertificateFile)
        let trustsSystemRoots = try container.decodeIfPresent(Bool.self, forKey: .trustSystemRoots) ?? true
        let timeout = try container.decodeIfPresent(Int.self, forKey: .requestTimeoutSeconds) ?? 60

        let components = URLComponents(string: baseText)
        let baseURL = components?.url
        if components?.scheme?.lowercased() != "https" || (components?.host ?? "").isEmpty || baseURL == nil {
            problems.add("api.base_url", code: "not_https", "an https:// URL with a host")
        } else if components?.user != nil || components?.password != nil || components?.query != nil
            || components?.fragment != nil
        {
            // Credentials in a URL end up in logs; the token has its own field.
            problems.add("api.base_url", code: "invalid_url", "no user, password, query or fragment in the base URL")
        }
        var token: API.Token?
        switch (inlineToken, tokenFile) {
        case (let inline?, nil):
            if isHeaderSafe(inline) {
                token = .inline(inline)
            } else {
                // The message never repeats the value: it is a secret.
                problems.add("api.bearer_token", code: "invalid_token", "a token of printable characters, no spaces")
            }
        case (nil, let path?):
            if path.isEmpty || path.contains(where: \.isControl) {
                problems.add("api.bearer_token_file", code: "invalid_path", "the path of the token file")
            } else {
                token = .file(path)
            }
        case (nil, nil):
            problems.add("api.bearer_token", code: "missing_field", "give bearer_token or bearer_token_file")
        case (.some, .some):
            problems.add(
                "api.bearer_token_file", code: "conflicting_fields", "give bearer_token or bearer_token_file, not both")
        }
        if let caFile, caFile.isEmpty || caFile.contains(where: \.isControl) {
            problems.add("api.ca_certificate_file", code: "invalid_path", "the path of a PEM file")
        }
        if !trustsSystemRoots && caFile == nil {
            problems.add("api.ca_certificate_file", code: "missing_field", "needed when trust_system_roots is false")
        }
        if !(1...3_600).contains(timeout) {
            problems.add("api.request_timeout_seconds", code: "out_of_range", "between 1 and 3600 seconds")
        }
        guard let baseURL, let token else { return nil }
        return API(
            baseURL: baseURL, token: token, caCertificateFile: caFile, trustsSystemRoots: trustsSystemRoots,
            requestTimeoutSeconds: timeout)
    }

    // MARK: - Checks

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func collectUnknownKeys<Known: CodingKey & CaseIterable>(
        in decoder: any Decoder, knowing _: Known.Type, at parent: String, into problems: inout FieldErrorCollector
    ) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(Known.allCases.map(\.stringValue))
        for key in container.allKeys.map(\.stringValue).sorted() where !known.contains(key) {
            problems.add(
                parent.isEmpty ? key : parent + "." + key, code: "unknown_field",
                "unknown field; check its spelling")
        }
    }

    private static func pathText(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
    }

    private static func isPlainWord(_ text: String) -> Bool {
        !text.contains { $0.isWhitespace || $0.isControl }
    }

    /// A token goes into an HTTP header: visible ASCII only, so it cannot split the header.
    static func isHeaderSafe(_ token: String) -> Bool {
        !token.isEmpty && token.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    private static func isRemoteFolder(_ folder: String) -> Bool {
        !folder.isEmpty && !folder.contains { "\"\\*?[]".contains($0) || $0.isControl || $0.isNewline }
    }

    private static func normalisedFolder(_ folder: String) -> String {
        var folder = folder
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        return folder
    }
}

extension Character {
    fileprivate var isControl: Bool { unicodeScalars.contains { $0.properties.generalCategory == .control } }
}
