import Foundation
import HTTPTypes
import HummingbirdTesting
import PayHubDomain
import PayHubTesting
import PayHubWeb
import Testing

@Suite("Access control over HTTP")
struct AccessControlTests {
    /// A path with every `:id` replaced by a well-formed id that exists nowhere: callers with the
    /// permission get past the check (404/4xx), callers without it must be stopped at 401/403 first.
    static func concretePath(_ route: DeclaredRoute) -> String {
        route.path.replacingOccurrences(of: ":id", with: "\(Self.prefix(for: route.path))_0000000000000000000000000a")
    }

    static func prefix(for path: String) -> String {
        if path.contains("/entities/") { return "ent" }
        if path.contains("/vendors/") { return "ven" }
        if path.contains("/bank_accounts/") { return "bac" }
        if path.contains("/payables/") { return "pyb" }
        if path.contains("/bank_instructions/") { return "ins" }
        return "pay"
    }

    @Test("every role × every route: exactly the role's permissions get through")
    func roleRouteTable() async throws {
        try await TestApp.withLiveServer { app, client in
            let routes = app.api.declaredRoutes
            #expect(routes.count >= 25, "the table must cover the whole API")
            var checked = 0
            for route in routes {
                let path = Self.concretePath(route)
                let body = route.method == .get ? nil : "{}"
                let anonymous = try await client.send(route.method, path, key: nil, json: body)
                switch route.access {
                case .public:
                    #expect(![401, 403].contains(anonymous.status.code), "\(route.method) \(route.path) is public")
                case .requires(let permission):
                    #expect(anonymous.status == .unauthorized, "\(route.method) \(route.path) without a key")
                    for role in Role.allCases {
                        let response = try await client.send(route.method, path, key: app.germanKeys[role], json: body)
                        if role.permissions.contains(permission) {
                            #expect(
                                ![401, 403].contains(response.status.code),
                                "\(role) holds \(permission) but got \(response.status.code) on \(route.method) \(route.path)")
                        } else {
                            #expect(
                                response.status == .forbidden,
                                "\(role) lacks \(permission) but got \(response.status.code) on \(route.method) \(route.path)")
                        }
                        checked += 1
                    }
                }
            }
            #expect(checked >= 25 * Role.allCases.count)
        }
    }

    @Test("a wrong or malformed key is refused with 401 problem+json")
    func badKeys() async throws {
        try await TestApp.withLiveServer { _, client in
            for header in ["Bearer phk_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "phk_raw"] {
                let response = try await client.execute(
                    uri: "/api/v1/payables", method: .get, headers: [.authorization: header])
                #expect(response.status == .unauthorized, "\(header)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test("objects of an entity the key may not see answer 404, exactly like missing ones")
    func otherEntityIsInvisible() async throws {
        try await TestApp.withLiveServer { app, client in
            let germanKey = app.germanKeys[.auditor]
            let chineseKey = app.chineseKeys[.auditor]
            let vendorPath = "/api/v1/vendors/\(app.germany.vendor.id)"
            #expect(try await client.send(.get, vendorPath, key: germanKey).status == .ok)
            let hidden = try await client.send(.get, vendorPath, key: chineseKey)
            #expect(hidden.status == .notFound)
            let missing = try await client.send(.get, "/api/v1/vendors/ven_0000000000000000000000000a", key: chineseKey)
            #expect(missing.status == .notFound)
            #expect(try hidden.jsonObject()["detail"] as? String == missing.jsonObject()["detail"] as? String)
            let list = try await client.send(.get, "/api/v1/vendors?limit=1000", key: chineseKey).jsonObject()
            let ids = (list["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids == [app.china.vendor.id.rawValue])
            let trail = try await client.send(.get, "/api/v1/audit_events?limit=1000", key: chineseKey).jsonObject()
            let events = trail["data"] as? [[String: Any]] ?? []
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0["entity_id"] as? String == app.china.entity.id.rawValue }, "no other entity's trail")
        }
    }
}
