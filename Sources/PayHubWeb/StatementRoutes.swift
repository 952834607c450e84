import BankFormats
import Foundation
import Hummingbird
import PayHubDomain
import PayHubServices
import PayHubStorage

// The bank's statements, stored once each for reconciliation: uploaded as multipart/form-data (`file`,
// optional `format`), listed, and read line by line.

extension PayHubAPI {
    func addStatementRoutes(to table: inout RouteTable) {
        let importer = StatementImporter(hub: hub)

        table.add(.post, "/api/v1/statements", .requires(.statementsImport), "Import a bank statement file") {
            request, context in
            let upload = try await MultipartForm.read(request, limit: Self.importBodyLimit)
            guard let file = upload.parts.first(where: { $0.name == "file" }) else {
                throw Problem.badRequest([
                    FieldError(path: "file", code: "missing_field", message: "attach the file as `file`")
                ])
            }
            var format: BankFileFormat?
            if let name = upload.text("format"), !name.isEmpty {
                guard let known = BankFileFormat(rawValue: name),
                    [.camt, .mt940, .mt942, .bai2, .chineseBankCSV].contains(known)
                else {
                    throw Problem.validation([
                        FieldError(
                            path: "format", code: "unknown_format", message: "camt, mt940, mt942, bai2 or cn-csv")
                    ])
                }
                format = known
            }
            let report = try await importer.importFile(file.body, format: format, context: try context.caller())
            return try JSONBody.response(StatementImportResource(report), status: .created)
        }
        table.add(.get, "/api/v1/statements", .requires(.statementsRead), "List bank statements in import order") {
            request, context in
            let page = try await importer.statements(try ListQuery(request).page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map(StatementResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(
            .get, "/api/v1/statements/:id/lines", .requires(.statementsRead), "A bank statement's lines in file order"
        ) { request, context in
            let page = try await importer.lines(
                of: try context.id(), try ListQuery(request).page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(
                    data: page.items.map(StatementLineResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
    }
}

/// What an upload did: each statement of the file stored (with the exceptions found) or already there.
struct StatementImportResource: Encodable {
    struct Outcome: Encodable {
        let result: String
        let statementID: String
        @ExplicitNull var statement: StatementResource?
        let exceptions: [ExceptionResource]

        enum CodingKeys: String, CodingKey {
            case result, statement, exceptions
            case statementID = "statement_id"
        }
    }

    let format: String
    let fileSHA256: String
    let statements: [Outcome]
    let warnings: [String]

    enum CodingKeys: String, CodingKey {
        case format, statements, warnings
        case fileSHA256 = "file_sha256"
    }

    init(_ report: StatementImporter.Report) {
        format = report.format
        fileSHA256 = report.fileSHA256
        warnings = report.warnings
        statements = report.outcomes.map { outcome in
            switch outcome {
            case .stored(let statement, let exceptions):
                Outcome(
                    result: "stored", statementID: statement.id.rawValue, statement: StatementResource(statement),
                    exceptions: exceptions.map(ExceptionResource.init))
            case .alreadyImported(let existing):
                Outcome(result: "already_imported", statementID: existing.rawValue, statement: nil, exceptions: [])
            }
        }
    }
}

struct ExceptionResource: Encodable {
    let id: String
    let kind: String
    let state: String
    /// The previous statement and the numbers or balances that do not follow, as strings.
    let details: [String: String]

    init(_ exception: StoredReconciliationException) {
        id = exception.id.rawValue
        kind = exception.kind.rawValue
        state = exception.state.rawValue
        let decoded = try? JSONDecoder().decode([String: String?].self, from: Data(exception.detailsJSON.utf8))
        details = (decoded ?? [:]).compactMapValues { $0 }
    }
}

/// A stored statement as the API shows it; balances are null when the file gives none.
struct StatementResource: Encodable {
    let id: String
    @ExplicitNull var entityID: String?
    @ExplicitNull var bankAccountID: String?
    let account: String
    @ExplicitNull var statementReference: String?
    @ExplicitNull var sequenceNumber: Int?
    let currency: String
    @ExplicitNull var openingBalance: AmountResource?
    @ExplicitNull var openingDate: String?
    @ExplicitNull var closingBalance: AmountResource?
    @ExplicitNull var closingDate: String?
    let format: String
    let fileSHA256: String
    let lineCount: Int
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, account, currency, format
        case entityID = "entity_id"
        case bankAccountID = "bank_account_id"
        case statementReference = "statement_reference"
        case sequenceNumber = "sequence_number"
        case openingBalance = "opening_balance"
        case openingDate = "opening_date"
        case closingBalance = "closing_balance"
        case closingDate = "closing_date"
        case fileSHA256 = "file_sha256"
        case lineCount = "line_count"
        case createdAt = "created_at"
    }

    init(_ statement: StoredStatement) {
        id = statement.id.rawValue
        entityID = statement.entityID?.rawValue
        bankAccountID = statement.bankAccountID?.rawValue
        account = statement.accountMasked
        statementReference = statement.statementReference
        sequenceNumber = statement.sequenceNumber
        currency = statement.currency.code
        openingBalance = statement.openingBalance.map(AmountResource.init)
        openingDate = statement.openingDate?.iso8601
        closingBalance = statement.closingBalance.map(AmountResource.init)
        closingDate = statement.closingDate?.iso8601
        format = statement.format
        fileSHA256 = statement.fileSHA256
        lineCount = statement.lineCount
        createdAt = Timestamp.iso8601(statement.createdAt)
    }
}

/// One statement line; the counterparty's account only masked.
struct StatementLineResource: Encodable {
    let id: String
    let statementID: String
    let position: Int
    /// Signed: money leaving the account is negative.
    let amount: AmountResource
    @ExplicitNull var bookingDate: String?
    @ExplicitNull var valueDate: String?
    let endToEndIDs: [String]
    @ExplicitNull var bankReference: String?
    @ExplicitNull var counterpartyName: String?
    @ExplicitNull var counterpartyAccount: String?
    @ExplicitNull var remittance: String?
    @ExplicitNull var transactionCode: String?
    @ExplicitNull var returnReason: String?
    let reversal: Bool
    let status: String

    enum CodingKeys: String, CodingKey {
        case id, position, amount, remittance, reversal, status
        case statementID = "statement_id"
        case bookingDate = "booking_date"
        case valueDate = "value_date"
        case endToEndIDs = "end_to_end_ids"
        case bankReference = "bank_reference"
        case counterpartyName = "counterparty_name"
        case counterpartyAccount = "counterparty_account"
        case transactionCode = "transaction_code"
        case returnReason = "return_reason"
    }

    init(_ line: StoredStatementLine) {
        id = line.id.rawValue
        statementID = line.statementID.rawValue
        position = line.position
        amount = AmountResource(line.amount)
        bookingDate = line.bookingDate?.iso8601
        valueDate = line.valueDate?.iso8601
        endToEndIDs = line.endToEndIDs
        bankReference = line.bankReference
        counterpartyName = line.counterpartyName
        counterpartyAccount = line.counterpartyAccountMasked
        remittance = line.remittance
        transactionCode = line.transactionCode
        returnReason = line.returnReason
        reversal = line.reversal
        status = line.status.rawValue
    }
}
