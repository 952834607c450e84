import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PayHubDomain
import PayHubServices

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// Gives every request an id (the caller's `X-Request-Id` when it is sane, else a new one), puts it on
/// every log line of the request and on the response, and turns any error into problem+json.
struct RequestIDAndProblemMiddleware: RouterMiddleware {
    typealias Context = PayHubRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = context.requestID
            return response
        } catch {
            let problem = Problem.from(error)
            if problem.status.code >= 500 {
                // Types only: an error's text might carry data that must not reach logs.
                context.logger.error("request failed", metadata: ["error_type": "\(type(of: error))"])
            }
            return problem.response(requestID: context.requestID)
        }
    }

    static func requestID(from request: Request) -> String {
        if let given = request.headers[.requestID], (1...64).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0 > 32 && $0 < 127 })
        {
            return given
        }
        return "req_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}

/// Reads `Authorization: Bearer <api key>` and sets the caller. A key that is sent but not valid is
/// refused here; a request without one goes on anonymous, and only public routes will answer it.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = PayHubRequestContext
    let access: AccessService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "),
                let principal = try await access.authenticate(apiKey: String(header.dropFirst("Bearer ".count)))
            else { throw Problem.unauthenticated }
            context.principal = principal
            context.logger[metadataKey: "actor"] = .string(principal.actorID)
        }
        return try await next(request, context)
    }
}
