import Foundation

/// Groups approved payments into bank files: one file per debtor account, payment method, currency and
/// execution date, split where the bank's limits require it, with every id assigned.
///
/// Ids are assigned here, at planning, and the caller stores ``BatchPlan/assignedIDs`` before sending
/// anything. A payment planned again (a re-send after a failed transmission) is passed with its stored
/// ids in `existing`: it goes out again in the same file under the same message, block, end-to-end id and
/// UETR, so the bank's duplicate checks recognise it. Only payments without stored ids get new files and
/// new ids; they are never added to a file being re-sent, which would change it.
public enum BatchPlanner {
    /// Plans `payments` into files within `limits`.
    ///
    /// New payments are grouped by ``BatchKey`` and, inside a group, ordered by payment id; a group is
    /// filled into files (and blocks, if the bank limits them) in that order, starting a new file when the
    /// next payment would exceed the transaction count or the byte estimate. A payment is never split, so
    /// one that is larger than a file may be on its own is ``BatchPlanningError/Code/paymentTooLarge``.
    ///
    /// - Parameters:
    ///   - existing: the stored ids of payments planned before; entries for payments not in `payments` are
    ///     only used to keep new ids from repeating them.
    ///   - ids: where new message, block and UETR ids come from.
    public static func plan(
        _ payments: [PlannedPayment], limits: BatchLimits, existing: [ID<Payment>: AssignedIDs] = [:],
        ids: inout some BatchIDSource
    ) throws(BatchPlanningError) -> BatchPlan {
        var indexOf: [ID<Payment>: Int] = [:]
        try validate(payments, limits: limits, indexOf: &indexOf)
        var used = try UsedIDs(existing)

        let ordered = payments.sorted { $0.paymentID < $1.paymentID }
        var instructions: [PlannedInstruction] = []
        var assigned: [ID<Payment>: AssignedIDs] = [:]

        // Re-sends: the stored files, rebuilt exactly as they were assigned.
        var resendFiles: [String: [PlannedPayment]] = [:]
        var newGroups: [BatchKey: [PlannedPayment]] = [:]
        for payment in ordered {
            if let stored = existing[payment.paymentID] {
                resendFiles[stored.messageID, default: []].append(payment)
            } else {
                newGroups[payment.batchKey, default: []].append(payment)
            }
        }
        for messageID in resendFiles.keys.sorted() {
            let filePayments = resendFiles[messageID]!
            let key = filePayments[0].batchKey
            var blocks: [String: [Slot]] = [:]
            // Blocks in the order of their first payment, as they were planned: the file goes out as before.
            var blockOrder: [String] = []
            for payment in filePayments {
                let path = "payments[\(indexOf[payment.paymentID]!)]"
                guard payment.batchKey == key else {
                    throw BatchPlanningError(code: .storedIDsInconsistent, paymentID: payment.paymentID, path: path)
                }
                let stored = existing[payment.paymentID]!
                if blocks[stored.paymentInformationID] == nil { blockOrder.append(stored.paymentInformationID) }
                blocks[stored.paymentInformationID, default: []].append(Slot(payment: payment, uetr: stored.uetr))
                assigned[payment.paymentID] = stored
            }
            let orderedBlocks = blockOrder.map { (id: $0, slots: blocks[$0]!) }
            let instruction = try makeInstruction(
                messageID: messageID, key: key, blocks: orderedBlocks, limits: limits, isResend: true)
            let overBlockLimit = orderedBlocks.contains { block in
                limits.transactionsPerBlockMax.map { block.slots.count > $0 } ?? false
            }
            if instruction.transactionCount > limits.transactionsPerFileMax
                || instruction.estimatedSizeBytes > limits.bytesPerFileMax || overBlockLimit
            {
                let first = filePayments[0].paymentID
                throw BatchPlanningError(code: .resendOverLimits, paymentID: first, path: "existing[\(first)]")
            }
            instructions.append(instruction)
        }

        // New payments: each group filled into as few files as the limits allow, in payment id order.
        for key in newGroups.keys.sorted() {
            for file in split(newGroups[key]!, limits: limits) {
                let messageID = try used.newMessageID(ids.messageID())
                var blocks: [(id: String, slots: [Slot])] = []
                for blockPayments in file {
                    let blockID = try used.newBlockID(ids.paymentInformationID())
                    var slots: [Slot] = []
                    for payment in blockPayments {
                        let uetr = try used.newUETR(ids.uetr())
                        slots.append(Slot(payment: payment, uetr: uetr))
                        assigned[payment.paymentID] = AssignedIDs(
                            messageID: messageID, paymentInformationID: blockID, uetr: uetr)
                    }
                    blocks.append((blockID, slots))
                }
                instructions.append(
                    try makeInstruction(messageID: messageID, key: key, blocks: blocks, limits: limits, isResend: false)
                )
            }
        }
        return BatchPlan(instructions: instructions, assignedIDs: assigned)
    }

