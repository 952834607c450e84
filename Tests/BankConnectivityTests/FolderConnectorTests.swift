import Foundation
import Testing

@testable import BankConnectivity

/// An outbox and an inbox in a fresh temporary folder, removed afterwards.
struct FolderPair {
    let root: URL
    let outbox: URL
    let inbox: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-folder-\(UUID().uuidString)")
        outbox = root.appendingPathComponent("out", isDirectory: true)
        inbox = root.appendingPathComponent("in", isDirectory: true)
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
    }

    var connector: FolderConnector { FolderConnector(outbox: outbox, inbox: inbox) }

    /// What a host-to-host agent that follows the convention would collect: regular files, no dot-files.
    func bankListing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

func sampleFile(_ suffix: String = "A", size: Int = 4096) -> OutgoingBankFile {
    // Every byte value, so a transfer that mangles binary or line endings shows.
    let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    return OutgoingBankFile(name: "PH-MSG\(suffix).xml", messageID: "MSG\(suffix)", contents: Data(bytes))
}

@Suite("Folder connector")
struct FolderConnectorTests {
    @Test func stagedFileIsHiddenFromTheBankAndNotDelivered() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let file = sampleFile()
        try await folders.connector.stage(file)

        #expect(try folders.bankListing().isEmpty)
        #expect(try await folders.connector.deliveryState(of: file) == .notDelivered)
        let staged = folders.outbox.appendingPathComponent(".\(file.name).part")
        #expect(try Data(contentsOf: staged) == file.contents)
        // The temporary name used while staging is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.outbox.path) == [".\(file.name).part"])
    }

    @Test func deliveredFileIsVisibleWithItsBytesIntact() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let file = sampleFile()
        try await folders.connector.stage(file)
        try await folders.connector.deliver(file)

        #expect(try folders.bankListing() == [file.name])
        #expect(try Data(contentsOf: folders.outbox.appendingPathComponent(file.name)) == file.contents)
        #expect(try await folders.connector.deliveryState(of: file) == .delivered)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.outbox.path) == [file.name])
    }

    @Test func fileTheBankTookIsStillDelivered() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let file = sampleFile()
        try await folders.connector.stage(file)
        try await folders.connector.deliver(file)
        try FileManager.default.removeItem(at: folders.outbox.appendingPathComponent(file.name))

        #expect(try await folders.connector.deliveryState(of: file) == .delivered)
    }

    @Test func deliveringTwiceIsANoOp() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let file = sampleFile()
        try await folders.connector.stage(file)
        try await folders.connector.deliver(file)
        let delivered = folders.outbox.appendingPathComponent(file.name)
        let before = try FileManager.default.attributesOfItem(atPath: delivered.path)[.systemFileNumber] as? Int

        try await folders.connector.deliver(file)

        let after = try FileManager.default.attributesOfItem(atPath: delivered.path)[.systemFileNumber] as? Int
        #expect(before != nil && before == after)
        #expect(try folders.bankListing() == [file.name])
    }

    @Test func deliveringAFileNeverStagedThrows() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let file = sampleFile()
        let error = await #expect(throws: BankConnectionError.self) { try await folders.connector.deliver(file) }
        #expect(error?.code == .notStaged)
        #expect(try folders.bankListing().isEmpty)
    }

    @Test func stagingAgainReplacesTheStagedCopy() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        var file = sampleFile()
        try await folders.connector.stage(file)
        file.contents = Data("second".utf8)
        try await folders.connector.stage(file)
        try await folders.connector.deliver(file)
        #expect(try Data(contentsOf: folders.outbox.appendingPathComponent(file.name)) == Data("second".utf8))
    }

    @Test(arguments: ["../escape.xml", "a/b.xml", ".hidden.xml", "x.part", "", "with space.xml"])
    func unsafeNamesAreRefused(name: String) async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let file = OutgoingBankFile(name: name, messageID: "M", contents: Data("x".utf8))
        let error = await #expect(throws: BankConnectionError.self) { try await folders.connector.stage(file) }
        #expect(error?.code == .invalidFileName)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.outbox.path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.root.path).sorted() == ["in", "out"])
    }

    @Test func incomingFilesInNameOrderWithoutDotFilesPartFilesOrFolders() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        for (name, text) in [
            ("c-camt054.xml", "c"), ("a-pain002.xml", "a"), ("b-camt053.xml", "b"), (".hidden", "h"),
            ("d-upload.xml.part", "p"),
        ] {
            try Data(text.utf8).write(to: folders.inbox.appendingPathComponent(name))
        }
        try FileManager.default.createDirectory(
            at: folders.inbox.appendingPathComponent("subfolder"), withIntermediateDirectories: true)

        let files = try await folders.connector.incomingFiles()

        #expect(files.map(\.name) == ["a-pain002.xml", "b-camt053.xml", "c-camt054.xml"])
        #expect(files.map { String(decoding: $0.contents, as: UTF8.self) } == ["a", "b", "c"])
    }

    @Test func acknowledgingMovesTheFileToProcessedAndKeepsIt() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        try Data("report".utf8).write(to: folders.inbox.appendingPathComponent("r1.xml"))
        try Data("other".utf8).write(to: folders.inbox.appendingPathComponent("r2.xml"))
        let first = try #require(try await folders.connector.incomingFiles().first)

        try await folders.connector.acknowledge(first)

        #expect(try await folders.connector.incomingFiles().map(\.name) == ["r2.xml"])
        #expect(
            try Data(contentsOf: folders.connector.processed.appendingPathComponent("r1.xml")) == Data("report".utf8))
        // Twice is harmless (a crash after the move).
        try await folders.connector.acknowledge(first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.connector.processed.path) == ["r1.xml"])
    }

    @Test func aReusedNameDoesNotOverwriteEarlierEvidence() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let name = "status.xml"
        for text in ["first", "second"] {
            try Data(text.utf8).write(to: folders.inbox.appendingPathComponent(name))
            let file = try #require(try await folders.connector.incomingFiles().first)
            try await folders.connector.acknowledge(file)
        }
        let processed = folders.connector.processed
        #expect(try FileManager.default.contentsOfDirectory(atPath: processed.path).sorted() == [name, name + ".1"])
        #expect(try Data(contentsOf: processed.appendingPathComponent(name)) == Data("first".utf8))
        #expect(try Data(contentsOf: processed.appendingPathComponent(name + ".1")) == Data("second".utf8))
    }

    @Test func aMissingOutboxIsAFileSystemError() async throws {
        let folders = try FolderPair()
        defer { folders.remove() }
        let connector = FolderConnector(outbox: folders.root.appendingPathComponent("missing"), inbox: folders.inbox)
        let error = await #expect(throws: BankConnectionError.self) { try await connector.stage(sampleFile()) }
        #expect(error?.code == .fileSystem)
        #expect(error?.debugDescription.contains("No such file") == true)
    }
}
