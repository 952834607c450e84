import Foundation
import PayHubTesting
import Testing

/// The whole way of a payment, between real processes: demo payables approved, planned into files,
/// handed to `payhub bank-sim` by each transport, answered with pain.002, booked in camt.054 and camt.053,
/// some rejected and some returned, until PayHub's states agree with the bank's log.
@Suite("Execution end to end: PayHub and the bank simulator", .serialized)
struct ExecutionFlowTests {
    enum Transport: String, CaseIterable, CustomTestStringConvertible {
        case folder, sftp, api
        var testDescription: String { rawValue }
    }

    @Test("approved payments reach the bank once, and PayHub's states match the bank's log", arguments: Transport.allCases)
    func flow(transport: Transport) async throws {
        let world = try ExecutionWorld()
        defer { world.remove() }
        try world.seed(approvedPayments: 40)
        // Pending demo payments are approved by people, through the policy, as the flow begins.
        try approvePending(world)
        try world.configureBank(rejectionPerMille: 150, returnPerMille: 150)
        let listed = try world.run(["payment", "list", "--state", "approved", "--json"]).output
        let approvedAtStart = Set(
            (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? [])
                .compactMap { $0["end_to_end_id"] as? String })
        #expect(approvedAtStart.count >= 46, "40 loaded, 2 approved by the demo, 4 approved above")
        try await TransportSetup.start(transport, in: world)
        try world.startServer()
        try await waitUntilHealthy("http://127.0.0.1:\(world.port)/healthz")

        // Every approved payment reached the bank exactly once and PayHub agrees with what the bank did,
        // returns (which come a simulated day later) included.
        try await world.wait("PayHub to agree with the bank", seconds: 90) {
            let outcomes = BankOutcomes(try world.bankLog())
            guard Set(outcomes.receipts.keys).isSuperset(of: approvedAtStart), !outcomes.returned.isEmpty else { return false }
            let states = try await world.paymentStates()
            return approvedAtStart.allSatisfy { states[$0] == outcomes.expectedState($0) }
        }
        let outcomes = BankOutcomes(try world.bankLog())
        #expect(outcomes.receipts.filter { $0.value != 1 }.isEmpty, "no end-to-end id reached the bank twice")
        #expect(Set(outcomes.receipts.keys) == approvedAtStart, "only approved payments were sent")
        let states = try await world.paymentStates()
        let finals = Dictionary(grouping: approvedAtStart, by: { states[$0] ?? "?" }).mapValues(\.count)
        print("execution e2e \(transport): \(finals), bank received \(outcomes.receipts.count)")
        #expect(finals["settled", default: 0] > 0 && finals["failed", default: 0] > 0 && finals["returned", default: 0] > 0, "\(finals)")
        let received = try world.bankLog().filter { $0["event"] as? String == "received" }
        #expect(received.allSatisfy { $0["transport"] as? String == TransportSetup.simulatorTransport(transport) })
    }

    /// Approves the demo's pending payments as its approvers would, through `payhub payment approve`.
    func approvePending(_ world: ExecutionWorld) throws {
        let listed = try world.run(["payment", "list", "--state", "pending_approval", "--json"]).output
        let pending = (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? [])
            .compactMap { $0["id"] as? String }
        #expect(!pending.isEmpty, "the demo leaves payments waiting for approval")
        for id in pending {
            for approver in ["lukas.braun", "anna.schmidt", "ben.wagner", "chen.jing", "wang.fang"] {
                if try world.cli.run(["payment", "approve", id, "--as", approver]).output.contains("every step of its chain is done") {
                    break
                }
            }
        }
    }
}

/// How each transport is set up between PayHub and the simulator.
enum TransportSetup {
    static func simulatorTransport(_ transport: ExecutionFlowTests.Transport) -> String {
        switch transport {
        case .folder: "folder"
        case .sftp: "sftp"
        case .api: "http"
        }
    }

    static func start(_ transport: ExecutionFlowTests.Transport, in world: ExecutionWorld) async throws {
        switch transport {
        case .folder:
            let outbox = world.path("h2h/to-bank")
            let inbox = world.path("h2h/from-bank")
            try world.startBank(["--drop", "folder:\(outbox)", "--day-length-seconds", "3"], reports: inbox)
            try world.connect(#"{"transport": "folder", "folder": {"outbox": "\#(outbox)", "inbox": "\#(inbox)"}}"#)
        case .sftp:
            // A real OpenSSH server on loopback; the bank takes files from the upload folder sshd writes
            // into, and leaves its reports in the download folder PayHub fetches from.
            let server = try await TestSSHServer.start()
            world.onRemove.append { server.stop() }
            let upload = world.path("sftp/upload")
            let download = world.path("sftp/download")
            for folder in [upload, download] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try world.startBank(["--drop", "sftp:\(upload)", "--day-length-seconds", "3"], reports: download)
            try world.connect(
                #"""
                {"transport": "sftp", "sftp": {"host": "127.0.0.1", "port": \#(server.port), "user": "\#(server.user)",
                 "identity_file": "\#(server.identityFile)", "known_hosts_file": "\#(server.knownHostsFile)",
                 "outbox": "\#(upload)", "inbox": "\#(download)"}}
                """#)
        case .api:
            // The bank's HTTPS API with a certificate of its own, which PayHub trusts by a CA file.
            try run(
                "/usr/bin/openssl",
                ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", world.path("bank-key.pem"), "-out",
                 world.path("bank-cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
            try Data("sim-token-\(UUID().uuidString)".utf8).write(to: URL(fileURLWithPath: world.path("bank.token")))
            let port = try freePort()
            try world.startBank(
                ["--http-port", String(port), "--token-file", world.path("bank.token"), "--tls-certificate",
                 world.path("bank-cert.pem"), "--tls-key", world.path("bank-key.pem"), "--day-length-seconds", "3"],
                reports: world.path("bank-reports"))
            try await waitForListener(port)
            try world.connect(
                #"""
                {"transport": "api", "api": {"base_url": "https://127.0.0.1:\#(port)", "bearer_token_file": "\#(world.path("bank.token"))",
                 "ca_certificate_file": "\#(world.path("bank-cert.pem"))", "trust_system_roots": false}}
                """#)
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("\(executable) exited \(process.terminationStatus)") }
    }

    /// Waits until something accepts TCP connections on the loopback port.
    static func waitForListener(_ port: Int) async throws {
        for _ in 0..<100 {
            let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(socket)
            if connected == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("nothing listens on port \(port)")
    }
}
