import Foundation
import Logging

/// Host-to-host over SFTP, through the system's OpenSSH `sftp` client in batch mode.
///
/// The same staging protocol as ``FolderConnector``, on the bank's server: `put` to `OUTBOX/.NAME.part`
/// (through a second hidden name, so re-staging replaces the staged copy in one rename), `rename` to
/// `OUTBOX/NAME` to deliver, `ls -1a` of the outbox to tell which side of the rename a file is on.
/// Incoming files are fetched with `get` into a private temporary folder; acknowledging renames them into
/// the inbox's `processed/` folder, or removes them if so configured.
///
/// Why the system client rather than an SSH library: it is what banks' own instructions are written for,
/// it reads the same known-hosts and key files an operator tests with by hand, and it keeps a large
/// cryptographic protocol implementation out of PayHub.
///
/// No secret ever appears on the command line (where `ps` would show it): the key is a file named by
/// `-i`, the host key is checked against a known-hosts file, and commands go to sftp's standard input.
public struct SFTPConnector: BankConnector {
    /// One SFTP connection to one bank.
    public struct Configuration: Sendable, Hashable {
        /// What to do with an incoming file once PayHub has stored it.
        public enum Acknowledgement: String, Sendable, Hashable, CaseIterable {
            /// Rename it into the remote inbox's `processed/` folder (the default: it stays as evidence).
            case move
            /// Remove it, for banks whose inbox does not allow folders.
            case delete
        }

        public var host: String
        public var port: Int
        public var user: String
        /// The private key, a file readable by PayHub only (ssh refuses one others can read).
        public var identityFile: String
        /// The bank's host key(s), in OpenSSH known-hosts format.
        public var knownHostsFile: String
        /// The remote folder PayHub uploads to.
        public var outbox: String
        /// The remote folder the bank leaves its files in.
        public var inbox: String
        public var acknowledgement: Acknowledgement
        /// Accepts and records a host key the known-hosts file does not have yet (`StrictHostKeyChecking
        /// accept-new`). For tests and first set-up only; a changed key is refused either way.
        public var acceptsNewHostKey: Bool
        /// The OpenSSH client binary.
        public var sftpExecutable: String
        public var connectTimeoutSeconds: Int
        /// The longest one sftp session may take before it is terminated.
        public var sessionTimeoutSeconds: Int

        public init(
            host: String, port: Int = 22, user: String, identityFile: String, knownHostsFile: String,
            outbox: String, inbox: String, acknowledgement: Acknowledgement = .move, acceptsNewHostKey: Bool = false,
            sftpExecutable: String = "/usr/bin/sftp", connectTimeoutSeconds: Int = 30, sessionTimeoutSeconds: Int = 600
        ) {
            self.host = host
            self.port = port
            self.user = user
            self.identityFile = identityFile
            self.knownHostsFile = knownHostsFile
            self.outbox = outbox
            self.inbox = inbox
            self.acknowledgement = acknowledgement
            self.acceptsNewHostKey = acceptsNewHostKey
            self.sftpExecutable = sftpExecutable
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.sessionTimeoutSeconds = sessionTimeoutSeconds
        }

