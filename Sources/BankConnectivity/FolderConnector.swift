import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Host-to-host through two local folders: PayHub writes into the outbox, the bank's agent collects from
/// it and leaves its answers in the inbox.
///
/// - ``stage(_:)`` writes `outbox/.NAME.part` (a name every host-to-host agent skips) and makes it durable
///   (file and directory `fsync`) before returning, so what PayHub records afterwards is never ahead of
///   the disk.
/// - ``deliver(_:)`` renames it to `outbox/NAME` — one atomic step — and makes the rename durable.
/// - ``deliveryState(of:)``: the staged name still there means not delivered; otherwise the file was
///   delivered (and the bank may have collected it already).
/// - ``acknowledge(_:)`` moves the file to `inbox/processed/`, where it stays as evidence.
public struct FolderConnector: BankConnector {
    public let outbox: URL
    public let inbox: URL
    public var transport: String { "folder" }

    /// Where acknowledged files go: a folder inside the inbox, which ``incomingFiles()`` never lists.
    public var processed: URL { inbox.appendingPathComponent("processed", isDirectory: true) }

    public init(outbox: URL, inbox: URL) {
        self.outbox = outbox
        self.inbox = inbox
    }

    public func stage(_ file: OutgoingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "stage")
        let staging = outbox.appendingPathComponent(BankFileName.staging(file.name)).path
        let staged = outbox.appendingPathComponent(BankFileName.staged(file.name)).path
        try writeDurably(file.contents, to: staging, operation: "stage", fileName: file.name)
        // Replacing the staged copy in one rename: a crash while re-staging leaves the old copy or the new
        // one, never half of one that `deliver` could later make visible.
        try posix("stage", file.name) { rename(staging, staged) }
        try syncDirectory(outbox, operation: "stage", fileName: file.name)
    }

    public func deliver(_ file: OutgoingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "deliver")
        let staged = outbox.appendingPathComponent(BankFileName.staged(file.name)).path
        let delivered = outbox.appendingPathComponent(file.name).path
        if !exists(staged) {
            if exists(delivered) { return }
            throw BankConnectionError(
                .notStaged, transport: transport, operation: "deliver", fileName: file.name,
                detail: "neither \(BankFileName.staged(file.name)) nor the file itself is in the outbox")
        }
        try posix("deliver", file.name) { rename(staged, delivered) }
        // Until the directory is synced the rename may not survive a power cut, and PayHub is about to
        // treat the file as sent.
        try syncDirectory(outbox, operation: "deliver", fileName: file.name)
    }

    public func deliveryState(of file: OutgoingBankFile) async throws -> DeliveryState {
        try BankFileName.check(file.name, transport: transport, operation: "delivery_state")
        let staged = outbox.appendingPathComponent(BankFileName.staged(file.name)).path
        return exists(staged) ? .notDelivered : .delivered
    }

    public func incomingFiles() async throws -> [IncomingBankFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: inbox.path)
        } catch {
            throw BankConnectionError(
                .fileSystem, transport: transport, operation: "incoming_files", detail: String(describing: error))
        }
        var files: [IncomingBankFile] = []
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(BankFileName.stagingSuffix) {
            let url = inbox.appendingPathComponent(name)
            // Regular files only: `processed/` and anything else that is not a file the bank left are not
            // PayHub's to read. lstat, so a symbolic link cannot make PayHub read outside the inbox.
            var status = stat()
            guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            do {
                files.append(IncomingBankFile(name: name, contents: try Data(contentsOf: url)))
            } catch {
                throw BankConnectionError(
                    .fileSystem, transport: transport, operation: "incoming_files", fileName: name,
                    detail: String(describing: error))
            }
        }
        return files
    }

    public func acknowledge(_ file: IncomingBankFile) async throws {
        // Only the last path component: an incoming file's name came from the bank.
        guard !file.name.isEmpty, !file.name.contains("/"), file.name != ".", file.name != ".." else {
            throw BankConnectionError(.invalidFileName, transport: transport, operation: "acknowledge")
        }
        let source = inbox.appendingPathComponent(file.name).path
        // Acknowledging twice (a crash after the move, before PayHub noted it) is not an error.
        guard exists(source) else { return }
        do {
            try FileManager.default.createDirectory(at: processed, withIntermediateDirectories: true)
        } catch {
            throw BankConnectionError(
                .fileSystem, transport: transport, operation: "acknowledge", fileName: file.name,
                detail: String(describing: error))
        }
        // A bank that reuses a name must not overwrite the evidence of the earlier file.
        var target = processed.appendingPathComponent(file.name).path
        var attempt = 1
        while exists(target) {
            guard attempt < 10_000 else {
                throw BankConnectionError(
                    .fileSystem, transport: transport, operation: "acknowledge", fileName: file.name,
                    detail: "too many processed files with this name")
            }
            target = processed.appendingPathComponent("\(file.name).\(attempt)").path
            attempt += 1
        }
        try posix("acknowledge", file.name) { rename(source, target) }
        try syncDirectory(processed, operation: "acknowledge", fileName: file.name)
        try syncDirectory(inbox, operation: "acknowledge", fileName: file.name)
    }

    // MARK: - File system

    private func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    private func writeDurably(_ data: Data, to path: String, operation: String, fileName: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw posixError(operation, fileName) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw posixError(operation, fileName)
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw posixError(operation, fileName) }
    }

    private func syncDirectory(_ directory: URL, operation: String, fileName: String) throws {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError(operation, fileName) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw posixError(operation, fileName) }
    }

    private func posix(_ operation: String, _ fileName: String, _ call: () -> Int32) throws {
        guard call() == 0 else { throw posixError(operation, fileName) }
    }

    private func posixError(_ operation: String, _ fileName: String) -> BankConnectionError {
        BankConnectionError(
            .fileSystem, transport: transport, operation: operation, fileName: fileName,
            detail: String(cString: strerror(errno)))
    }
}
