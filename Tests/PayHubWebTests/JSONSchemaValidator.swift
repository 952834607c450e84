import Foundation

/// A JSON value as the schema checks see it: integers apart from other numbers, booleans apart from both,
/// which `JSONSerialization`'s `NSNumber` does not keep apart reliably on every platform.
indirect enum SchemaValue: Equatable, Sendable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([SchemaValue])
    case object([String: SchemaValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SchemaValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: SchemaValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Parses a JSON text (any value, not only objects and arrays).
    static func parse(_ data: Data) throws -> SchemaValue {
        try JSONDecoder().decode(SchemaValue.self, from: data)
    }

    static func parse(_ text: String) throws -> SchemaValue { try parse(Data(text.utf8)) }

    subscript(key: String) -> SchemaValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    subscript(index: Int) -> SchemaValue? {
        if case .array(let items) = self, items.indices.contains(index) { items[index] } else { nil }
    }

    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    var boolValue: Bool? { if case .bool(let flag) = self { flag } else { nil } }
    var arrayValue: [SchemaValue]? { if case .array(let items) = self { items } else { nil } }
    var objectValue: [String: SchemaValue]? { if case .object(let members) = self { members } else { nil } }

    /// The value as a double, for integers and other numbers alike.
    var numberValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// Equality as JSON Schema sees it (`enum`, `const`): `1` and `1.0` are the same number.
    func sameJSON(as other: SchemaValue) -> Bool {
        switch (self, other) {
        case (.integer, .number), (.number, .integer): numberValue == other.numberValue
        case (.array(let left), .array(let right)):
            left.count == right.count && zip(left, right).allSatisfy { $0.sameJSON(as: $1) }
        case (.object(let left), .object(let right)):
            left.count == right.count
                && left.allSatisfy { key, value in right[key].map { value.sameJSON(as: $0) } ?? false }
        default: self == other
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .string(let text): "\"\(text)\""
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.keys.sorted().map { "\"\($0)\": \(members[$0]!.description)" }.joined(separator: ", ") + "}"
        }
    }

    /// The JSON type name of the value, as JSON Schema's `type` spells it.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// The first place where a JSON value breaks its schema: a JSON path (`$.data[0].state`) and what is wrong.
struct SchemaMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    let path: String
    let message: String
    var description: String { "\(path): \(message)" }
}

/// A small JSON Schema validator, enough for the OpenAPI 3.1 document's schemas: local `$ref`
/// (`#/components/...`), `type` (one or several, `null` included, `integer` apart from `number`),
/// `properties`, `required`, `additionalProperties` (`false` or a schema), `items`, `minItems`/`maxItems`,
/// `enum`, `const`, `pattern`, `minLength`/`maxLength`, `minimum`/`maximum`, `oneOf`, `anyOf`, `allOf`,
/// and boolean schemas. Annotations (`description`, `format`, `examples`…) are ignored, as JSON Schema
/// does by default. It stops at the first mismatch and reports its path.
struct JSONSchemaValidator: Sendable {
    /// The document `$ref`s point into.
    let root: SchemaValue

    init(root: SchemaValue) { self.root = root }

    /// Nil when `value` conforms to `schema`, else the first mismatch.
    func validate(_ value: SchemaValue, against schema: SchemaValue) -> SchemaMismatch? {
        do {
            try check(value, schema, at: "$", depth: 0)
            return nil
        } catch {
            return error
        }
    }

    /// Follows a local reference such as `#/components/schemas/Payment` (JSON pointer, `~0`/`~1` escapes).
    func resolve(reference: String) throws(SchemaMismatch) -> SchemaValue {
        guard reference.hasPrefix("#") else {
            throw SchemaMismatch(path: "$ref", message: "only local references are supported: \(reference)")
        }
        var target = root
        for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let next = target[key] {
                target = next
            } else if let index = Int(key), let next = target[index] {
                target = next
            } else {
                throw SchemaMismatch(path: "$ref", message: "\(reference) does not resolve")
            }
        }
        return target
    }

    /// Follows `$ref` until the object has none (for OpenAPI objects such as responses and parameters).
    func dereference(_ value: SchemaValue) throws(SchemaMismatch) -> SchemaValue {
        var current = value
        var hops = 0
        while let reference = current["$ref"]?.stringValue {
            hops += 1
            guard hops < 32 else { throw SchemaMismatch(path: "$ref", message: "reference cycle at \(reference)") }
            current = try resolve(reference: reference)
        }
        return current
    }

    private func check(_ value: SchemaValue, _ schema: SchemaValue, at path: String, depth: Int) throws(SchemaMismatch) {
        guard depth < 64 else { throw SchemaMismatch(path: path, message: "schema nesting too deep (a $ref cycle?)") }
        switch schema {
        case .bool(true): return
        case .bool(false): throw SchemaMismatch(path: path, message: "no value is allowed here")
        case .object: break
        default: throw SchemaMismatch(path: path, message: "the schema is not an object or a boolean: \(schema)")
        }

        if let reference = schema["$ref"] {
            guard let text = reference.stringValue else { throw SchemaMismatch(path: path, message: "$ref is not a string") }
            try check(value, try resolve(reference: text), at: path, depth: depth + 1)
        }

        if let type = schema["type"] {
            let allowed: [String]
            switch type {
            case .string(let name): allowed = [name]
            case .array(let names): allowed = names.compactMap(\.stringValue)
            default: throw SchemaMismatch(path: path, message: "type is neither a string nor an array")
            }
            guard allowed.contains(where: { Self.value(value, hasType: $0) }) else {
                throw SchemaMismatch(
                    path: path, message: "expected \(allowed.joined(separator: " or ")), found \(value.typeName)")
            }
        }

        if let options = schema["enum"]?.arrayValue, !options.contains(where: { value.sameJSON(as: $0) }) {
            throw SchemaMismatch(
                path: path, message: "\(value) is not one of \(options.map(\.description).joined(separator: ", "))")
        }
        if let constant = schema["const"], !value.sameJSON(as: constant) {
            throw SchemaMismatch(path: path, message: "\(value) is not \(constant)")
        }

        if case .string(let text) = value {
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"]?.numberValue, Double(length) < minimum {
                throw SchemaMismatch(path: path, message: "shorter than \(Int(minimum)) characters")
            }
            if let maximum = schema["maxLength"]?.numberValue, Double(length) > maximum {
                throw SchemaMismatch(path: path, message: "longer than \(Int(maximum)) characters")
            }
            if let pattern = schema["pattern"]?.stringValue {
                let expression: NSRegularExpression
                do {
                    expression = try NSRegularExpression(pattern: pattern)
                } catch {
                    throw SchemaMismatch(path: path, message: "the schema's pattern \(pattern) is not a valid expression")
                }
                // JSON Schema patterns are not anchored: a match anywhere counts.
                let range = NSRange(text.startIndex..., in: text)
                if expression.firstMatch(in: text, range: range) == nil {
                    throw SchemaMismatch(path: path, message: "\"\(text)\" does not match \(pattern)")
                }
            }
        }

        if let number = value.numberValue {
            if let minimum = schema["minimum"]?.numberValue, number < minimum {
                throw SchemaMismatch(path: path, message: "\(value) is less than the minimum \(minimum)")
            }
            if let maximum = schema["maximum"]?.numberValue, number > maximum {
                throw SchemaMismatch(path: path, message: "\(value) is greater than the maximum \(maximum)")
            }
        }

        if case .object(let members) = value {
            for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[key] == nil {
                throw SchemaMismatch(path: Self.path(path, key), message: "required key is missing")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for key in members.keys.sorted() {
                let member = members[key]!
                if let propertySchema = properties[key] {
                    try check(member, propertySchema, at: Self.path(path, key), depth: depth + 1)
                } else if let additional = schema["additionalProperties"] {
                    if case .bool(false) = additional {
                        throw SchemaMismatch(path: Self.path(path, key), message: "key is not allowed here")
                    }
                    try check(member, additional, at: Self.path(path, key), depth: depth + 1)
                }
            }
        }

        if case .array(let items) = value {
            if let minimum = schema["minItems"]?.numberValue, Double(items.count) < minimum {
                throw SchemaMismatch(path: path, message: "fewer than \(Int(minimum)) items")
            }
            if let maximum = schema["maxItems"]?.numberValue, Double(items.count) > maximum {
                throw SchemaMismatch(path: path, message: "more than \(Int(maximum)) items")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    try check(item, itemSchema, at: "\(path)[\(index)]", depth: depth + 1)
                }
            }
        }

        if let all = schema["allOf"]?.arrayValue {
            for subschema in all { try check(value, subschema, at: path, depth: depth + 1) }
        }
        if let any = schema["anyOf"]?.arrayValue {
            var failures: [SchemaMismatch] = []
            for subschema in any {
                do {
                    try check(value, subschema, at: path, depth: depth + 1)
                    failures = []
                    break
                } catch {
                    failures.append(error)
                }
            }
            if !failures.isEmpty {
                throw SchemaMismatch(
                    path: path,
                    message: "matches none of anyOf (" + failures.map(\.description).joined(separator: "; ") + ")")
            }
        }
        if let one = schema["oneOf"]?.arrayValue {
            var matches = 0
            var failures: [SchemaMismatch] = []
            for subschema in one {
                do {
                    try check(value, subschema, at: path, depth: depth + 1)
                    matches += 1
                } catch {
                    failures.append(error)
                }
            }
            if matches == 0 {
                throw SchemaMismatch(
                    path: path,
                    message: "matches none of oneOf (" + failures.map(\.description).joined(separator: "; ") + ")")
            }
            if matches > 1 {
                throw SchemaMismatch(path: path, message: "matches \(matches) schemas of oneOf, not exactly one")
            }
        }
    }

    private static func value(_ value: SchemaValue, hasType name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("integer", .integer), ("number", .integer), ("number", .number):
            true
        case ("integer", .number(let number)):
            number.rounded() == number && number.isFinite
        default:
            false
        }
    }

    /// `$.data[0].state`; keys that are not plain words are quoted: `$["x-payhub-permission"]`.
    static func path(_ parent: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" }
        return plain ? "\(parent).\(key)" : "\(parent)[\"\(key)\"]"
    }
}
