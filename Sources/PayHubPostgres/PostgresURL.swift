import Foundation
import PostgresNIO

/// A PostgreSQL connection URL, `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]`,
/// turned into a `PostgresClient.Configuration`.
///
/// `postgresql://` is accepted too. Without `sslmode`, a server on this machine (`localhost`, `127.0.0.1`,
/// `::1`) is reached without TLS and any other host requires TLS: a payment hub should not send
/// credentials and bank data in clear by accident. `require` (and its synonym `verify-full`) verifies the
/// server's certificate and host name against the system trust store, which is stricter than libpq's
/// `require`.
public struct PostgresURL: Sendable {
    public enum SSLMode: String, Sendable, Hashable {
        case disable
        case require
    }

    public var username: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode

    public init(_ text: String) throws(PostgresURLError) {
        // URLComponents only understands the URL once the scheme is known; check that first so the error
        // can say what is wrong rather than "invalid URL".
        guard let schemeEnd = text.range(of: "://") else {
            throw PostgresURLError("it must start with postgres:// or postgresql://")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            // The scheme is not echoed: in a mangled URL it could be where the password ended up.
            throw PostgresURLError("the scheme must be postgres:// or postgresql://")
        }
        guard let components = URLComponents(string: text) else {
            // Never echo the text: it may hold the password.
            throw PostgresURLError(
                "it is not a valid URL (are special characters in the user name or password percent-encoded?)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError("it has no host (postgres://user@host:5432/database)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresURLError("it has no user name (postgres://user@host:5432/database)")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw PostgresURLError("the port must be between 1 and 65535")
        }
        let path = components.path
        let database = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError("it must name one database after the host (postgres://user@host:5432/database)")
        }

        // IPv6 literals come back in brackets from some Foundation versions; the resolver wants them bare.
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var sslMode: SSLMode = ["localhost", "127.0.0.1", "::1"].contains(bareHost.lowercased()) ? .disable : .require
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value?.lowercased() {
                case "disable": sslMode = .disable
                case "require", "verify-full": sslMode = .require
                default:
                    throw PostgresURLError(
                        "sslmode must be disable or require, not \((item.value ?? "").prefix(20))")
                }
            default:
                throw PostgresURLError(
                    "the query parameter \(item.name.prefix(40)) is not supported (only sslmode=disable|require)")
            }
        }

        self.username = user
        self.password = components.password
        self.host = bareHost
        self.port = port
        self.database = database
        self.sslMode = sslMode
    }

    /// The client configuration for this URL.
    public var configuration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .require: .require(.makeClientConfiguration())
            }
        return PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}

/// What is wrong with a PostgreSQL URL. The message never contains the password.
public struct PostgresURLError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String

    init(_ reason: String) { self.reason = reason }

    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}