    /// A payment placed in a block, with its UETR.
    private struct Slot {
        var payment: PlannedPayment
        var uetr: String
    }

    private static func validate(
        _ payments: [PlannedPayment], limits: BatchLimits, indexOf: inout [ID<Payment>: Int]
    ) throws(BatchPlanningError) {
        var endToEndIDs = Set<String>()
        for (index, payment) in payments.enumerated() {
            let path = "payments[\(index)]"
            let id = payment.paymentID
            guard indexOf.updateValue(index, forKey: id) == nil else {
                throw BatchPlanningError(code: .duplicatePayment, paymentID: id, path: path + ".payment_id")
            }
            guard BatchIDFormat.isValidReference(payment.endToEndID) else {
                throw BatchPlanningError(code: .invalidEndToEndID, paymentID: id, path: path + ".end_to_end_id")
            }
            guard endToEndIDs.insert(payment.endToEndID).inserted else {
                throw BatchPlanningError(code: .duplicateEndToEndID, paymentID: id, path: path + ".end_to_end_id")
            }
            guard payment.amount.isPositive else {
                throw BatchPlanningError(code: .amountNotPositive, paymentID: id, path: path + ".amount")
            }
            guard payment.encodedSizeBytes > 0 else {
                throw BatchPlanningError(code: .invalidEncodedSize, paymentID: id, path: path + ".encoded_size_bytes")
            }
            guard payment.encodedSizeBytes <= limits.paymentBytesMax else {
                throw BatchPlanningError(code: .paymentTooLarge, paymentID: id, path: path + ".encoded_size_bytes")
            }
        }
    }

    /// Greedy filling in the given order: files, each a list of blocks. Sizes are compared by subtraction
    /// from the maximum, so no sum can overflow (every payment alone fits, checked before).
    private static func split(_ payments: [PlannedPayment], limits: BatchLimits) -> [[[PlannedPayment]]] {
        var files: [[[PlannedPayment]]] = []
        var blocks: [[PlannedPayment]] = []
        var fileCount = 0
        var fileBytes = limits.fileOverheadBytes
        for payment in payments {
            let blockIsFull =
                blocks.last.map { block in
                    limits.transactionsPerBlockMax.map { block.count >= $0 } ?? false
                } ?? true
            let addedBytes = payment.encodedSizeBytes + (blockIsFull ? limits.blockOverheadBytes : 0)
            if fileCount > 0,
                fileCount >= limits.transactionsPerFileMax || addedBytes > limits.bytesPerFileMax - fileBytes
            {
                files.append(blocks)
                blocks = [[payment]]
                fileCount = 1
                fileBytes = limits.fileOverheadBytes + limits.blockOverheadBytes + payment.encodedSizeBytes
                continue
            }
            if blockIsFull { blocks.append([]) }
            blocks[blocks.count - 1].append(payment)
            fileCount += 1
            fileBytes += addedBytes
        }
        if !blocks.isEmpty { files.append(blocks) }
        return files
    }

