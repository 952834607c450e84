import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real OpenSSH server on 127.0.0.1 for one test: its own host key, its own client key, its own port,
/// everything in a temporary folder that ``stop()`` removes.
///
/// The client side is ready to use: ``knownHostsFile`` already holds the server's host key, so clients
/// can keep `StrictHostKeyChecking=yes`, and ``identityFile`` is the only key the server accepts.
/// Nothing is skipped: when sshd cannot start, ``start()`` throws with sshd's own words.
public final class TestSSHServer: Sendable {
    public let port: Int
    /// The temporary folder holding keys, configuration and log; tests may make remote folders in it too.
    public let directory: URL
    public let identityFile: String
    public let knownHostsFile: String
    /// The account the tests log in as: the one running them.
    public let user: String
    private let process: LockedProcess

    public static let sshdPath = "/usr/sbin/sshd"
    public static let sshKeygenPath = "/usr/bin/ssh-keygen"

    private init(port: Int, directory: URL, user: String, process: LockedProcess) {
        self.port = port
        self.directory = directory
        self.identityFile = directory.appendingPathComponent("client_ed25519").path
        self.knownHostsFile = directory.appendingPathComponent("known_hosts").path
        self.user = user
        self.process = process
    }

    /// Runs `body` with a started server and stops it afterwards, whether `body` throws or not.
    public static func with<T>(_ body: (TestSSHServer) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            server.stop()
            return result
        } catch {
            server.stop()
            throw error
        }
    }

    /// Generates keys, writes `sshd_config` and starts `sshd -D -e` on a free loopback port, returning
    /// once sshd says it is listening.
    public static func start() async throws -> TestSSHServer {
        guard FileManager.default.isExecutableFile(atPath: sshdPath) else {
            throw TestSSHServerError("\(sshdPath) is missing: install the Debian package openssh-server")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("payhub-sshd-" + UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            // sshd refuses to start without its privilege-separation folder.
            try FileManager.default.createDirectory(
                atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            let hostKey = directory.appendingPathComponent("host_ed25519").path
            let clientKey = directory.appendingPathComponent("client_ed25519").path
            try run(sshKeygenPath, ["-q", "-t", "ed25519", "-N", "", "-C", "payhub-test-host", "-f", hostKey])
            try run(sshKeygenPath, ["-q", "-t", "ed25519", "-N", "", "-C", "payhub-test-client", "-f", clientKey])
            try FileManager.default.copyItem(
                atPath: clientKey + ".pub", toPath: directory.appendingPathComponent("authorized_keys").path)
            let user = currentUserName()

            // A port picked free can be taken before sshd binds it; another one is tried then.
            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = try freeLoopbackPort()
                do {
                    let process = try await launch(directory: directory, hostKey: hostKey, port: port)
                    let hostPublicKey = try String(contentsOfFile: hostKey + ".pub", encoding: .utf8)
                        .split(separator: " ").prefix(2).joined(separator: " ")
                    try "[127.0.0.1]:\(port) \(hostPublicKey)\n".write(
                        toFile: directory.appendingPathComponent("known_hosts").path, atomically: true,
                        encoding: .utf8)
                    return TestSSHServer(port: port, directory: directory, user: user, process: process)
                } catch let error as TestSSHServerError where error.message.contains("Address already in use") {
                    lastError = error
                }
            }
            throw lastError ?? TestSSHServerError("no free port")
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Stops sshd and removes the temporary folder.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// What sshd logged so far, for a failing test's message.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("sshd.log"), encoding: .utf8)) ?? ""
    }

    private static func launch(directory: URL, hostKey: String, port: Int) async throws -> LockedProcess {
        let configuration = directory.appendingPathComponent("sshd_config")
        let logFile = directory.appendingPathComponent("sshd.log")
        try """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(hostKey)
        PidFile \(directory.appendingPathComponent("sshd.pid").path)
        AuthorizedKeysFile \(directory.appendingPathComponent("authorized_keys").path)
        UsePAM no
        StrictModes no
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        Subsystem sftp internal-sftp
        LogLevel VERBOSE

        """.write(to: configuration, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)

        // Through a shell that waits for sshd, not sshd itself: sshd closes every inherited descriptor at
        // start, including the one Foundation's Process watches to learn that a child ended. Foundation
        // would then wait for sshd on its only monitoring thread, and no other child (sftp) would ever be
        // reaped again. The shell keeps that descriptor and notes sshd's pid, which `stop()` signals.
        let childPIDFile = directory.appendingPathComponent("sshd.child.pid")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "\"$0\" -D -e -f \"$1\" & echo $! > \"$2\"; wait $!",
            sshdPath, configuration.path, childPIDFile.path,
        ]
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try await runWithDefaultSignalMask(process)
        let locked = LockedProcess(process, childPIDFile: childPIDFile)

        // sshd prints "Server listening on 127.0.0.1 port N." once it accepts connections.
        for _ in 0..<200 {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            if text.contains("Server listening on 127.0.0.1 port \(port)") { return locked }
            if !locked.isRunning {
                throw TestSSHServerError("sshd exited with status \(locked.terminationStatus): \(text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        locked.stop()
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw TestSSHServerError("sshd did not start listening within 10 seconds: \(text)")
    }

    /// Starts `process` from a thread of its own that blocks no signals. A child inherits the signal mask
    /// of the thread that spawns it, and the threads Swift concurrency and Dispatch run on block SIGCHLD
    /// and SIGTERM: the shell would never see sshd end (its `wait` waits for SIGCHLD) nor be stopped.
    private static func runWithDefaultSignalMask(_ process: Process) async throws {
        let box = UncheckedBox(process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                var empty = sigset_t()
                sigemptyset(&empty)
                pthread_sigmask(SIG_SETMASK, &empty, nil)
                do {
                    try box.value.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSSHServerError("\(executable) failed with status \(process.terminationStatus): \(text)")
        }
    }

    private static func currentUserName() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }

    /// Binds port 0 on 127.0.0.1, reads the port the kernel chose and lets it go again.
    private static func freeLoopbackPort() throws -> Int {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw TestSSHServerError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw TestSSHServerError("bind() on 127.0.0.1 failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw TestSSHServerError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Why the test SSH server could not be started; the message quotes sshd or ssh-keygen.
public struct TestSSHServerError: Error, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { "test sshd: \(message)" }
}

/// Hands a value that is not Sendable to the one thread that uses it next.
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The shell that runs sshd, used from whichever task stops the server.
private final class LockedProcess: @unchecked Sendable {
    // Process is not Sendable; every use goes through this lock.
    private let lock = NSLock()
    private let process: Process
    private let childPIDFile: URL

    init(_ process: Process, childPIDFile: URL) {
        self.process = process
        self.childPIDFile = childPIDFile
    }

    var isRunning: Bool { lock.withLock { process.isRunning } }
    var terminationStatus: Int32 { lock.withLock { process.terminationStatus } }

    /// Stops sshd (the shell ends with it), then kills both outright if they are still there after a few
    /// seconds. SIGKILL for the shell: it cannot be blocked.
    func stop() {
        let sshd =
            (try? String(contentsOf: childPIDFile, encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .flatMap { $0 > 1 ? $0 : nil }
        if let sshd { kill(sshd, SIGTERM) }
        for _ in 0..<100 {
            if !isRunning { return }
            usleep(50_000)
        }
        if let sshd { kill(sshd, SIGKILL) }
        let shell = lock.withLock { process.processIdentifier }
        kill(shell, SIGKILL)
        process.waitUntilExit()
    }
}
