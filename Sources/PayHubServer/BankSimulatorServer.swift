import BankConnectivity
import BankSimulator
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import PayHubDomain
import PayHubStorage
import ServiceLifecycle
import UnixSignals

/// What `payhub bank-sim` runs: the simulator, the folders it takes files from, its HTTPS API, and a clock
/// that ends its days.
public struct BankSimulatorSettings: Sendable {
    public var configuration: BankSimulatorConfiguration
    public var stateDirectory: URL
    /// Where its reports go: PayHub's inbox for a folder connection, the SFTP account's download folder.
    public var reportsDirectory: URL
    /// Folders it takes files from (a host-to-host outbox, an SFTP upload folder), each with its transport.
    public var dropFolders: [(URL, SimulatorTransport)]
    public var pollInterval: Duration = .milliseconds(200)
    /// Ends a simulated day this often; never when nil (tests end days through the API).
    public var dayLength: Duration?
    public var http: HTTP?

    public struct HTTP: Sendable {
        public var hostname: String
        public var port: Int
        /// The bearer token clients must present.
        public var token: String
        /// PEM certificate chain and private key; plain HTTP when nil (for local demos only).
        public var certificateFile: String?
        public var privateKeyFile: String?

        public init(hostname: String, port: Int, token: String, certificateFile: String?, privateKeyFile: String?) {
            self.hostname = hostname
            self.port = port
            self.token = token
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
        }
    }

    public init(
        configuration: BankSimulatorConfiguration, stateDirectory: URL, reportsDirectory: URL,
        dropFolders: [(URL, SimulatorTransport)]
    ) {
        self.configuration = configuration
        self.stateDirectory = stateDirectory
        self.reportsDirectory = reportsDirectory
        self.dropFolders = dropFolders
    }
}

