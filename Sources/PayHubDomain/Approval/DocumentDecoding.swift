import Foundation

/// What went wrong at one place of a policy or policy-test document while it was decoded. Carried as the
/// `underlyingError` of a `DecodingError`, so the coding path stays the decoder's (JSON or YAML alike)
/// and ``FieldError/init(decoding:)`` can turn it back into a code and a message.
struct DocumentProblem: Error, Hashable, Sendable {
    let code: String
    let message: String
}

/// A coding key for any name or index: lists a container's keys and extends coding paths.
struct DocumentKey: CodingKey, Hashable {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

enum DocumentDecoding {
    static func problem(_ code: String, _ message: String, at path: [any CodingKey]) -> DecodingError {
        .dataCorrupted(
            DecodingError.Context(
                codingPath: path, debugDescription: message,
                underlyingError: DocumentProblem(code: code, message: message)))
    }

    /// Refuses fields the type does not know. A misspelt condition (`amount_atleast`) silently ignored
    /// would make a rule match more payments than its author meant, so every document type checks this.
    static func rejectUnknownKeys<Key: CodingKey & CaseIterable>(in decoder: any Decoder, knowing _: Key.Type) throws {
        let container = try decoder.container(keyedBy: DocumentKey.self)
        let known = Set(Key.allCases.map(\.stringValue))
        // Sorted so the same document always reports the same first problem.
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
        where !known.contains(key.stringValue) {
            throw problem(
                "unknown_field", "unknown field '\(key.stringValue)'; check its spelling",
                at: decoder.codingPath + [key])
        }
    }
}

extension KeyedDecodingContainer {
    /// A value of a closed vocabulary (a role, a payment method), refused with `code` and the allowed
    /// values when it is not one of them.
    func decodeWord<Word: RawRepresentable & CaseIterable>(
        _: Word.Type, forKey key: Key, code: String, what: String
    ) throws -> Word where Word.RawValue == String {
        let text = try decode(String.self, forKey: key)
        guard let word = Word(rawValue: text) else {
            throw DocumentDecoding.problem(code, Self.unknownWordMessage(Word.self, what: what), at: codingPath + [key])
        }
        return word
    }

    func decodeWordsIfPresent<Word: RawRepresentable & CaseIterable>(
        _: Word.Type, forKey key: Key, code: String, what: String
    ) throws -> [Word]? where Word.RawValue == String {
        guard let texts = try decodeIfPresent([String].self, forKey: key) else { return nil }
        return try texts.enumerated().map { index, text in
            guard let word = Word(rawValue: text) else {
                throw DocumentDecoding.problem(
                    code, Self.unknownWordMessage(Word.self, what: what),
                    at: codingPath + [key, DocumentKey(intValue: index)])
            }
            return word
        }
    }

    private static func unknownWordMessage<Word: RawRepresentable & CaseIterable>(_: Word.Type, what: String) -> String
    where Word.RawValue == String {
        "unknown \(what); expected one of " + Word.allCases.map(\.rawValue).joined(separator: ", ")
    }

    func decodeCurrency(forKey key: Key) throws -> Currency {
        let text = try decode(String.self, forKey: key)
        guard let currency = try? Currency(code: text) else {
            throw DocumentDecoding.problem("unknown_currency", "not an ISO 4217 currency code", at: codingPath + [key])
        }
        return currency
    }

    func decodeCurrenciesIfPresent(forKey key: Key) throws -> [Currency]? {
        guard let texts = try decodeIfPresent([String].self, forKey: key) else { return nil }
        return try texts.enumerated().map { index, text in
            guard let currency = try? Currency(code: text) else {
                throw DocumentDecoding.problem(
                    "unknown_currency", "not an ISO 4217 currency code",
                    at: codingPath + [key, DocumentKey(intValue: index)])
            }
            return currency
        }
    }

    func decodeIDsIfPresent<Object: Identified>(_: ID<Object>.Type, forKey key: Key) throws -> [ID<Object>]? {
        guard let texts = try decodeIfPresent([String].self, forKey: key) else { return nil }
        return try texts.enumerated().map { index, text in
            guard let id = try? ID<Object>(text) else {
                throw DocumentDecoding.problem(
                    "invalid_id", InvalidIDError(expectedPrefix: Object.idPrefix).description,
                    at: codingPath + [key, DocumentKey(intValue: index)])
            }
            return id
        }
    }

