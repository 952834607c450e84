/// One problem with one field of some input, named by its path (`payables[3].amount`).
///
/// The code is a stable snake_case string clients may branch on; the message is for people and never
/// contains an account number.
public struct FieldError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public var path: String
    public var code: String
    public var message: String

    public init(path: String, code: String, message: String) {
        self.path = path
        self.code = code
        self.message = message
    }

    /// The same error, one level deeper: `FieldError(path: "amount").nested(under: "payables[3]")`.
    public func nested(under parent: String) -> FieldError {
        FieldError(path: path.isEmpty ? parent : parent + "." + path, code: code, message: message)
    }

    public var description: String { "\(path): \(message)" }
}

/// Every problem found in one piece of input, so a caller can fix them all at once.
public struct ValidationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "; ") }
}

/// Collects field errors while a value is checked, then throws them together.
public struct FieldErrorCollector: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func add(_ path: String, code: String, _ message: String) {
        errors.append(FieldError(path: path, code: code, message: message))
    }

    /// Runs `parse`, recording its error under `path` and returning nil when it fails. The path is
    /// only made when there is an error to record (writers check a dozen fields of every payment).
    public mutating func check<Value, Failure: Error & CustomStringConvertible>(
        _ path: @autoclosure () -> String, code: (Failure) -> String, _ parse: () throws(Failure) -> Value
    ) -> Value? {
        do {
            return try parse()
        } catch {
            errors.append(FieldError(path: path(), code: code(error), message: error.description))
            return nil
        }
    }

    public func throwIfAny() throws(ValidationFailure) {
        if !errors.isEmpty { throw ValidationFailure(errors) }
    }
}
