import HTTPTypes
import Hummingbird
import PayHubDomain

/// Who may call a route. There is no default: every route states it, and anything but `.public`
/// needs an authenticated caller holding the permission.
public enum RouteAccess: Sendable, Hashable {
    case `public`
    case requires(Permission)
}

/// A route as declared: method, path, access and a one-line summary for the OpenAPI document.
public struct DeclaredRoute: Sendable, Hashable {
    public let method: HTTPRequest.Method
    /// Hummingbird's form, `/api/v1/payments/:id`.
    public let path: String
    public let access: RouteAccess
    public let summary: String
    /// Whether the route changes something (and so writes an audit event).
    public var isMutating: Bool { method != .get && method != .head }

    /// The OpenAPI form of the path, `/api/v1/payments/{id}`.
    public var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
    }
}

/// Collects routes with their access rule, then registers each behind the permission check, so a
/// handler cannot be reached without passing it.
struct RouteTable {
    typealias Handler = @Sendable (Request, PayHubRequestContext) async throws -> Response

    private(set) var routes: [(DeclaredRoute, Handler)] = []

    mutating func add(
        _ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess, _ summary: String,
        _ handler: @escaping Handler
    ) {
        routes.append((DeclaredRoute(method: method, path: path, access: access, summary: summary), handler))
    }

    /// Registers every route behind its permission check; POST routes then honour `Idempotency-Key`.
    func register(on router: Router<PayHubRequestContext>, idempotency: IdempotencyGuard) {
        for (route, handler) in routes {
            let access = route.access
            let isPost = route.method == .post
            router.on(RouterPath(route.path), method: route.method) { request, context in
                if case .requires(let permission) = access {
                    guard let principal = context.principal else { throw Problem.unauthenticated }
                    guard principal.may(permission) else { throw Problem.forbidden(permission) }
                }
                guard isPost else { return try await handler(request, context) }
                return try await idempotency.handle(request, context, handler)
            }
        }
    }
}