    func decodeID<Object: Identified>(_: ID<Object>.Type, forKey key: Key) throws -> ID<Object> {
        let text = try decode(String.self, forKey: key)
        do {
            return try ID<Object>(text)
        } catch {
            throw DocumentDecoding.problem("invalid_id", error.description, at: codingPath + [key])
        }
    }

    func decodeDate(forKey key: Key) throws -> LocalDate {
        let text = try decode(String.self, forKey: key)
        do {
            return try LocalDate(iso8601: text)
        } catch {
            throw DocumentDecoding.problem("invalid_date", error.description, at: codingPath + [key])
        }
    }

    func decodeDateIfPresent(forKey key: Key) throws -> LocalDate? {
        try contains(key) && !decodeNil(forKey: key) ? decodeDate(forKey: key) : nil
    }

    /// An amount written as text (`"10000.00"`). A bare number is refused with a hint rather than read:
    /// decoders hand numbers over as binary floating point, which money never passes through.
    func decodeAmountTextIfPresent(forKey key: Key) throws -> String? {
        do {
            return try decodeIfPresent(String.self, forKey: key)
        } catch DecodingError.typeMismatch {
            throw DocumentDecoding.problem(
                "amount_not_text", "write amounts as text in quotes, such as \"10000.00\"", at: codingPath + [key])
        }
    }

    /// `{"amount": "12.34", "currency": "EUR"}`, with problems reported at their own field.
    func decodeMoney(forKey key: Key) throws -> Money {
        let nested = try nestedContainer(keyedBy: MoneyKey.self, forKey: key)
        let currency = try nested.decodeCurrency(forKey: .currency)
        guard let text = try nested.decodeAmountTextIfPresent(forKey: .amount) else {
            throw DecodingError.keyNotFound(
                MoneyKey.amount, DecodingError.Context(codingPath: nested.codingPath, debugDescription: "amount"))
        }
        do {
            return try Money(parsing: text, currency: currency)
        } catch {
            throw DocumentDecoding.problem(
                error.code.rawValue, error.description, at: nested.codingPath + [MoneyKey.amount])
        }
    }
}

enum MoneyKey: String, CodingKey, CaseIterable { case amount, currency }

extension KeyedEncodingContainer {
    mutating func encodeMoney(_ money: Money, forKey key: Key) throws {
        var nested = nestedContainer(keyedBy: MoneyKey.self, forKey: key)
        try nested.encode(money.decimalString, forKey: .amount)
        try nested.encode(money.currency.code, forKey: .currency)
    }
}

extension FieldError {
    /// The error a decoder threw, as a field error whose path reads like the document:
    /// `rules[2].then.steps[0].role`.
    ///
    /// Problems PayHub's own document types raise keep their code (`unknown_role`); the decoder's own
    /// become `missing_field`, `wrong_type`, `missing_value` or `malformed_document`.
    public init(decoding error: any Error) {
        guard let error = error as? DecodingError else {
            self.init(path: "", code: "unreadable_document", message: "the document could not be read")
            return
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(
                path: Self.path(context.codingPath + [key]), code: "missing_field", message: "required field is missing"
            )
        case .typeMismatch(let type, let context):
            self.init(
                path: Self.path(context.codingPath), code: "wrong_type", message: "expected \(Self.kindName(of: type))")
        case .valueNotFound(let type, let context):
            self.init(
                path: Self.path(context.codingPath), code: "missing_value",
                message: "expected \(Self.kindName(of: type)), found nothing")
        case .dataCorrupted(let context):
            if let problem = context.underlyingError as? DocumentProblem {
                self.init(path: Self.path(context.codingPath), code: problem.code, message: problem.message)
            } else if context.codingPath.isEmpty {
                self.init(path: "", code: "malformed_document", message: "the document is not well-formed")
            } else {
                self.init(path: Self.path(context.codingPath), code: "invalid_value", message: "the value is not valid")
            }
        @unknown default:
            self.init(path: "", code: "unreadable_document", message: "the document could not be read")
        }
    }

    /// `[rules, Index 2, when]` → `rules[2].when`.
    static func path(_ keys: [any CodingKey]) -> String {
        var path = ""
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return path
    }

    private static func kindName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        case is Int.Type: "a whole number"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
