import Foundation
import Logging
import PayHubStorage
import PostgresNIO

extension SQLQuery {
    /// The statement as postgres-nio sends it: numbered placeholders, each value bound with its own type.
    var postgresQuery: PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .text(let text): bindings.append(text)
            case .blob(let data): bindings.append(ByteBuffer(bytes: data))
            }
        }
        return PostgresQuery(unsafeSQL: numberedPlaceholders, binds: bindings)
    }
}

/// A PostgreSQL row seen through the shared ``SQLRow`` protocol, so ``Records`` decodes it exactly as it
/// decodes a SQLite row.
struct PostgresSQLRow: SQLRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func value(named column: String) throws -> SQLValue {
        // The name subscript traps on an unknown column; a missing column is a corrupt row, not a crash.
        guard row.contains(column) else { throw StorageError(.corruptRow, target: column) }
        let cell = row[column]
        guard cell.bytes != nil else { return .null }
        do {
            switch cell.dataType {
            case .int8, .int4, .int2: return .integer(try cell.decode(Int64.self))
            case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
            case .bytea: return .blob(try cell.decode(Data.self))
            default: throw StorageError(.corruptRow, target: column)
            }
        } catch {
            // PostgresDecodingError's debug description carries the cell's bytes; keep them out of errors.
            throw StorageError(.corruptRow, target: column)
        }
    }
}

/// Runs ``SQLQuery``s on one leased connection, turning constraint failures into ``StorageError``s.
struct PostgresExecutor {
    let connection: PostgresConnection
    let logger: Logger

    func rows(_ query: SQLQuery) async throws -> [PostgresSQLRow] {
        do {
            return try await connection.query(query.postgresQuery, logger: logger).collect().map(PostgresSQLRow.init)
        } catch let error as PSQLError {
            throw PostgresErrors.map(error)
        }
    }

    /// Runs a statement and returns how many rows it changed (from the command tag, `UPDATE 3`).
    @discardableResult
    func run(_ query: SQLQuery) async throws -> Int {
        do {
            // The future-based overload is the one that exposes the command tag's row count.
            let result = try await connection.query(query.postgresQuery, logger: logger).get()
            return result.metadata.rows ?? 0
        } catch let error as PSQLError {
            throw PostgresErrors.map(error)
        }
    }
}

/// A leased connection driven synchronously, for the features shared with SQLite (``SQLSession``).
/// Only ever used from a dispatch thread: `wait()` on an event loop would deadlock it.
struct BlockingPostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: Schema.Dialect { .postgres }

    func rows(_ query: SQLQuery) throws -> [any SQLRow] {
        do {
            return try connection.query(query.postgresQuery, logger: logger).wait().rows.map(PostgresSQLRow.init)
        } catch let error as PSQLError {
            throw PostgresErrors.map(error)
        }
    }

    @discardableResult
    func run(_ query: SQLQuery) throws -> Int {
        do {
            return try connection.query(query.postgresQuery, logger: logger).wait().metadata.rows ?? 0
        } catch let error as PSQLError {
            throw PostgresErrors.map(error)
        }
    }

    func lockChain() throws {
        try run(PostgresStore.lock(PostgresStore.auditChainLock))
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK (or closing the connection if even that fails) when anything throws.
    func transaction<Result>(begin: String, _ body: (any SQLSession) throws -> Result) throws -> Result {
        try run(SQLQuery(begin))
        let result: Result
        do {
            result = try body(self)
            try run(SQLQuery("COMMIT"))
        } catch {
            do { try run(SQLQuery("ROLLBACK")) } catch { _ = try? connection.close().wait() }
            if let unresolved = error as? UnresolvedUniqueViolation { throw resolve(unresolved) }
            throw error
        }
        return result
    }

    /// Names the column of a unique violation the server gave no detail for, as the async path does.
    private func resolve(_ violation: UnresolvedUniqueViolation) -> StorageError {
        let column = try? rows(
            SQLQuery(PostgresErrors.keyColumnQuery, [.text(violation.constraint), .text(violation.table)])
        ).first?.text("column_name")
        if let column { return StorageError(.duplicate, target: "\(violation.table).\(column)") }
        return StorageError(
            .duplicate,
            target: PostgresErrors.targetFromConstraintName(table: violation.table, constraint: violation.constraint))
    }
}

/// A unique key refused a write and the server did not say which columns (no `Key (…)=` detail); the
/// store looks the key's first column up in the catalog once the failed transaction is rolled back.
struct UnresolvedUniqueViolation: Error {
    let table: String
    let constraint: String
}

enum PostgresErrors {
    static let uniqueViolation = "23505"
    static let foreignKeyViolation = "23503"

    /// Maps the constraint failures PayHub expects to the same ``StorageError`` the SQLite adapter throws;
    /// anything else is rethrown as is (a `PSQLError`'s description is generic and leaks no values).
    static func map(_ error: PSQLError) -> any Error {
        guard let info = error.serverInfo else { return error }
        switch info[.sqlState] {
        case uniqueViolation:
            let table = info[.tableName] ?? "row"
            if let column = firstKeyColumn(detail: info[.detail]) {
                return StorageError(.duplicate, target: "\(table).\(column)")
            }
            return UnresolvedUniqueViolation(table: table, constraint: info[.constraintName] ?? "")
        case foreignKeyViolation:
            return StorageError(.referenceMissing, target: "reference")
        default:
            return error
        }
    }

    /// The first column named in PostgreSQL's unique-violation detail, `Key (source_system,
    /// source_external_id)=(sap, 4711) already exists.` Only the column list is read; the values after
    /// `=` (which may be names or references) are never used.
    static func firstKeyColumn(detail: String?) -> String? {
        guard let detail, detail.hasPrefix("Key ("), let end = detail.range(of: ")=(") else { return nil }
        let columns = detail[detail.index(detail.startIndex, offsetBy: 5)..<end.lowerBound]
        guard let first = columns.split(separator: ",").first else { return nil }
        let column = first.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        // An expression index would show `lower(name)`; only a plain column name makes a usable target.
        guard !column.isEmpty, column.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return column
    }

    /// The last resort when even the catalog cannot say: derive what it can from PostgreSQL's default
    /// constraint names (`payments_end_to_end_id_key`, `payments_pkey`).
    static func targetFromConstraintName(table: String, constraint: String) -> String {
        var rest = Substring(constraint)
        if rest.hasPrefix(table + "_") { rest = rest.dropFirst(table.count + 1) }
        if rest == "pkey" { return "\(table).id" }
        if rest.hasSuffix("_key") { rest = rest.dropLast(4) }
        return rest.isEmpty ? table : "\(table).\(rest)"
    }

    /// The first column of the unique index `constraint` on `table`, read from the catalog.
    static let keyColumnQuery = """
        SELECT a.attname::text AS column_name
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
        WHERE i.relname = ? AND x.indrelid = to_regclass(?)
        """
}
