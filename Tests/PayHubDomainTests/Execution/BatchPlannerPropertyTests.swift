import Foundation
import Testing

@testable import PayHubDomain

/// Random payments and limits, planned once and then re-planned with the stored ids of a part of them:
/// every invariant of a plan is checked on every case. Seeded, so a failure prints the seed and the
/// iteration that reproduce it.
@Suite("Batch planner properties")
struct BatchPlannerPropertyTests {
    @Test(
        "every plan covers each payment once, in homogeneous files and blocks within the limits, with exact sums and unique, well-formed, kept ids"
    )
    func planInvariants() throws {
        let seed: UInt64 = 0xBA7C_4E5
        var random = SplitMix64(seed: seed)
        for iteration in 0..<3_000 {
            let limits = Self.limits(using: &random)
            let payments = Self.payments(count: Int.random(in: 1...60, using: &random), limits: limits, using: &random)
            var ids = SeededBatchIDSource(seed: random.next())

            let first = try BatchPlanner.plan(payments, limits: limits, ids: &ids)
            var problems = Self.problems(in: first, payments: payments, limits: limits, existing: [:])

            // A re-plan after some of the files went out: their payments come back with their stored ids,
            // together with new payments, planned with ids from a different source.
            let kept = first.instructions.filter { _ in Bool.random(using: &random) }
            let keptIDs = Set(kept.flatMap { $0.blocks.flatMap { $0.transactions.map(\.paymentID) } })
            let existing = first.assignedIDs.filter { keptIDs.contains($0.key) }
            let newPayments = Self.payments(
                count: Int.random(in: 0...20, using: &random), limits: limits, using: &random
            )
            .map { payment in
                var payment = payment
                payment.paymentID = try! ID(payment.paymentID.rawValue + "n")
                payment.endToEndID += "N"
                return payment
            }
            let replanned = payments.filter { keptIDs.contains($0.paymentID) } + newPayments
            var laterIDs = SeededBatchIDSource(seed: random.next())
            let second = try BatchPlanner.plan(
                replanned.shuffled(using: &random), limits: limits, existing: existing, ids: &laterIDs)
            problems += Self.problems(in: second, payments: replanned, limits: limits, existing: existing)
                .map { "re-plan: " + $0 }
            #expect(
                problems.isEmpty,
                "seed \(seed) iteration \(iteration) limits \(limits)\n\(problems.prefix(5).joined(separator: "\n"))")
            if !problems.isEmpty { return }
        }
    }

    // MARK: Invariants

    static func problems(
        in plan: BatchPlan, payments: [PlannedPayment], limits: BatchLimits, existing: [ID<Payment>: AssignedIDs]
    ) -> [String] {
        var problems: [String] = []
        let byID = Dictionary(uniqueKeysWithValues: payments.map { ($0.paymentID, $0) })
        var seenPayments: [ID<Payment>: Int] = [:]
        var messageIDs = Set<String>(), blockIDs = Set<String>(), uetrs = Set<String>()

        for (fileIndex, instruction) in plan.instructions.enumerated() {
            let location = "file \(fileIndex)"
            if !messageIDs.insert(instruction.messageID).inserted {
                problems.append("\(location): message id repeated")
            }
            if !BatchIDFormat.isValidReference(instruction.messageID) { problems.append("\(location): bad message id") }
            if instruction.transactionCount > limits.transactionsPerFileMax { problems.append("\(location): too many") }
            var bytes = limits.fileOverheadBytes
            var fileSum: Int64 = 0
            var count = 0
            var previousID: ID<Payment>?
            for block in instruction.blocks {
                if block.key != instruction.key { problems.append("\(location): block key differs") }
                if !blockIDs.insert(block.paymentInformationID).inserted {
                    problems.append("\(location): block id repeated")
                }
                if !BatchIDFormat.isValidReference(block.paymentInformationID) {
                    problems.append("\(location): bad block id")
                }
                if block.transactions.isEmpty { problems.append("\(location): empty block") }
                if let blockMax = limits.transactionsPerBlockMax, block.transactionCount > blockMax {
                    problems.append("\(location): block too large")
                }
                bytes += limits.blockOverheadBytes
                var blockSum: Int64 = 0
                for transaction in block.transactions {
                    seenPayments[transaction.paymentID, default: 0] += 1
                    if let previousID, !(previousID < transaction.paymentID) { problems.append("\(location): order") }
                    previousID = transaction.paymentID
                    guard let payment = byID[transaction.paymentID] else {
                        problems.append("\(location): unknown payment")
                        continue
                    }
                    if payment.batchKey != instruction.key { problems.append("\(location): payment key differs") }
                    if transaction.amount != payment.amount || transaction.endToEndID != payment.endToEndID {
                        problems.append("\(location): payment changed")
                    }
                    if !uetrs.insert(transaction.uetr).inserted { problems.append("\(location): UETR repeated") }
                    if !BatchIDFormat.isValidUETR(transaction.uetr) { problems.append("\(location): bad UETR") }
                    let assigned = AssignedIDs(
                        messageID: instruction.messageID, paymentInformationID: block.paymentInformationID,
                        uetr: transaction.uetr)
                    if plan.assignedIDs[payment.paymentID] != assigned {
                        problems.append("\(location): ids not recorded")
                    }
                    if let stored = existing[payment.paymentID] {
                        if stored != assigned { problems.append("\(location): stored ids not kept") }
                        if !instruction.isResend { problems.append("\(location): stored payment in a new file") }
                    } else if instruction.isResend {
                        problems.append("\(location): new payment in a re-sent file")
                    }
                    bytes += payment.encodedSizeBytes
                    blockSum += payment.amount.minorUnits
                    count += 1
                }
                if block.controlSum != Money(minorUnits: blockSum, currency: instruction.key.currency) {
                    problems.append("\(location): block control sum")
                }
                fileSum += blockSum
            }
            if bytes > limits.bytesPerFileMax || bytes != instruction.estimatedSizeBytes {
                problems.append("\(location): bytes \(bytes) estimated \(instruction.estimatedSizeBytes)")
            }
            if count != instruction.transactionCount { problems.append("\(location): count") }
            if instruction.controlSum != Money(minorUnits: fileSum, currency: instruction.key.currency) {
                problems.append("\(location): control sum")
            }
        }
        if Set(seenPayments.keys) != Set(byID.keys) || seenPayments.values.contains(where: { $0 != 1 }) {
            problems.append("payments not planned exactly once")
        }
        if plan.assignedIDs.count != payments.count { problems.append("assigned ids for other payments") }
        let storedMessages = Set(existing.values.map(\.messageID)),
            storedBlocks = Set(existing.values.map(\.paymentInformationID))
        let storedUETRs = Set(existing.values.map(\.uetr))
        for instruction in plan.instructions where !instruction.isResend {
            if storedMessages.contains(instruction.messageID) { problems.append("new file reuses a stored message id") }
            for block in instruction.blocks {
                if storedBlocks.contains(block.paymentInformationID) { problems.append("new block reuses a stored id") }
                if block.transactions.contains(where: { storedUETRs.contains($0.uetr) }) {
                    problems.append("new transaction reuses a stored UETR")
                }
            }
        }
        problems += splitsOnlyWhenFull(plan, payments: byID, limits: limits)
        return problems
    }

    /// Consecutive new files of one group: the next file's first payment could not have joined the
    /// previous file, so no file is cut short.
    static func splitsOnlyWhenFull(
        _ plan: BatchPlan, payments: [ID<Payment>: PlannedPayment], limits: BatchLimits
    ) -> [String] {
        let new = plan.instructions.filter { !$0.isResend }
        var problems: [String] = []
        for (previous, next) in zip(new, new.dropFirst()) where previous.key == next.key {
            guard let lastBlock = previous.blocks.last, let first = next.blocks.first?.transactions.first,
                let payment = payments[first.paymentID]
            else { continue }
            let blockFull = limits.transactionsPerBlockMax.map { lastBlock.transactionCount >= $0 } ?? false
            let added = payment.encodedSizeBytes + (blockFull ? limits.blockOverheadBytes : 0)
            if previous.transactionCount < limits.transactionsPerFileMax,
                previous.estimatedSizeBytes + added <= limits.bytesPerFileMax
            {
                problems.append("file \(previous.messageID) split before it was full")
            }
        }
        return problems
    }

    // MARK: Generators

    static func limits(using random: inout SplitMix64) -> BatchLimits {
        let fileOverhead = Int.random(in: 0...50, using: &random)
        let blockOverhead = Int.random(in: 0...30, using: &random)
        return try! BatchLimits(
            transactionsPerFileMax: Int.random(in: 1...12, using: &random),
            bytesPerFileMax: fileOverhead + blockOverhead + Int.random(in: 1...600, using: &random),
            transactionsPerBlockMax: Bool.random(using: &random) ? nil : Int.random(in: 1...5, using: &random),
            fileOverheadBytes: fileOverhead, blockOverheadBytes: blockOverhead)
    }

    /// Payments from few accounts, methods, currencies and dates, so groups have several members; sizes
    /// up to the largest that fits, often exactly at it.
    static func payments(count: Int, limits: BatchLimits, using random: inout SplitMix64) -> [PlannedPayment] {
        let methods: [PaymentMethod] = [.sepaCreditTransfer, .crossBorderWire]
        let currencies: [Currency] = [.eur, .usd, .jpy]
        var numbers = Set<Int>()
        while numbers.count < count { numbers.insert(Int.random(in: 1...999_999, using: &random)) }
        return numbers.sorted().map { number in
            let size =
                Int.random(in: 0..<4, using: &random) == 0
                ? limits.paymentBytesMax : Int.random(in: 1...limits.paymentBytesMax, using: &random)
            return PlannedPayment(
                paymentID: BatchFixture.payment(number),
                debtorAccountID: BatchFixture.account(Int.random(in: 1...3, using: &random)),
                method: methods.randomElement(using: &random)!,
                amount: Money(
                    minorUnits: Int64.random(in: 1...1_000_000_000_000, using: &random),
                    currency: currencies.randomElement(using: &random)!),
                executionDate: BatchFixture.date(Int.random(in: 0...1, using: &random)),
                endToEndID: "E2E-\(number)", encodedSizeBytes: size)
        }.shuffled(using: &random)
    }
}