/// Wiring only: the simulator's folder drivers, its day clock and its HTTPS front as one ServiceGroup.
public enum BankSimulatorServer {
    public static func run(
        _ settings: BankSimulatorSettings, logger: Logger, onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let simulator = try BankSimulator(
            configuration: settings.configuration, stateDirectory: settings.stateDirectory,
            outgoingDirectory: settings.reportsDirectory)
        var services: [any Service] = [
            SimulatorDrivers(
                simulator: simulator,
                drivers: settings.dropFolders.map { SimulatorFolderDriver(simulator: simulator, incomingDirectory: $0.0, transport: $0.1) },
                pollInterval: settings.pollInterval, dayLength: settings.dayLength, logger: logger)
        ]
        if let http = settings.http {
            let front = SimulatorHTTPFront(simulator: simulator, token: http.token, keysDirectory: settings.stateDirectory.appendingPathComponent("http-keys"))
            let server: HTTPServerBuilder
            if let certificate = http.certificateFile, let key = http.privateKeyFile {
                let tls = TLSConfiguration.makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
                server = try .tls(.http1(), tlsConfiguration: tls)
            } else {
                server = .http1()
            }
            services.append(
                Application(
                    router: front.router(), server: server,
                    configuration: .init(address: .hostname(http.hostname, port: http.port), serverName: "PayHub bank simulator"),
                    onServerRunning: { channel in await onHTTPRunning(channel.localAddress?.port ?? 0) },
                    logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Takes files from the drop folders and ends the simulated days.
struct SimulatorDrivers: Service {
    let simulator: BankSimulator
    let drivers: [SimulatorFolderDriver]
    let pollInterval: Duration
    let dayLength: Duration?
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var dayStarted = ContinuousClock.now
            while !Task.isCancelled {
                for driver in drivers {
                    do {
                        for receipt in try await driver.pollOnce(now: Date()) {
                            logger.info(
                                "file received",
                                metadata: [
                                    "file": "\(receipt.fileName)", "status": "\(receipt.status)",
                                    "duplicate": "\(receipt.duplicate)",
                                ])
                        }
                    } catch {
                        logger.error("taking files failed", metadata: ["folder": "\(driver.incomingDirectory.path)", "error": "\(error)"])
                    }
                }
                if let dayLength, ContinuousClock.now - dayStarted >= dayLength {
                    dayStarted = ContinuousClock.now
                    do {
                        let written = try await simulator.closeDay(now: Date())
                        let today = await simulator.today
                        logger.info("day closed", metadata: ["today": "\(today)", "reports": "\(written.count)"])
                    } catch {
                        logger.error("closing the day failed", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: pollInterval)
            }
        }
    }
}

/// The bank's HTTPS API, as `BankAPIConnector` speaks it (`BankAPIMessages`): instructions in, by
/// idempotency key; reports listed, fetched and removed; a simulated day ended on request.
struct SimulatorHTTPFront: Sendable {
    let simulator: BankSimulator
    let token: String
    /// One file per idempotency key seen, holding the receipt answered: a retried request gets it again
    /// and the simulator never sees the file twice.
    let keysDirectory: URL

    typealias Context = BasicRequestContext

    func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: BearerCheck(token: token))
        router.post("/api/v1/instructions") { request, context in try await self.submit(request, context) }
        router.get("/api/v1/instructions/:message_id") { _, context in
            let messageID = try context.parameters.require("message_id")
            if let stored = try self.storedReceipt(forKey: messageID) { return try Self.json(stored, .ok) }
            guard let receipt = await simulator.instruction(messageID: messageID) else {
                return try Self.problem(.notFound, "not_found", "no instruction with this message id was received")
            }
            return try Self.json(
                BankAPIMessages.InstructionReceipt(
                    messageID: messageID, fileName: receipt.fileName, status: "received", receivedAt: ""), .ok)
        }
        router.get("/api/v1/reports") { request, _ in
            let limit = min(max(request.uri.queryParameters.get("limit").flatMap { Int(String($0)) } ?? 1_000, 1), 1_000)
            let after: String? = request.uri.queryParameters.get("after").map { String($0) }
            let names = try await simulator.reports().filter { after == nil || $0 > after! }
            let page = names.prefix(limit)
            var data: [BankAPIMessages.ReportSummary] = []
            for name in page {
                let size = try await simulator.report(named: name).count
                data.append(BankAPIMessages.ReportSummary(name: name, sizeBytes: Int64(size), createdAt: ""))
            }
            return try Self.json(
                BankAPIMessages.ReportPage(data: data, nextCursor: names.count > limit ? page.last : nil), .ok)
        }
        router.get("/api/v1/reports/:name") { _, context in
            let name = try context.parameters.require("name")
            do {
                let contents = try await simulator.report(named: name)
                return try Self.json(BankAPIMessages.ReportContent(name: name, contentBase64: contents.base64EncodedString()), .ok)
            } catch {
                return try Self.problem(.notFound, "not_found", "no report with this name")
            }
        }
        router.delete("/api/v1/reports/:name") { _, context in
            let name = try context.parameters.require("name")
            do {
                try await simulator.removeReport(named: name)
                return Response(status: .noContent)
            } catch {
                return try Self.problem(.notFound, "not_found", "no report with this name")
            }
        }
        router.post("/api/v1/simulation/close_day") { _, _ in
            let written = try await simulator.closeDay(now: Date())
            let today = await simulator.today
            return try Self.json(["today": today.iso8601, "reports": written.joined(separator: ",")], .ok)
        }
        return router
    }

    func submit(_ request: Request, _ context: Context) async throws -> Response {
        guard let key = request.headers[.idempotencyKey], !key.isEmpty, key.count <= 255 else {
            return try Self.problem(.badRequest, "idempotency_key_missing", "send the message id as Idempotency-Key")
        }
        let buffer = try await request.body.collect(upTo: 64 * 1024 * 1024)
        let body = Data(buffer.readableBytesView)
        guard let submission = try? JSONDecoder().decode(BankAPIMessages.InstructionSubmission.self, from: body),
            let contents = Data(base64Encoded: submission.contentBase64)
        else {
            return try Self.problem(.unprocessableContent, "invalid_body", "expected file_name, message_id and content_base64")
        }
        if let stored = try storedReceipt(forKey: key) {
            var response = try Self.json(stored, .ok)
            response.headers[.idempotentReplayed] = "true"
            return response
        }
        _ = try await simulator.receive(fileName: submission.fileName, contents: contents, transport: .http, now: Date())
        let receipt = BankAPIMessages.InstructionReceipt(
            messageID: key, fileName: submission.fileName, status: "received",
            receivedAt: ISO8601DateFormatter().string(from: Date()))
        try store(receipt, forKey: key)
        return try Self.json(receipt, .created)
    }

    func keyFile(_ key: String) -> URL {
        keysDirectory.appendingPathComponent(Hex.lowercase(SHA256.hash(data: Data(key.utf8))) + ".json")
    }

    func storedReceipt(forKey key: String) throws -> BankAPIMessages.InstructionReceipt? {
        guard let data = try? Data(contentsOf: keyFile(key)) else { return nil }
        return try JSONDecoder().decode(BankAPIMessages.InstructionReceipt.self, from: data)
    }

    func store(_ receipt: BankAPIMessages.InstructionReceipt, forKey key: String) throws {
        try FileManager.default.createDirectory(at: keysDirectory, withIntermediateDirectories: true)
        try JSONEncoder().encode(receipt).write(to: keyFile(key), options: .atomic)
    }

    static func json(_ value: some Encodable, _ status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func problem(_ status: HTTPResponse.Status, _ code: String, _ detail: String) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(
            BankAPIMessages.Problem(type: "/problems/\(code)", title: status.reasonPhrase, status: status.code, detail: detail))
        return Response(
            status: status, headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Every route needs the bank's token: 401 without it.
struct BearerCheck<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let presented = request.headers[.authorization] ?? ""
        let expected = "Bearer " + token
        // Compared in constant time: the token is a secret.
        guard presented.utf8.count == expected.utf8.count,
            zip(presented.utf8, expected.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else {
            return try SimulatorHTTPFront.problem(.unauthorized, "unauthorized", "present the bank's bearer token")
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
