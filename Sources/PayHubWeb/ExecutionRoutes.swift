import Foundation
import Hummingbird
import PayHubDomain
import PayHubServices
import PayHubStorage

// The bank instructions PayHub planned from approved payments, one file each, and how each reached
// its bank: read-only, for treasury, auditors and the dashboard.

extension PayHubAPI {
    func addExecutionRoutes(to table: inout RouteTable) {
        let queries = BankInstructionQueries(hub: hub)

        table.add(.get, "/api/v1/bank_instructions", .requires(.paymentsRead), "List bank instructions") {
            request, context in
            let query = ListQuery(request)
            let page = try await queries.instructions(
                state: try query.value("state", as: StoredInstruction.State.self), try query.page(),
                context: try context.caller())
            return try JSONBody.response(
                ListResource(
                    data: page.items.map(BankInstructionResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(
            .get, "/api/v1/bank_instructions/:id", .requires(.paymentsRead),
            "Get a bank instruction with its payments in file order"
        ) { _, context in
            try JSONBody.response(
                BankInstructionResource(try await queries.instruction(try context.id(), context: try context.caller())))
        }
    }
}

/// A bank instruction as the API shows it. The file's name, SHA-256, transport and `sent_at` are null
/// until the file is handed to the bank.
struct BankInstructionResource: Encodable {
    struct Member: Encodable {
        let paymentID: String
        let paymentInformationID: String
        let uetr: String

        enum CodingKeys: String, CodingKey {
            case uetr
            case paymentID = "payment_id"
            case paymentInformationID = "payment_information_id"
        }
    }

    let id: String
    let messageID: String
    let entityID: String
    let debtorAccountID: String
    let method: String
    let executionDate: String
    let state: String
    let transactionCount: Int
    let controlSum: AmountResource
    @ExplicitNull var fileName: String?
    @ExplicitNull var fileSHA256: String?
    @ExplicitNull var transport: String?
    @ExplicitNull var sentAt: String?
    let createdAt: String
    /// In file order.
    let payments: [Member]

    enum CodingKeys: String, CodingKey {
        case id, method, state, transport, payments
        case messageID = "message_id"
        case entityID = "entity_id"
        case debtorAccountID = "debtor_account_id"
        case executionDate = "execution_date"
        case transactionCount = "transaction_count"
        case controlSum = "control_sum"
        case fileName = "file_name"
        case fileSHA256 = "file_sha256"
        case sentAt = "sent_at"
        case createdAt = "created_at"
    }

    init(_ instruction: StoredInstruction) {
        id = instruction.id.rawValue
        messageID = instruction.messageID
        entityID = instruction.entityID.rawValue
        debtorAccountID = instruction.debtorAccountID.rawValue
        method = instruction.method.rawValue
        executionDate = instruction.executionDate.iso8601
        state = instruction.state.rawValue
        // The members as stored: the count column is kept equal to them when a replan removes payments.
        transactionCount = instruction.members.count
        controlSum = AmountResource(instruction.controlSum)
        fileName = instruction.fileName
        fileSHA256 = instruction.fileSHA256
        transport = instruction.transport
        sentAt = instruction.sentAt.map(Timestamp.iso8601)
        createdAt = Timestamp.iso8601(instruction.createdAt)
        payments = instruction.members.map {
            Member(paymentID: $0.paymentID.rawValue, paymentInformationID: $0.paymentInformationID, uetr: $0.uetr)
        }
    }
}
