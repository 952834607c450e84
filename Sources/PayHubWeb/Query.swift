import Foundation
import Hummingbird
import PayHubDomain
import PayHubStorage

/// Query parameters of list routes: `limit`, the opaque `after` cursor, and exact-match filters.
struct ListQuery {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        self.parameters = parameters
    }

    func page() throws -> PageRequest {
        PageRequest(limit: try limit(), afterID: try parameters["after"].map(Cursor.decode))
    }

    /// `limit`, 50 by default, at most 1,000.
    func limit() throws -> Int {
        guard let text = parameters["limit"] else { return PageRequest.limitDefault }
        guard let value = Int(text), (1...PageRequest.limitMax).contains(value) else {
            throw Problem.badRequest([
                FieldError(path: "limit", code: "invalid_limit", message: "limit must be 1 to \(PageRequest.limitMax)")
            ])
        }
        return value
    }

    func id<Object: Identified>(_ names: String..., as _: Object.Type = Object.self) throws -> ID<Object>? {
        guard let (name, text) = names.lazy.compactMap({ name in self.parameters[name].map { (name, $0) } }).first else {
            return nil
        }
        do {
            return try ID<Object>(text)
        } catch {
            throw Problem.badRequest([FieldError(path: name, code: "invalid_id", message: error.description)])
        }
    }

    func value<Value: RawRepresentable>(_ name: String, as _: Value.Type) throws -> Value? where Value.RawValue == String {
        guard let text = parameters[name] else { return nil }
        guard let value = Value(rawValue: text) else {
            throw Problem.badRequest([FieldError(path: name, code: "invalid_value", message: "unknown \(name) '\(text)'")])
        }
        return value
    }

    func integer(_ name: String) throws -> Int64? {
        guard let text = parameters[name] else { return nil }
        guard let value = Int64(text) else {
            throw Problem.badRequest([FieldError(path: name, code: "invalid_integer", message: "\(name) must be a whole number")])
        }
        return value
    }

    func string(_ name: String) throws -> String? { parameters[name] }

    func date(_ name: String) throws -> LocalDate? {
        guard let text = parameters[name] else { return nil }
        do {
            return try LocalDate(iso8601: text)
        } catch {
            throw Problem.badRequest([FieldError(path: name, code: "invalid_date", message: error.description)])
        }
    }
}

/// Cursors are opaque to clients (base64url) so their content can change without breaking them.
enum Cursor {
    static func encode(_ afterID: String?) -> String? {
        afterID.map {
            Data(("v1:" + $0).utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
    }

    static func decode(_ cursor: String) throws -> String {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("v1:"), text.count < 100
        else {
            throw Problem.badRequest([FieldError(path: "after", code: "invalid_cursor", message: "cursor is not valid")])
        }
        return String(text.dropFirst(3))
    }
}