    private static func makeInstruction(
        messageID: String, key: BatchKey, blocks: [(id: String, slots: [Slot])], limits: BatchLimits, isResend: Bool
    ) throws(BatchPlanningError) -> PlannedInstruction {
        var plannedBlocks: [PlannedBlock] = []
        var bytes = limits.fileOverheadBytes
        var total = Money.zero(key.currency)
        var count = 0
        for block in blocks {
            let transactions = block.slots.map { slot in
                PlannedTransaction(
                    paymentID: slot.payment.paymentID, amount: slot.payment.amount,
                    endToEndID: slot.payment.endToEndID, uetr: slot.uetr,
                    encodedSizeBytes: slot.payment.encodedSizeBytes)
            }
            let first = transactions[0].paymentID
            let sum: Money
            do {
                sum = try Money.sum(transactions.lazy.map(\.amount), currency: key.currency)
                total = try total.adding(sum)
            } catch {
                throw BatchPlanningError(code: .controlSumOverflow, paymentID: first, path: "payments")
            }
            // Saturating: a re-sent file this large is reported as over the limits, not trapped on.
            for transaction in transactions {
                let (next, overflow) = bytes.addingReportingOverflow(transaction.encodedSizeBytes)
                bytes = overflow ? .max : next
            }
            let (withBlock, overflow) = bytes.addingReportingOverflow(limits.blockOverheadBytes)
            bytes = overflow ? .max : withBlock
            count += transactions.count
            plannedBlocks.append(
                PlannedBlock(paymentInformationID: block.id, key: key, transactions: transactions, controlSum: sum))
        }
        return PlannedInstruction(
            messageID: messageID, key: key, blocks: plannedBlocks, controlSum: total, transactionCount: count,
            estimatedSizeBytes: bytes, isResend: isResend)
    }
}

/// Every id already taken: stored ones (checked for form and consistency) and those drawn in this plan.
private struct UsedIDs {
    var messageIDs = Set<String>()
    var blockIDs = Set<String>()
    var uetrs = Set<String>()

    init(_ existing: [ID<Payment>: AssignedIDs]) throws(BatchPlanningError) {
        var fileOfBlock: [String: String] = [:]
        // Sorted so the error reported for bad stored ids does not depend on hashing order.
        for paymentID in existing.keys.sorted() {
            let stored = existing[paymentID]!
            let error = BatchPlanningError(
                code: .storedIDsInconsistent, paymentID: paymentID, path: "existing[\(paymentID)]")
            guard BatchIDFormat.isValidReference(stored.messageID),
                BatchIDFormat.isValidReference(stored.paymentInformationID),
                BatchIDFormat.isValidUETR(stored.uetr), uetrs.insert(stored.uetr).inserted
            else { throw error }
            if let file = fileOfBlock.updateValue(stored.messageID, forKey: stored.paymentInformationID),
                file != stored.messageID
            {
                throw error
            }
            messageIDs.insert(stored.messageID)
            blockIDs.insert(stored.paymentInformationID)
        }
    }

    mutating func newMessageID(_ id: String) throws(BatchPlanningError) -> String {
        guard BatchIDFormat.isValidReference(id), messageIDs.insert(id).inserted else { throw Self.sourceFailed }
        return id
    }

    mutating func newBlockID(_ id: String) throws(BatchPlanningError) -> String {
        guard BatchIDFormat.isValidReference(id), blockIDs.insert(id).inserted else { throw Self.sourceFailed }
        return id
    }

    mutating func newUETR(_ id: String) throws(BatchPlanningError) -> String {
        guard BatchIDFormat.isValidUETR(id), uetrs.insert(id).inserted else { throw Self.sourceFailed }
        return id
    }

    private static var sourceFailed: BatchPlanningError { BatchPlanningError(code: .idSourceFailed, path: "ids") }
}
