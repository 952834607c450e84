/// A kind of object that has its own prefixed identifier (`pay_…`, `ven_…`).
public protocol Identified {
    /// The prefix before the underscore, such as `pay`. Unique per kind, so ids cannot be mixed up in logs.
    static var idPrefix: String { get }
}

/// An opaque, prefixed identifier of one kind of object: `ID<Payment>` can never be passed where an
/// `ID<Vendor>` is expected, and its text form (`pay_01j8…`) says what it names.
public struct ID<Object: Identified>: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Validates an id received from outside: the right prefix, then 1 to 64 lowercase letters and digits.
    public init(_ text: String) throws(InvalidIDError) {
        let prefix = Object.idPrefix + "_"
        guard text.hasPrefix(prefix) else { throw InvalidIDError(expectedPrefix: Object.idPrefix) }
        let body = text.utf8.dropFirst(prefix.utf8.count)
        guard !body.isEmpty, body.count <= 64,
            body.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) })
        else { throw InvalidIDError(expectedPrefix: Object.idPrefix) }
        rawValue = text
    }

    private init(trusted rawValue: String) { self.rawValue = rawValue }

    /// A new id whose body sorts by `millisecondsSinceEpoch` first, then 80 random bits.
    ///
    /// Time-ordered ids keep B-tree inserts local and make cursors follow creation order; the time and the
    /// randomness come in as arguments because the domain does no I/O.
    public static func generate(
        millisecondsSinceEpoch: UInt64,
        using generator: inout some RandomNumberGenerator
    ) -> ID {
        // 48 bits of time then 80 random bits, in Crockford base32 (lowercase): 26 characters.
        var value = UInt128(millisecondsSinceEpoch & 0xFFFF_FFFF_FFFF) << 80
        value |= UInt128(generator.next() as UInt64) << 16
        value |= UInt128(generator.next() as UInt16)
        return ID(encoding: value)
    }

    /// A new id that sorts after every id made earlier with a smaller `sequence` in the same millisecond:
    /// 48 bits of time, 32 of sequence, 48 random. A process numbers the ids it makes within each
    /// millisecond, so rows it writes in one go (an import's rejected lines) list in the order written.
    public static func generate(
        millisecondsSinceEpoch: UInt64, sequence: UInt32, using generator: inout some RandomNumberGenerator
    ) -> ID {
        var value = UInt128(millisecondsSinceEpoch & 0xFFFF_FFFF_FFFF) << 80
        value |= UInt128(sequence) << 48
        value |= UInt128((generator.next() as UInt64) & 0xFFFF_FFFF_FFFF)
        return ID(encoding: value)
    }

    /// Crockford base32, lowercase: no i, l, o or u to misread.
    private static var base32Alphabet: StaticString { "0123456789abcdefghjkmnpqrstvwxyz" }

    private init(encoding value: UInt128) {
        let prefix = Object.idPrefix
        var prefixBytes = prefix
        let length = prefix.utf8.count + 1 + 26
        // Written straight into the string's storage: an import makes one id per row.
        let text = prefixBytes.withUTF8 { prefix in
            Self.base32Alphabet.withUTF8Buffer { alphabet in
                String(unsafeUninitializedCapacity: length) { buffer in
                    _ = buffer.initialize(fromContentsOf: prefix)
                    buffer[prefix.count] = UInt8(ascii: "_")
                    var value = value
                    for index in (prefix.count + 1..<length).reversed() {
                        buffer[index] = alphabet[Int(value & 31)]
                        value >>= 5
                    }
                    return length
                }
            }
        }
        self.init(trusted: text)
    }

    public var description: String { rawValue }

    public static func < (lhs: ID, rhs: ID) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension ID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try ID(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public struct InvalidIDError: Error, Hashable, Sendable, CustomStringConvertible {
    public let expectedPrefix: String
    public var description: String { "id must look like \(expectedPrefix)_… (lowercase letters and digits)" }
}
