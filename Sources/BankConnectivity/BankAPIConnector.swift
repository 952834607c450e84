import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A bank's HTTPS API: JSON, a bearer token, TLS that trusts the bank's CA certificate.
///
/// The contract (``BankAPIMessages`` has its bodies):
/// - `POST {base}/api/v1/instructions` with `Idempotency-Key: <message id>` delivers a file: 201, or 200
///   with `Idempotent-Replayed: true` when the bank has it already;
/// - `GET {base}/api/v1/instructions/{message_id}` says whether the bank has it (404: never received);
/// - `GET {base}/api/v1/reports?limit=…&after=…` lists the bank's files for PayHub, in name order, by pages;
/// - `GET` and `DELETE {base}/api/v1/reports/{name}` fetch and acknowledge one;
/// - errors are RFC 9457 problem documents; 401 without a valid token.
///
/// Staging is a no-op: one POST is already the atomic step, and the idempotency key (the message id)
/// makes a repeated POST after a lost answer harmless.
public struct BankAPIConnector: BankConnector {
    public struct Configuration: Sendable, Hashable, CustomStringConvertible {
        /// `https://bank.example/h2h` — the contract's paths are appended to it.
        public var baseURL: URL
        /// A secret: never logged, never in ``description``.
        public var bearerToken: String
        /// A PEM file with the CA certificate(s) the bank's server certificate chains to.
        public var caCertificateFile: String?
        /// Whether the system's trust roots count as well as ``caCertificateFile``.
        public var trustsSystemRoots: Bool
        public var requestTimeoutSeconds: Int
        /// The largest response PayHub reads (a month's camt.053 in base64 fits comfortably).
        public var responseLimitBytes: Int

        public init(
            baseURL: URL, bearerToken: String, caCertificateFile: String? = nil, trustsSystemRoots: Bool = true,
            requestTimeoutSeconds: Int = 60, responseLimitBytes: Int = 256 * 1024 * 1024
        ) {
            self.baseURL = baseURL
            self.bearerToken = bearerToken
            self.caCertificateFile = caCertificateFile
            self.trustsSystemRoots = trustsSystemRoots
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.responseLimitBytes = responseLimitBytes
        }

        public var description: String {
            "api \(baseURL.absoluteString) (token redacted"
                + (caCertificateFile.map { ", CA \($0)" } ?? "") + (trustsSystemRoots ? ", system roots)" : ")")
        }
    }

    /// Reports asked for per page; the contract's maximum.
    static let reportPageLimit = 1000
    /// Pages read in one ``incomingFiles()`` call at most: a bank whose cursor never ends cannot keep
    /// PayHub in a loop.
    static let reportPagesMax = 1000

    public let configuration: Configuration
    private let client: HTTPClient
    private let tls: TLSConfiguration
    private let logger: Logger
    public var transport: String { "api" }

