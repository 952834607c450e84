import Foundation
import Synchronization
import PayHubDomain

/// A value bound into, or read out of, a SQL statement; the four storage classes both databases share.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case blob(Data)
}

extension SQLValue {
    public init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    public init(_ integer: Int64?) { self = integer.map(SQLValue.integer) ?? .null }
}

/// A statement with `?` placeholders and its values. Adapters rewrite placeholders for their database.
public struct SQLQuery: Sendable, Hashable {
    public var sql: String
    public var binds: [SQLValue]

    public init(_ sql: String, _ binds: [SQLValue] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// The same statement with PostgreSQL's numbered placeholders (`$1`, `$2`…). No statement PayHub
    /// writes has a `?` inside a string literal, so a plain scan is enough.
    public var numberedPlaceholders: String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                result += "$\(index)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A result row as both adapters can present it: values by column name.
public protocol SQLRow {
    func value(named column: String) throws -> SQLValue
}

extension SQLRow {
    public func text(_ column: String) throws -> String {
        guard case .text(let text) = try value(named: column) else { throw StorageError(.corruptRow, target: column) }
        return text
    }

    public func optionalText(_ column: String) throws -> String? {
        switch try value(named: column) {
        case .null: return nil
        case .text(let text): return text
        default: throw StorageError(.corruptRow, target: column)
        }
    }

    public func integer(_ column: String) throws -> Int64 {
        guard case .integer(let value) = try value(named: column) else {
            throw StorageError(.corruptRow, target: column)
        }
        return value
    }

    public func optionalInteger(_ column: String) throws -> Int64? {
        switch try value(named: column) {
        case .null: return nil
        case .integer(let value): return value
        default: throw StorageError(.corruptRow, target: column)
        }
    }

    public func blob(_ column: String) throws -> Data {
        guard case .blob(let data) = try value(named: column) else { throw StorageError(.corruptRow, target: column) }
        return data
    }
}

/// Instants are stored as integer milliseconds since 1970 in both databases: exact, sortable, and
/// hashed identically by the audit chain.
public enum StoredTime {
    /// Whole milliseconds, cut (not rounded) like a clock's display. Rounded to the microsecond first: a
    /// time read back from storage is `ms / 1000`, often a hair below the exact value, and cutting that
    /// directly would lose a millisecond on every round trip.
    public static func milliseconds(_ date: Date) -> Int64 {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        return microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
    }
    public static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
}

/// The random bits of ids made many at a time: a generator seeded once from the system's, instead of a
/// `getrandom` call per id, which was a measurable share of an import (one id per row).
///
/// Ids must be unique, not secret (access is decided by permissions and entity scope, never by knowing
/// an id), and their time and sequence parts already keep one process's ids apart; the seed keeps two
/// processes apart.
public struct IDRandomness: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    public init() {
        var system = SystemRandomNumberGenerator()
        generator = SplitMix64(seed: system.next())
    }

    public mutating func next() -> UInt64 { generator.next() }
}

/// The SQL of a multi-row insert, made once per row count: a full chunk of 256 rows is 10 KB of text, and
/// building it (and hashing it afresh in the statement cache) for every chunk of an import cost the
/// writer more than the statement's own preparation, which the cache saves anyway.
final class MultiRowInsertSQL: Sendable {
    private let prefix: String
    private let suffix: String
    private let rowPlaceholders: String
    private let texts: Mutex<[Int: String]>

    init(_ prefix: String, columns: Int, suffix: String = "") {
        self.prefix = prefix
        self.suffix = suffix
        rowPlaceholders = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        texts = Mutex([:])
    }

    func sql(rows: Int) -> String {
        texts.withLock { texts in
            if let text = texts[rows] { return text }
            let text = prefix + " VALUES " + Array(repeating: rowPlaceholders, count: rows).joined(separator: ", ") + suffix
            if texts.count < 64 { texts[rows] = text }
            return text
        }
    }
}
