import BankConnectivity
import BankFormats
import Crypto
import Foundation
import Logging
import PayHubDomain
import PayHubStorage

/// What the bank's files say about PayHub's payments, applied to them.
///
/// - A pain.002 moves transactions to `accepted` (`ACCP`, `ACSP`, `ACSC`, `ACWC`) or `failed` (`RJCT`, with
///   the reason code); `PDNG`, `ACTC` and `RCVD` only confirm receipt, which settles an `unknown` payment
///   as `sent`. A rejected group without transaction details fails every payment of the instruction.
/// - A statement or notification (camt.053/054, or any statement format PayHub reads) settles the payments
///   whose end-to-end ids its booked debit entries carry, and returns those named by a credit or reversal
///   with a return reason.
///
/// A rejected, failed or returned payment reopens its payables and tells the ERP through the event feed,
/// webhooks and result files, as every payment move does. Each file is applied once, by its SHA-256;
/// lines about other money are left to reconciliation.
public struct BankStatusTracker: Sendable {
    public let hub: PaymentHub
    let logger: Logger

    public init(hub: PaymentHub, logger: Logger = Logger(label: "payhub.bank-status")) {
        self.hub = hub
        self.logger = logger
    }

    public enum Applied: Sendable, Hashable {
        case applied(kind: String, BankFileOutcome)
        /// The same bytes were applied before.
        case duplicate
    }

    /// Reads and applies one file from `connection`. A file PayHub cannot read is an error (the caller
    /// leaves it with the bank and reports it), never silently dropped.
    public func apply(_ file: IncomingBankFile, connection: String, context: CallContext) async throws -> Applied {
        try hub.require(.paymentsRelease, context)
        let sha256 = Hex.lowercase(SHA256.hash(data: file.contents))
        if try await hub.store.bankFileReceived(sha256: sha256) { return .duplicate }
        let parsed = try BankFileReader.parse(file.contents)
        let kind: String
        var moves: [BankPaymentMove] = []
        var instructionStates: [ID<StoredInstruction>: StoredInstruction.State] = [:]
        switch parsed {
        case .paymentStatus(let report):
            kind = report.format.hasPrefix("pain.002") ? "pain.002" : report.format
            (moves, instructionStates) = try await statusMoves(report)
        case .statement(let document):
            kind = document.format
            moves = try await statementMoves(document)
        case .paymentInitiation:
            throw FormatError(.unknownFormat, "a pain.001 is what PayHub sends, not what a bank answers")
        }
        let received = ReceivedBankFile(sha256: sha256, name: file.name, kind: kind, connection: connection)
        guard
            let outcome = try await hub.store.applyBankFile(
                received, moves: moves, instructionStates: instructionStates, context: context.audit(at: hub.clock.now()))
        else { return .duplicate }
        if !outcome.refused.isEmpty {
            logger.warning(
                "bank file moves refused by the payment lifecycle",
                metadata: ["file": "\(file.name)", "payments": "\(outcome.refused.joined(separator: ","))"])
        }
        return .applied(kind: kind, outcome)
    }

    static let acceptedCodes: Set<String> = ["ACCP", "ACSP", "ACSC", "ACWC", "ACFC"]
    static let receivedCodes: Set<String> = ["PDNG", "ACTC", "RCVD"]

    func statusMoves(
        _ report: PaymentStatusReport
    ) async throws -> ([BankPaymentMove], [ID<StoredInstruction>: StoredInstruction.State]) {
        let instruction = try await report.originalMessageID.asyncFlatMap { try await hub.store.instruction(messageID: $0) }
        // Only payments of the instruction the report answers, when it names one PayHub knows.
        let members = instruction.map { Set($0.members.map(\.paymentID)) }
        let transactions = report.payments.flatMap(\.transactions)
        let found = try await hub.store.payments(endToEndIDs: transactions.compactMap(\.originalEndToEndID))
        var moves: [BankPaymentMove] = []
        for status in transactions {
            guard let endToEndID = status.originalEndToEndID, let payment = found[endToEndID],
                members?.contains(payment.id) ?? true
            else { continue }
            if let move = Self.move(payment.id, status: status.status, reason: status.reason, info: status.additionalInfo) {
                moves.append(move)
            }
        }
        // A group answer without transaction details covers every payment of the instruction.
        if let instruction, transactions.isEmpty, let group = report.groupStatus {
            for member in instruction.members {
                if let move = Self.move(member.paymentID, status: group, reason: nil, info: nil) { moves.append(move) }
            }
        }
        let groupRejected = report.groupStatus == "RJCT"
        var states: [ID<StoredInstruction>: StoredInstruction.State] = [:]
        if let instruction { states[instruction.id] = groupRejected ? .rejected : .acknowledged }
        return (moves, states)
    }

    static func move(_ paymentID: ID<Payment>, status: String?, reason: String?, info: String?) -> BankPaymentMove? {
        guard let status else { return nil }
        var details = ["bank_status": status]
        if let reason { details["bank_reason"] = reason }
        if status == "RJCT" {
            let text = [reason, info].compactMap { $0 }.joined(separator: " ")
            return BankPaymentMove(paymentID: paymentID, to: .failed, reason: text.isEmpty ? "RJCT" : text, details: details)
        }
        if acceptedCodes.contains(status) { return BankPaymentMove(paymentID: paymentID, to: .accepted, details: details) }
        if receivedCodes.contains(status) { return BankPaymentMove(paymentID: paymentID, to: .sent, details: details) }
        return nil
    }

    func statementMoves(_ document: StatementDocument) async throws -> [BankPaymentMove] {
        let entries = document.statements.flatMap(\.entries).filter { !$0.endToEndIDs.isEmpty && $0.status == .booked }
        let found = try await hub.store.payments(endToEndIDs: Array(Set(entries.flatMap(\.endToEndIDs))).sorted())
        var moves: [BankPaymentMove] = []
        for entry in entries {
            let isReturn = entry.returnReason != nil || entry.reversal || !(entry.amount.isNegative || entry.amount.isZero)
            for endToEndID in entry.endToEndIDs {
                guard let payment = found[endToEndID] else { continue }
                var details: [String: String] = [:]
                details["value_date"] = entry.valueDate
                details["booking_date"] = entry.bookingDate
                details["bank_reference"] = entry.bankReference
                if isReturn {
                    details["return_reason"] = entry.returnReason
                    moves.append(
                        BankPaymentMove(
                            paymentID: payment.id, to: .returned, reason: entry.returnReason ?? "returned by the bank",
                            details: details))
                } else {
                    moves.append(BankPaymentMove(paymentID: payment.id, to: .settled, details: details))
                }
            }
        }
        return moves
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