        /// The sftp command line: every option explicit, so the behaviour does not depend on whatever
        /// `~/.ssh/config` says about strictness; the batch itself comes on standard input (`-b -`), which
        /// also makes sftp stop at the first failing command.
        public var arguments: [String] {
            [
                "-b", "-",
                // Not `-q`: it silences ssh's own errors ("Host key verification failed.") too.
                "-o", "LogLevel=ERROR",
                "-i", identityFile,
                "-P", String(port),
                "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=\(knownHostsFile)",
                "-o", "StrictHostKeyChecking=\(acceptsNewHostKey ? "accept-new" : "yes")",
                "-o", "ConnectTimeout=\(connectTimeoutSeconds)",
                // A bank server that stops answering mid-transfer is noticed within a minute.
                "-o", "ServerAliveInterval=15",
                "-o", "ServerAliveCountMax=4",
                "-o", "User=\(user)",
                "--",
                // An IPv6 literal needs brackets, or sftp reads its colons as `host:path`.
                host.contains(":") ? "[\(host)]" : host,
            ]
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    public var transport: String { "sftp" }

    public init(_ configuration: Configuration, logger: Logger = Logger(label: "payhub.bank-connectivity.sftp")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func stage(_ file: OutgoingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "stage")
        try await withLocalDirectory(operation: "stage") { local in
            let upload = local.appendingPathComponent(file.name)
            do {
                try file.contents.write(to: upload)
            } catch {
                throw BankConnectionError(
                    .fileSystem, transport: transport, operation: "stage", fileName: file.name,
                    detail: String(describing: error))
            }
            let staging = remote(configuration.outbox, BankFileName.staging(file.name))
            let staged = remote(configuration.outbox, BankFileName.staged(file.name))
            // `put` then `rename`: OpenSSH servers rename with posix-rename@openssh.com, which replaces the
            // staged copy atomically; a server without it refuses to replace, which fails loudly (safe).
            _ = try await session(
                [
                    "-rm " + quoted(staging),
                    "put " + quoted(upload.path) + " " + quoted(staging),
                    "rename " + quoted(staging) + " " + quoted(staged),
                ], operation: "stage", fileName: file.name)
        }
    }

    public func deliver(_ file: OutgoingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "deliver")
        let staged = BankFileName.staged(file.name)
        do {
            _ = try await session(
                [
                    "rename " + quoted(remote(configuration.outbox, staged)) + " "
                        + quoted(remote(configuration.outbox, file.name))
                ],
                operation: "deliver", fileName: file.name)
        } catch let renameError {
            // The rename failed, or its answer was lost: the listing says which. Only one session in the
            // usual case, and never a second rename of a file the bank may already be reading.
            let names = try await outboxNames(operation: "deliver", fileName: file.name)
            if names.contains(staged) { throw renameError }
            if names.contains(file.name) { return }
            throw BankConnectionError(
                .notStaged, transport: transport, operation: "deliver", fileName: file.name,
                detail: "neither \(staged) nor the file itself is in the remote outbox")
        }
    }

    public func deliveryState(of file: OutgoingBankFile) async throws -> DeliveryState {
        try BankFileName.check(file.name, transport: transport, operation: "delivery_state")
        let names = try await outboxNames(operation: "delivery_state", fileName: file.name)
        return names.contains(BankFileName.staged(file.name)) ? .notDelivered : .delivered
    }

    public func incomingFiles() async throws -> [IncomingBankFile] {
        let listing = try await session(
            ["cd " + quoted(configuration.inbox), "ls -lan"], operation: "incoming_files", fileName: nil)
        let names = Self.regularFileNames(inLongListing: listing, logger: logger)
        guard !names.isEmpty else { return [] }
        return try await withLocalDirectory(operation: "incoming_files") { local in
            _ = try await session(
                ["lcd " + quoted(local.path), "cd " + quoted(configuration.inbox)] + names.map { "get " + $0 },
                operation: "incoming_files", fileName: nil)
            return try names.map { name in
                do {
                    return IncomingBankFile(
                        name: name, contents: try Data(contentsOf: local.appendingPathComponent(name)))
                } catch {
                    throw BankConnectionError(
                        .fileSystem, transport: transport, operation: "incoming_files", fileName: name,
                        detail: String(describing: error))
                }
            }
        }
    }

    public func acknowledge(_ file: IncomingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "acknowledge")
        let source = remote(configuration.inbox, file.name)
        let commands: [String] =
            switch configuration.acknowledgement {
            case .move:
                [
                    "-mkdir " + quoted(remote(configuration.inbox, "processed")),
                    "rename " + quoted(source) + " " + quoted(remote(configuration.inbox, "processed/" + file.name)),
                ]
            case .delete:
                ["rm " + quoted(source)]
            }
        do {
            _ = try await session(commands, operation: "acknowledge", fileName: file.name)
        } catch let acknowledgeError {
            // Acknowledging twice (a crash after the rename, before PayHub noted it) is not an error.
            let listing = try await session(
                ["cd " + quoted(configuration.inbox), "ls -1a"], operation: "acknowledge", fileName: file.name)
            if Self.names(inShortListing: listing).contains(file.name) { throw acknowledgeError }
        }
    }

    // MARK: - Sessions

