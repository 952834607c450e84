import PayHubDomain

/// Builds the keyset-paginated list queries: filters, the caller's entity scope, `id > after`, ordered
/// by id and fetching one row more than the page to learn whether another page exists.
public enum ListQueries {
    public static func entities(_ page: PageRequest, scope: EntityScope) -> SQLQuery {
        var builder = Builder(table: "entities", entityColumn: "id", scope: scope)
        return builder.query(page)
    }

    public static func vendors(_ filter: VendorFilter, _ page: PageRequest, scope: EntityScope) -> SQLQuery {
        var builder = Builder(table: "vendors", entityColumn: "entity_id", scope: scope)
        builder.equal("entity_id", filter.entityID?.rawValue)
        return builder.query(page)
    }

    public static func bankAccounts(_ filter: BankAccountFilter, _ page: PageRequest, scope: EntityScope) -> SQLQuery {
        var builder = Builder(table: "bank_accounts", entityColumn: "entity_id", scope: scope)
        builder.equal("entity_id", filter.entityID?.rawValue)
        builder.equal("vendor_id", filter.vendorID?.rawValue)
        if filter.entityAccountsOnly { builder.conditions.append("vendor_id IS NULL") }
        return builder.query(page)
    }

    public static func payables(_ filter: PayableFilter, _ page: PageRequest, scope: EntityScope) -> SQLQuery {
        var builder = Builder(table: "payables", entityColumn: "entity_id", scope: scope)
        builder.equal("entity_id", filter.entityID?.rawValue)
        builder.equal("vendor_id", filter.vendorID?.rawValue)
        builder.equal("state", filter.state?.rawValue)
        // ISO dates compare correctly as text.
        if let from = filter.dueDateFrom { builder.add("due_date >= ?", .text(from.iso8601)) }
        if let to = filter.dueDateTo { builder.add("due_date <= ?", .text(to.iso8601)) }
        return builder.query(page)
    }

    public static func payments(_ filter: PaymentFilter, _ page: PageRequest, scope: EntityScope) -> SQLQuery {
        var builder = Builder(table: "payments", entityColumn: "entity_id", scope: scope)
        builder.equal("entity_id", filter.entityID?.rawValue)
        builder.equal("vendor_id", filter.vendorID?.rawValue)
        builder.equal("state", filter.state?.rawValue)
        return builder.query(page)
    }

    public static func bankInstructions(
        state: StoredInstruction.State?, _ page: PageRequest, scope: EntityScope
    ) -> SQLQuery {
        var builder = Builder(table: "bank_instructions", entityColumn: "entity_id", scope: scope)
        builder.equal("state", state?.rawValue)
        return builder.query(page)
    }

    /// One object by id, within the caller's scope: outside it, the object does not exist.
    public static func byID(table: String, entityColumn: String, id: String, scope: EntityScope) -> SQLQuery {
        var builder = Builder(table: table, entityColumn: entityColumn, scope: scope)
        builder.add("id = ?", .text(id))
        return SQLQuery("SELECT * FROM \(table)" + builder.whereClause, builder.binds)
    }

    struct Builder {
        let table: String
        var conditions: [String] = []
        var binds: [SQLValue] = []

        /// A list of a table that belongs to no entity (its rows are scoped through their parent, if at all).
        init(table: String) {
            self.table = table
        }

        init(table: String, entityColumn: String, scope: EntityScope) {
            self.table = table
            if case .only(let entities) = scope {
                if entities.isEmpty {
                    conditions.append("1 = 0")
                } else {
                    let sorted = entities.map(\.rawValue).sorted()
                    conditions.append("\(entityColumn) IN (\(Array(repeating: "?", count: sorted.count).joined(separator: ", ")))")
                    binds += sorted.map(SQLValue.text)
                }
            }
        }

        mutating func add(_ condition: String, _ value: SQLValue) {
            conditions.append(condition)
            binds.append(value)
        }

        mutating func equal(_ column: String, _ value: String?) {
            if let value { add("\(column) = ?", .text(value)) }
        }

        var whereClause: String { conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ") }

        /// A work queue rather than a page: in `orderBy` order, at most `limit` rows.
        func query(orderBy: String, limit: Int) -> SQLQuery {
            SQLQuery("SELECT * FROM \(table)\(whereClause) ORDER BY \(orderBy) LIMIT ?", binds + [.integer(Int64(limit))])
        }

        mutating func query(_ page: PageRequest) -> SQLQuery {
            if let after = page.afterID { add("id > ?", .text(after)) }
            return SQLQuery(
                "SELECT * FROM \(table)\(whereClause) ORDER BY id LIMIT ?", binds + [.integer(Int64(page.limit + 1))])
        }
    }
}
