import Foundation

/// The simulator's files: reports in the outgoing directory; state, kept answers, the log and the
/// archive in the state directory. Every file appears whole or not at all (written as `.NAME.part`,
/// fsynced, renamed), so a reader polling the outgoing directory never sees half a report.
struct SimulatorStore: Sendable {
    let stateDirectory: URL
    let outgoingDirectory: URL

    var stateFile: URL { stateDirectory.appendingPathComponent("state.json") }
    var logFile: URL { stateDirectory.appendingPathComponent("received.jsonl") }
    var answersDirectory: URL { stateDirectory.appendingPathComponent("answers") }
    var archiveDirectory: URL { stateDirectory.appendingPathComponent("archive") }

    init(stateDirectory: URL, outgoingDirectory: URL) throws(BankSimulatorError) {
        self.stateDirectory = stateDirectory
        self.outgoingDirectory = outgoingDirectory
        for directory in [stateDirectory, outgoingDirectory, answersDirectory, archiveDirectory] {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw BankSimulatorError(
                    .io, at: directory.lastPathComponent, "cannot create a directory", detail: "\(error)")
            }
        }
    }

    // MARK: state

    func loadState() throws(BankSimulatorError) -> SimulatorState? {
        guard FileManager.default.fileExists(atPath: stateFile.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: stateFile)
        } catch {
            throw BankSimulatorError(.io, at: "state.json", "cannot read the saved state", detail: "\(error)")
        }
        do {
            return try JSONDecoder().decode(SimulatorState.self, from: data)
        } catch {
            throw BankSimulatorError(
                .corruptState, at: "state.json", "the saved state cannot be read", detail: "\(error)")
        }
    }

    func saveState(_ state: SimulatorState) throws(BankSimulatorError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data: Data
        do {
            data = try encoder.encode(state)
        } catch {
            throw BankSimulatorError(.io, at: "state.json", "cannot encode the state", detail: "\(error)")
        }
        try Self.writeAtomically(data, to: stateFile)
    }

    // MARK: reports and answers

    func writeReport(_ data: Data, named name: String) throws(BankSimulatorError) {
        try Self.writeAtomically(data, to: outgoingDirectory.appendingPathComponent(name))
    }

    func keepAnswer(_ data: Data, named name: String) throws(BankSimulatorError) {
        try Self.writeAtomically(data, to: answersDirectory.appendingPathComponent(name))
    }

    func answer(named name: String) throws(BankSimulatorError) -> Data {
        do {
            return try Data(contentsOf: answersDirectory.appendingPathComponent(name))
        } catch {
            throw BankSimulatorError(
                .corruptState, at: "answers/" + name, "a kept pain.002 is missing", detail: "\(error)")
        }
    }

    /// The reports' names in the order they were written (their names start with a sequence number).
    func reportNames() throws(BankSimulatorError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: outgoingDirectory.path)
        } catch {
            throw BankSimulatorError(.io, at: "outgoing", "cannot list the outgoing directory", detail: "\(error)")
        }
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".part") }.sorted()
    }

    func report(named name: String) throws(BankSimulatorError) -> Data {
        let url = try reportURL(name)
        do {
            return try Data(contentsOf: url)
        } catch {
            throw BankSimulatorError(.unknownReport, at: name, "no such report", detail: "\(error)")
        }
    }

    func removeReport(named name: String) throws(BankSimulatorError) {
        let url = try reportURL(name)
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw BankSimulatorError(.unknownReport, at: name, "no such report", detail: "\(error)")
        }
    }

    /// Only a plain name of a report that exists: no path, no dot-file, no staged `.part`.
    private func reportURL(_ name: String) throws(BankSimulatorError) -> URL {
        guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), !name.hasPrefix("."), !name.hasSuffix(".part")
        else {
            throw BankSimulatorError(.unknownReport, at: "name", "not a report's name")
        }
        let url = outgoingDirectory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw BankSimulatorError(.unknownReport, at: name, "no such report")
        }
        return url
    }

    // MARK: log

    func appendLog(_ lines: [LogLine]) throws(BankSimulatorError) {
        guard !lines.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        do {
            for line in lines {
                data.append(try encoder.encode(line))
                data.append(0x0A)
            }
        } catch {
            throw BankSimulatorError(.io, at: "received.jsonl", "cannot encode a log line", detail: "\(error)")
        }
        do {
            if !FileManager.default.fileExists(atPath: logFile.path) {
                guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
                    throw CocoaError(.fileWriteNoPermission)
                }
            }
            let handle = try FileHandle(forWritingTo: logFile)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw BankSimulatorError(.io, at: "received.jsonl", "cannot append to the log", detail: "\(error)")
        }
    }

    // MARK: archive

    /// Moves a received file into the archive under its own name, numbered when that name is taken
    /// (a sender may send a file of the same name again).
    func archive(_ file: URL) throws(BankSimulatorError) {
        let name = file.lastPathComponent
        var target = archiveDirectory.appendingPathComponent(name)
        var number = 1
        while FileManager.default.fileExists(atPath: target.path) {
            number += 1
            target = archiveDirectory.appendingPathComponent("\(name).\(number)")
        }
        do {
            try FileManager.default.moveItem(at: file, to: target)
        } catch {
            throw BankSimulatorError(.io, at: name, "cannot move the file to the archive", detail: "\(error)")
        }
    }

    // MARK: writing

    /// Writes `.NAME.part` next to the target, fsyncs it, renames it over the target, and fsyncs the
    /// directory so that the rename survives a power cut.
    static func writeAtomically(_ data: Data, to url: URL) throws(BankSimulatorError) {
        let directory = url.deletingLastPathComponent()
        let staged = directory.appendingPathComponent(".\(url.lastPathComponent).part")
        do {
            guard FileManager.default.createFile(atPath: staged.path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission)
            }
            let handle = try FileHandle(forWritingTo: staged)
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(staged.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: staged)
            throw BankSimulatorError(.io, at: url.lastPathComponent, "cannot write the file", detail: "\(error)")
        }
        let descriptor = open(directory.path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}
