import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import PayHubWeb

/// A PayHub API on a fresh SQLite file, served over real HTTP on loopback, with an API key per role
/// for each of two entities.
struct TestApp: Sendable {
    let store: any PayHubStore
    let api: PayHubAPI
    let germany: World
    let china: World
    /// Secrets by role, scoped to the German entity only.
    let germanKeys: [Role: String]
    /// Secrets by role, scoped to the Chinese entity only.
    let chineseKeys: [Role: String]

    static func withLiveServer(
        logger: Logger = Logger(label: "payhub-test"), _ body: @escaping @Sendable (TestApp, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestSQLite.withFreshStore { store in
            var fixtures = Fixtures()
            let germany = try await World.make(store, &fixtures)
            let china = try await World.make(store, &fixtures, currency: .cny, country: "CN")
            // bcrypt cost 4 keeps user creation fast in tests; production uses 12.
            let access = AccessService(store: store, bcryptCost: 4)
            var germanKeys: [Role: String] = [:]
            var chineseKeys: [Role: String] = [:]
            let system = CallContext(principal: .system, origin: "test")
            for role in Role.allCases {
                germanKeys[role] = try await access.createAPIKey(
                    name: "de-\(role.rawValue)", roles: [role], scope: .only([germany.entity.id]), context: system
                ).secret
                chineseKeys[role] = try await access.createAPIKey(
                    name: "cn-\(role.rawValue)", roles: [role], scope: .only([china.entity.id]), context: system
                ).secret
            }
            let api = PayHubAPI(hub: PaymentHub(store: store), access: access, profiles: try MappingProfileCatalog.load())
            let app = Application(
                router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            let testApp = TestApp(
                store: store, api: api, germany: germany, china: china, germanKeys: germanKeys, chineseKeys: chineseKeys)
            try await app.test(.live) { client in try await body(testApp, client) }
        }
    }
}

extension TestClientProtocol {
    /// Sends a request as the holder of `key` (or anonymously) with an optional JSON body.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, key: String?, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestClientProtocol {
    /// A `multipart/form-data` upload, as a browser form or `curl -F` sends it.
    func sendMultipart(
        _ uri: String, key: String?, fields: [String: String], file: (name: String, data: Data)
    ) async throws -> TestResponse {
        let boundary = "payhub-test-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Data(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: text/csv\r\n\r\n"
                .utf8)
        body += file.data
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }
}

extension TestClientProtocol {
    /// A `multipart/form-data` upload of several files, each under its own field name.
    func sendMultipart(_ uri: String, key: String?, files: [(field: String, name: String, data: Data)]) async throws
        -> TestResponse
    {
        let boundary = "payhub-test-\(UUID().uuidString)"
        var body = Data()
        for file in files {
            body += Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += file.data
            body += Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }
}

/// The ERP sample files in `samples/erp/`, found from this file's place in the repository.
enum SampleFiles {
    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/erp/\(name)")
    }
}

/// The sanctions list samples in `samples/sanctions/`.
enum SanctionsSamples {
    static func data(_ name: String) throws -> Data {
        try Data(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("samples/sanctions/\(name)"))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body parsed as a JSON object; fails the test when it is not one.
    func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw TestFailure("body is not a JSON object: \(text.prefix(200))")
        }
        return object
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestApp {
    /// Payables and approved payments of the German entity for `amounts`, made straight in the store (the
    /// load generator's path), from fixtures seeded with `seed` so their ids are new ones.
    func approveGermanPayments(_ amounts: [String], seed: UInt64) async throws -> [Payment] {
        var fixtures = Fixtures(seed: seed)
        let pairs = amounts.map { amount in
            let payable = fixtures.payable(of: germany.vendor, amount: amount)
            return (payable, fixtures.payment(of: [payable], from: germany.debtor, to: germany.creditor))
        }
        try await store.createApprovedPayments(pairs, reason: "test", context: fixtures.context())
        return pairs.map(\.1)
    }

    /// Plans the German entity's approved payments into bank instructions as treasury would, one payment per
    /// file, and hands the first to the bank through the folder transport (as the execution worker's two
    /// transactions do), so both a planned and a sent instruction exist. Returns them in id order, as stored.
    func planGermanInstructions() async throws -> [StoredInstruction] {
        let planner = ExecutionPlanner(
            hub: PaymentHub(store: store), calendars: try BusinessCalendars.load(),
            limits: try BatchLimits(transactionsPerFileMax: 1, bytesPerFileMax: 1_000_000),
            cutOffs: ["EUR": try CutOffTime(hour: 15, minute: 0, timeZoneIdentifier: "Europe/Berlin")])
        let treasurer = CallContext(
            principal: Principal(
                kind: .user, actorID: "usr_treasurer", roles: [.treasurer], scope: .only([germany.entity.id])),
            origin: "test")
        let planned = try await planner.planApprovedPayments(context: treasurer)
            .sorted { $0.id.rawValue < $1.id.rawValue }
        guard let first = planned.first else { return [] }

        let now = Date()
        try await store.enqueueJob(kind: "send_instruction", subjectID: first.id.rawValue, runAfter: now, now: now)
        guard
            let job = try await store.claimJobs(
                kinds: ["send_instruction"], owner: "test", now: now, lease: 60, limit: 1
            ).first
        else { throw TestFailure("the send job was not claimed") }
        let claim = JobClaim(jobID: job.id, owner: "test", lease: 60)
        let audit = AuditContext(principal: .system, origin: "test", occurredAt: now)
        let file = InstructionFile(
            name: "\(first.messageID).xml", sha256: String(repeating: "0f", count: 32), transport: "folder")
        guard
            try await store.beginHandover(
                first.id, file: file, members: first.members.map(\.paymentID), claim: claim, context: audit) == .started
        else { throw TestFailure("the handover did not start") }
        try await store.completeHandover(first.id, claim: claim, context: audit)

        var stored: [StoredInstruction] = []
        for instruction in planned {
            guard let read = try await store.instruction(instruction.id) else {
                throw TestFailure("instruction not stored")
            }
            stored.append(read)
        }
        return stored
    }
}
