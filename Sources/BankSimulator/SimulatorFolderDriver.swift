import Foundation

/// Feeds a ``BankSimulator`` from an incoming directory: a folder drop, or an SFTP drop (sshd writes into
/// a directory too). The server calls ``pollOnce(now:)`` in a loop.
public struct SimulatorFolderDriver: Sendable {
    public let simulator: BankSimulator
    public let incomingDirectory: URL
    public let transport: SimulatorTransport

    public init(simulator: BankSimulator, incomingDirectory: URL, transport: SimulatorTransport = .folder) {
        self.simulator = simulator
        self.incomingDirectory = incomingDirectory
        self.transport = transport
    }

    /// Receives every file in the incoming directory, in name order, and moves each into the state
    /// directory's archive. Dot-files and names ending in `.part` are a sender's files still being
    /// written, and are left alone. A file is archived only after the simulator has answered it, so a
    /// crash in between makes it come again, as a duplicate of itself.
    /// - Returns: the receipts, in the order the files were taken.
    @discardableResult
    public func pollOnce(now: Date = Date()) async throws(BankSimulatorError) -> [SimulatorReceipt] {
        let names: [String]
        do {
            try FileManager.default.createDirectory(at: incomingDirectory, withIntermediateDirectories: true)
            names = try FileManager.default.contentsOfDirectory(atPath: incomingDirectory.path)
        } catch {
            throw BankSimulatorError(.io, at: "incoming", "cannot list the incoming directory", detail: "\(error)")
        }
        var receipts: [SimulatorReceipt] = []
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(".part") {
            let file = incomingDirectory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            let contents: Data
            do {
                contents = try Data(contentsOf: file)
            } catch {
                throw BankSimulatorError(.io, at: name, "cannot read an incoming file", detail: "\(error)")
            }
            receipts.append(
                try await simulator.receive(fileName: name, contents: contents, transport: transport, now: now))
            try await simulator.archive(file)
        }
        return receipts
    }
}