    private func outboxNames(operation: String, fileName: String?) async throws -> Set<String> {
        let listing = try await session(
            ["cd " + quoted(configuration.outbox), "ls -1a"], operation: operation, fileName: fileName)
        return Self.names(inShortListing: listing)
    }

    /// Runs one sftp session with `commands` as its batch; returns what the commands printed.
    private func session(_ commands: [String], operation: String, fileName: String?) async throws -> String {
        let batch = commands.joined(separator: "\n") + "\n"
        logger.debug(
            "sftp session", metadata: ["operation": "\(operation)", "host": "\(configuration.host)"])
        let output: ProcessOutput
        do {
            output = try await withLocalDirectory(operation: operation) { work in
                try await ProcessRunner.run(
                    executable: configuration.sftpExecutable, arguments: configuration.arguments,
                    input: Data(batch.utf8),
                    // Messages in English whatever the server's locale, so an operator can search them.
                    environment: ProcessInfo.processInfo.environment.merging(["LC_ALL": "C"]) { _, new in new },
                    workDirectory: work, timeoutSeconds: configuration.sessionTimeoutSeconds)
            }
        } catch let error as BankConnectionError {
            throw error
        } catch {
            throw BankConnectionError(
                .processFailed, transport: transport, operation: operation, fileName: fileName,
                detail: "could not start \(configuration.sftpExecutable): \(error)")
        }
        if output.timedOut {
            throw BankConnectionError(
                .processFailed, transport: transport, operation: operation, fileName: fileName,
                detail: "sftp did not finish within \(configuration.sessionTimeoutSeconds) seconds")
        }
        guard output.status == 0 else {
            throw BankConnectionError(
                .remoteCommandFailed, transport: transport, operation: operation, fileName: fileName,
                detail: "sftp exited with status \(output.status): \(output.standardErrorText)")
        }
        return String(decoding: output.standardOutput, as: UTF8.self)
    }

    /// A private local folder for one transfer, removed afterwards whatever happens.
    private func withLocalDirectory<T>(operation: String, _ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("payhub-sftp-" + UUID().uuidString, isDirectory: true)
        do {
            // 0700: incoming bank files are payment data.
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BankConnectionError(
                .fileSystem, transport: transport, operation: operation, detail: String(describing: error))
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    private func remote(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// sftp's own argument quoting. Configured folders cannot contain `"`, `\` or control characters
    /// (``BankConnectionSettings`` refuses them) and file names are letters, digits, `-`, `_`, `.`.
    private func quoted(_ path: String) -> String { "\"" + path + "\"" }

    // MARK: - Listings

    /// The names `ls -1a` printed. In batch mode sftp echoes each command as `sftp> …`; those lines go,
    /// and so does its `Connected to HOST.` banner (no file PayHub stages or delivers contains a space).
    static func names(inShortListing listing: String) -> Set<String> {
        Set(
            listing.split(whereSeparator: \.isNewline)
                .filter { !$0.hasPrefix("sftp>") && !$0.hasPrefix("Connected to ") }
                .map { line in
                    // `ls` of the current folder prints bare names; strip a leading `./` some servers add.
                    let name = line.hasPrefix("./") ? line.dropFirst(2) : Substring(line)
                    return String(name)
                })
    }

    /// The regular files of an `ls -lan` listing (`-n`: the client formats every line itself, with numeric
    /// ids, so the layout does not depend on the server), in name order, without dot-files, `*.part` and
    /// names PayHub will not handle (those are logged and left where they are).
    static func regularFileNames(inLongListing listing: String, logger: Logger) -> [String] {
        var names: [String] = []
        for line in listing.split(whereSeparator: \.isNewline) where !line.hasPrefix("sftp>") {
            // mode, links, uid, gid, size, month, day, time or year, name.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let mode = fields.first, mode.hasPrefix("-") else { continue }
            let name = fields.count == 9 ? String(fields[8]) : ""
            if name.hasPrefix(".") || name.hasSuffix(BankFileName.stagingSuffix) { continue }
            guard BankFileName.isSafe(name) else {
                logger.warning(
                    "skipped an incoming file whose name PayHub does not accept", metadata: ["transport": "sftp"])
                continue
            }
            names.append(name)
        }
        return names.sorted()
    }
}
