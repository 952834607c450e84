import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PayHubDomain
import PayHubServices
import PayHubStorage

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// `Idempotency-Key` on POST, with the semantics payment APIs use:
/// - same key, same request → the first response again, with `Idempotent-Replayed: true`;
/// - same key, another request → 422 `idempotency_key_reused`;
/// - same key while the first request still runs → 409 `idempotency_key_in_use`;
/// - keys are the caller's own and live 24 hours.
///
/// It runs after the permission check, so a caller who may not make the request cannot take a key for
/// it. Responses below 500 are stored (a 422 stays a 422 on retry: the request was wrong); a 500 frees
/// the key, because a retry may succeed.
struct IdempotencyGuard: Sendable {
    let store: any PayHubStore
    let clock: Clock
    /// How much of a request body is read to hash it: the largest any POST route accepts (an ERP file).
    static let maxBody = PayHubAPI.importBodyLimit

    func handle(
        _ request: Request, _ context: PayHubRequestContext,
        _ handler: @Sendable (Request, PayHubRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let key = request.headers[.idempotencyKey] else { return try await handler(request, context) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem.badRequest([
                FieldError(
                    path: "Idempotency-Key", code: "invalid_idempotency_key",
                    message: "an idempotency key has 1 to 255 printable ASCII characters")
            ])
        }
        guard let principal = context.principal else { return try await handler(request, context) }
        let body = try await request.body.collect(upTo: Self.maxBody)
        let claim = try await store.claimIdempotencyKey(
            IdempotentRequest(
                actorID: principal.actorID, key: key, requestHash: Self.hash(request, body), now: clock.now()))
        switch claim {
        case .replay(let stored):
            var headers = HTTPFields()
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            headers[.idempotentReplayed] = "true"
            return Response(
                status: HTTPResponse.Status(code: stored.status), headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
        case .inProgress:
            throw Problem(
                .conflict, type: "/problems/idempotency", title: "Request in progress", code: "idempotency_key_in_use",
                detail: "a request with this Idempotency-Key is still running; retry when it has finished")
        case .mismatch:
            throw Problem(
                .unprocessableContent, type: "/problems/idempotency", title: "Idempotency key reused",
                code: "idempotency_key_reused",
                detail: "this Idempotency-Key was used for a different request; use a new key for a new request")
        case .proceed:
            var replayable = request
            replayable.body = .init(buffer: body)
            let response: Response
            do {
                response = try await handler(replayable, context)
            } catch {
                let problem = Problem.from(error)
                if problem.status.code < 500 {
                    let rendered = problem.response(requestID: context.requestID)
                    try await complete(principal, key, rendered)
                } else {
                    try await store.releaseIdempotencyKey(actorID: principal.actorID, key: key)
                }
                throw error
            }
            guard response.status.code < 500 else {
                try await store.releaseIdempotencyKey(actorID: principal.actorID, key: key)
                return response
            }
            return try await complete(principal, key, response)
        }
    }

    /// Stores the response and hands back an equivalent one (its body has been read to store it).
    @discardableResult
    private func complete(_ principal: Principal, _ key: String, _ response: Response) async throws -> Response {
        let collector = BodyCollector()
        try await response.body.write(CollectingWriter(collector: collector))
        let bytes = collector.buffer
        try await store.completeIdempotencyKey(
            actorID: principal.actorID, key: key,
            response: StoredResponse(
                status: Int(response.status.code), contentType: response.headers[.contentType],
                body: Data(bytes.readableBytesView)))
        var rebuilt = response
        rebuilt.body = .init(byteBuffer: bytes)
        return rebuilt
    }

    /// What makes two requests "the same": method, path with query, and body bytes.
    static func hash(_ request: Request, _ body: ByteBuffer) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.description)\n".utf8))
        hasher.update(data: Array(body.readableBytesView))
        return Hex.lowercase(hasher.finalize())
    }
}

/// Accumulates a response body as it is written. Writes come from the one task rendering the response,
/// one after another, so the box needs no lock.
private final class BodyCollector: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let collector: BodyCollector

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        collector.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
