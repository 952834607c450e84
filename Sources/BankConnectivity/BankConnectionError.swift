import Foundation

/// Why a connector could not do what it was asked, and on which file.
///
/// The description is deliberately short and generic (transport, operation, code, file name: file names
/// are derived from message ids and carry no names or account numbers). What the other side said — sftp's
/// standard error, an HTTP problem document — goes to ``debugDescription`` only, because a bank's error
/// text may quote parts of the file. Equality is on the code, the transport, the operation and the file.
public struct BankConnectionError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable snake_case code callers may branch on.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// `deliver` was asked for a file that is neither staged nor delivered.
        public static let notStaged = Code(rawValue: "not_staged")
        /// A file name PayHub refuses to put on the wire (path separators, a leading dot, a `.part` suffix…).
        public static let invalidFileName = Code(rawValue: "invalid_file_name")
        /// A local file-system call failed (the outbox is missing, the disk is full…).
        public static let fileSystem = Code(rawValue: "file_system")
        /// The sftp client could not be started, or ran out of time.
        public static let processFailed = Code(rawValue: "process_failed")
        /// The sftp client ran and reported an error (authentication, host key, a refused command…).
        public static let remoteCommandFailed = Code(rawValue: "remote_command_failed")
        /// The bank's API refused the bearer token.
        public static let unauthorized = Code(rawValue: "unauthorized")
        /// The bank's API answered with a status the contract does not allow here.
        public static let unexpectedStatus = Code(rawValue: "unexpected_status")
        /// The bank's API answered with a body that does not follow the contract.
        public static let malformedResponse = Code(rawValue: "malformed_response")
        /// The bank's API could not be reached (DNS, TLS, connection, time-out).
        public static let transportFailed = Code(rawValue: "transport_failed")
        /// The connection settings cannot be turned into a connector (an unreadable certificate, token file…).
        public static let invalidSettings = Code(rawValue: "invalid_settings")

        public var description: String { rawValue }
    }

    public var code: Code
    /// `folder`, `sftp` or `api`.
    public var transport: String
    /// `stage`, `deliver`, `delivery_state`, `incoming_files`, `acknowledge`.
    public var operation: String
    public var fileName: String?
    /// What the other side said (sftp's standard error, a problem document, an errno text). Never secrets:
    /// PayHub passes none on command lines and never echoes its token.
    public var detail: String
    /// The HTTP status, for the API connector.
    public var httpStatus: Int?

    public init(
        _ code: Code, transport: String, operation: String, fileName: String? = nil, httpStatus: Int? = nil,
        detail: String = ""
    ) {
        self.code = code
        self.transport = transport
        self.operation = operation
        self.fileName = fileName
        self.httpStatus = httpStatus
        self.detail = detail
    }

    public var description: String {
        var text = "\(transport) \(operation) failed (\(code.rawValue))"
        if let httpStatus { text += " with HTTP status \(httpStatus)" }
        if let fileName { text += " for file \(fileName)" }
        return text
    }

    public var debugDescription: String { detail.isEmpty ? description : description + ": " + detail }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.transport == rhs.transport && lhs.operation == rhs.operation
            && lhs.fileName == rhs.fileName
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(transport)
        hasher.combine(operation)
        hasher.combine(fileName)
    }
}

/// The one rule for the names PayHub puts in an outbox or reads from an inbox.
///
/// Letters, digits, `-`, `_` and `.` only, not starting with a dot and not ending in `.part` (those are
/// the staging names), at most 200 characters. The rule keeps names out of shell, sftp-batch and URL
/// quoting problems altogether, and makes path traversal (`../x`) impossible.
enum BankFileName {
    static let stagingSuffix = ".part"
    static let maximumLengthCharacters = 200

    static func isSafe(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maximumLengthCharacters, !name.hasPrefix("."),
            !name.hasSuffix(stagingSuffix)
        else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                true
            default: false
            }
        }
    }

    /// The name a staged file has until it is delivered: hidden from a bank that skips dot-files, and
    /// from one that skips `*.part`.
    static func staged(_ name: String) -> String { "." + name + stagingSuffix }

    /// Where a new staged copy is written before it replaces the staged file in one rename, so a crash in
    /// the middle of re-staging never leaves a torn staged file that a later delivery would send.
    static func staging(_ name: String) -> String { "." + name + ".new" + stagingSuffix }

    static func check(_ name: String, transport: String, operation: String) throws(BankConnectionError) {
        guard isSafe(name) else {
            // The name itself is not echoed: a refused name is by definition one PayHub did not make.
            throw BankConnectionError(
                .invalidFileName, transport: transport, operation: operation,
                detail: "file names are letters, digits, '-', '_' and '.', not starting with '.' or ending in .part")
        }
    }
}
