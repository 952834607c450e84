import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a finished child process said.
struct ProcessOutput: Sendable {
    var status: Int32
    var standardOutput: Data
    var standardError: Data
    var timedOut: Bool

    var standardErrorText: String {
        String(decoding: standardError, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Runs one program to completion with Foundation's `Process`, without blocking a thread while it runs.
///
/// Standard input, output and error are files in `workDirectory` rather than pipes: nothing has to drain
/// a pipe while the child runs (a child that fills one pipe while the parent waits on the other hangs
/// both), and the end is signalled by the termination handler alone. The child is terminated when
/// `timeoutSeconds` pass or the calling task is cancelled.
enum ProcessRunner {
    static func run(
        executable: String, arguments: [String], input: Data, environment: [String: String]? = nil,
        workDirectory: URL, timeoutSeconds: Int
    ) async throws -> ProcessOutput {
        let inputFile = workDirectory.appendingPathComponent("stdin")
        let outputFile = workDirectory.appendingPathComponent("stdout")
        let errorFile = workDirectory.appendingPathComponent("stderr")
        try input.write(to: inputFile)
        for file in [outputFile, errorFile] { try Data().write(to: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let standardInput = try FileHandle(forReadingFrom: inputFile)
        let standardOutput = try FileHandle(forWritingTo: outputFile)
        let standardError = try FileHandle(forWritingTo: errorFile)
        defer {
            try? standardInput.close()
            try? standardOutput.close()
            try? standardError.close()
        }
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        process.standardError = standardError

        let state = RunState()
        let status: Int32 = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { finished in
                    state.finish()
                    continuation.resume(returning: finished.terminationStatus)
                }
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                state.started(process)
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeoutSeconds)) {
                    if state.terminate() { state.markTimedOut() }
                }
            }
        } onCancel: {
            _ = state.terminate()
        }
        return ProcessOutput(
            status: status, standardOutput: (try? Data(contentsOf: outputFile)) ?? Data(),
            standardError: (try? Data(contentsOf: errorFile)) ?? Data(), timedOut: state.timedOut)
    }
}

/// The running child, shared by the termination handler, the time-out and cancellation.
private final class RunState: @unchecked Sendable {
    // Process is not Sendable; every use after `run()` goes through this lock.
    private let lock = NSLock()
    private var process: Process?
    private var finished = false
    private var cancelledEarly = false
    private var timedOutFlag = false

    func started(_ process: Process) {
        let terminateNow = lock.withLock {
            self.process = process
            return cancelledEarly && !finished
        }
        if terminateNow { kill(process.processIdentifier, SIGKILL) }
    }

    func finish() { lock.withLock { finished = true } }

    /// Terminates the child if it still runs; true when it did.
    func terminate() -> Bool {
        lock.withLock {
            guard !finished else { return false }
            guard let process else {
                cancelledEarly = true
                return false
            }
            // SIGKILL, not Process.terminate(): a child spawned from one of Foundation's threads may inherit a
            // signal mask with SIGTERM blocked, and a hung session must end whatever it blocks.
            kill(process.processIdentifier, SIGKILL)
            return true
        }
    }

    func markTimedOut() { lock.withLock { timedOutFlag = true } }
    var timedOut: Bool { lock.withLock { timedOutFlag } }
}