    /// Reads the CA file now, so a missing or unreadable certificate is a settings error at start-up
    /// rather than a failure at the first payment.
    ///
    /// - Parameter client: defaults to `HTTPClient.shared`; TLS is set per request, so the shared pool
    ///   works, and whoever passes another client shuts it down.
    public init(
        _ configuration: Configuration, client: HTTPClient = .shared,
        logger: Logger = Logger(label: "payhub.bank-connectivity.api")
    ) throws(BankConnectionError) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = configuration.caCertificateFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw BankConnectionError(
                    .invalidSettings, transport: "api", operation: "configure",
                    detail: "the CA certificate file cannot be read as PEM: \(error)")
            }
            guard !certificates.isEmpty else {
                throw BankConnectionError(
                    .invalidSettings, transport: "api", operation: "configure",
                    detail: "the CA certificate file holds no certificate")
            }
            if configuration.trustsSystemRoots {
                tls.additionalTrustRoots = [.certificates(certificates)]
            } else {
                tls.trustRoots = .certificates(certificates)
            }
        } else if !configuration.trustsSystemRoots {
            throw BankConnectionError(
                .invalidSettings, transport: "api", operation: "configure",
                detail: "without system roots a CA certificate file is needed")
        }
        self.tls = tls
    }

    public func stage(_ file: OutgoingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "stage")
    }

    public func deliver(_ file: OutgoingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "deliver")
        let body = try JSONEncoder().encode(BankAPIMessages.InstructionSubmission(file))
        var request = request(.POST, path: "/api/v1/instructions")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: file.messageID)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await send(request, operation: "deliver", fileName: file.name)
        guard response.status == .created || response.status == .ok else {
            throw unexpected(response, operation: "deliver", fileName: file.name)
        }
        let receipt = try decode(
            BankAPIMessages.InstructionReceipt.self, from: response, operation: "deliver", fileName: file.name)
        // An answer about another instruction would mean the key did not do its job: not delivered as asked.
        guard receipt.messageID == file.messageID else {
            throw BankConnectionError(
                .malformedResponse, transport: transport, operation: "deliver", fileName: file.name,
                httpStatus: Int(response.status.code), detail: "the receipt names another message id")
        }
        if response.headers.first(name: "Idempotent-Replayed") == "true" {
            logger.info("the bank already had this instruction", metadata: ["file": "\(file.name)"])
        }
    }

    public func deliveryState(of file: OutgoingBankFile) async throws -> DeliveryState {
        try BankFileName.check(file.name, transport: transport, operation: "delivery_state")
        let response = try await send(
            request(.GET, path: "/api/v1/instructions/" + Self.pathSegment(file.messageID)),
            operation: "delivery_state", fileName: file.name)
        switch response.status {
        case .ok:
            let receipt = try decode(
                BankAPIMessages.InstructionReceipt.self, from: response, operation: "delivery_state",
                fileName: file.name)
            guard receipt.messageID == file.messageID else {
                throw BankConnectionError(
                    .malformedResponse, transport: transport, operation: "delivery_state", fileName: file.name,
                    httpStatus: 200, detail: "the receipt names another message id")
            }
            return .delivered
        case .notFound:
            return .notDelivered
        default:
            throw unexpected(response, operation: "delivery_state", fileName: file.name)
        }
    }

    public func incomingFiles() async throws -> [IncomingBankFile] {
        var names: [String] = []
        var cursor: String?
        for _ in 0..<Self.reportPagesMax {
            var path = "/api/v1/reports?limit=\(Self.reportPageLimit)"
            if let cursor { path += "&after=" + Self.pathSegment(cursor) }
            let response = try await send(request(.GET, path: path), operation: "incoming_files", fileName: nil)
            guard response.status == .ok else { throw unexpected(response, operation: "incoming_files", fileName: nil) }
            let page = try decode(
                BankAPIMessages.ReportPage.self, from: response, operation: "incoming_files", fileName: nil)
            for report in page.data {
                guard BankFileName.isSafe(report.name) else {
                    logger.warning(
                        "skipped an incoming file whose name PayHub does not accept", metadata: ["transport": "api"])
                    continue
                }
                names.append(report.name)
            }
            guard let next = page.nextCursor else {
                return try await fetch(names.sorted())
            }
            guard next != cursor else {
                throw BankConnectionError(
                    .malformedResponse, transport: transport, operation: "incoming_files",
                    detail: "the report listing returned the same cursor twice")
            }
            cursor = next
        }
        throw BankConnectionError(
            .malformedResponse, transport: transport, operation: "incoming_files",
            detail: "the report listing did not end within \(Self.reportPagesMax) pages")
    }

    public func acknowledge(_ file: IncomingBankFile) async throws {
        try BankFileName.check(file.name, transport: transport, operation: "acknowledge")
        let response = try await send(
            request(.DELETE, path: "/api/v1/reports/" + Self.pathSegment(file.name)), operation: "acknowledge",
            fileName: file.name)
        // 404: acknowledged already (a crash after the DELETE, before PayHub noted it).
        guard response.status == .noContent || response.status == .ok || response.status == .notFound else {
            throw unexpected(response, operation: "acknowledge", fileName: file.name)
        }
    }

    // MARK: - HTTP

    private func fetch(_ names: [String]) async throws -> [IncomingBankFile] {
        var files: [IncomingBankFile] = []
        for name in names {
            let response = try await send(
                request(.GET, path: "/api/v1/reports/" + Self.pathSegment(name)), operation: "incoming_files",
                fileName: name)
            // Listed, then taken by someone else before PayHub fetched it: nothing to read now.
            if response.status == .notFound { continue }
            guard response.status == .ok else {
                throw unexpected(response, operation: "incoming_files", fileName: name)
            }
            let report = try decode(
                BankAPIMessages.ReportContent.self, from: response, operation: "incoming_files", fileName: name)
            guard report.name == name, let contents = Data(base64Encoded: report.contentBase64) else {
                throw BankConnectionError(
                    .malformedResponse, transport: transport, operation: "incoming_files", fileName: name,
                    httpStatus: 200, detail: "the report's name or base64 content is not what was asked for")
            }
            files.append(IncomingBankFile(name: name, contents: contents))
        }
        return files
    }

    private struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: Data
    }

    private func request(_ method: HTTPMethod, path: String) -> HTTPClientRequest {
        var base = configuration.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.tlsConfiguration = tls
        request.headers.add(name: "Authorization", value: "Bearer " + configuration.bearerToken)
        request.headers.add(name: "Accept", value: "application/json, application/problem+json")
        return request
    }

    private func send(_ request: HTTPClientRequest, operation: String, fileName: String?) async throws -> Response {
        do {
            let response = try await client.execute(
                request, timeout: .seconds(Int64(configuration.requestTimeoutSeconds)), logger: logger)
            let body = try await response.body.collect(upTo: configuration.responseLimitBytes)
            let result = Response(
                status: response.status, headers: response.headers, body: Data(body.readableBytesView))
            if result.status == .unauthorized {
                throw BankConnectionError(
                    .unauthorized, transport: transport, operation: operation, fileName: fileName, httpStatus: 401,
                    detail: Self.problemText(result.body))
            }
            return result
        } catch let error as BankConnectionError {
            throw error
        } catch {
            throw BankConnectionError(
                .transportFailed, transport: transport, operation: operation, fileName: fileName,
                detail: String(describing: error))
        }
    }

    private func decode<T: Decodable>(
        _: T.Type, from response: Response, operation: String, fileName: String?
    ) throws(BankConnectionError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            throw BankConnectionError(
                .malformedResponse, transport: transport, operation: operation, fileName: fileName,
                httpStatus: Int(response.status.code), detail: "the body does not follow the contract: \(error)")
        }
    }

    private func unexpected(_ response: Response, operation: String, fileName: String?) -> BankConnectionError {
        BankConnectionError(
            .unexpectedStatus, transport: transport, operation: operation, fileName: fileName,
            httpStatus: Int(response.status.code), detail: Self.problemText(response.body))
    }

    /// A problem document's title and detail, or the start of whatever else the body was.
    static func problemText(_ body: Data) -> String {
        if let problem = try? JSONDecoder().decode(BankAPIMessages.Problem.self, from: body),
            problem.title != nil || problem.detail != nil
        {
            return [problem.title, problem.detail].compactMap { $0 }.joined(separator: ": ")
        }
        return String(decoding: body.prefix(500), as: UTF8.self)
    }

    /// A message id, report name or cursor as one percent-encoded path segment or query value.
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: "\u{0}"..."\u{7F}"))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
