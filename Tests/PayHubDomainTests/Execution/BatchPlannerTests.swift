import Foundation
import Testing

@testable import PayHubDomain

/// Builders for the planner's tests: ids from numbers, one date, amounts in minor units.
enum BatchFixture {
    static func payment(_ number: Int) -> ID<Payment> {
        // Zero-padded so payment id order is numeric order in these tests.
        try! ID("pay_p" + String(repeating: "0", count: max(0, 6 - String(number).count)) + String(number))
    }
    static func account(_ number: Int) -> ID<BankAccount> { try! ID("bac_a\(number)") }
    static func date(_ offset: Int = 0) -> LocalDate { try! LocalDate(daysSinceEpoch: 20_454 + offset) }

    static func planned(
        _ number: Int, account: Int = 1, method: PaymentMethod = .sepaCreditTransfer, minorUnits: Int64 = 100_00,
        currency: Currency = .eur, day: Int = 0, sizeBytes: Int = 100
    ) -> PlannedPayment {
        PlannedPayment(
            paymentID: payment(number), debtorAccountID: BatchFixture.account(account), method: method,
            amount: Money(minorUnits: minorUnits, currency: currency), executionDate: date(day),
            endToEndID: "E2E-\(number)", encodedSizeBytes: sizeBytes)
    }

    static func limits(
        transactions: Int = 1_000, bytes: Int = 1_000_000, perBlock: Int? = nil, fileOverhead: Int = 0,
        blockOverhead: Int = 0
    ) -> BatchLimits {
        try! BatchLimits(
            transactionsPerFileMax: transactions, bytesPerFileMax: bytes, transactionsPerBlockMax: perBlock,
            fileOverheadBytes: fileOverhead, blockOverheadBytes: blockOverhead)
    }

    /// Payment numbers per file, per block: `[[[1, 2], [3]], [[4]]]`.
    static func shape(_ plan: BatchPlan) -> [[[Int]]] {
        plan.instructions.map { instruction in
            instruction.blocks.map { block in
                block.transactions.map { Int($0.paymentID.rawValue.dropFirst("pay_p".count))! }
            }
        }
    }
}

@Suite("Batch planner")
struct BatchPlannerTests {
    struct SplitCase: CustomTestStringConvertible, Sendable {
        let name: String
        let sizes: [Int]
        let transactions: Int
        let bytes: Int
        let perBlock: Int?
        let fileOverhead: Int
        let blockOverhead: Int
        let expected: [[[Int]]]
        var testDescription: String { name }
    }

    static let splitCases: [SplitCase] = [
        SplitCase(
            name: "all fit in one file", sizes: [100, 100, 100], transactions: 3, bytes: 300, perBlock: nil,
            fileOverhead: 0, blockOverhead: 0, expected: [[[1, 2, 3]]]),
        SplitCase(
            name: "count limit exactly reached, then one more", sizes: [10, 10, 10, 10], transactions: 3,
            bytes: 1_000, perBlock: nil, fileOverhead: 0, blockOverhead: 0, expected: [[[1, 2, 3]], [[4]]]),
        SplitCase(
            name: "count limit of one", sizes: [10, 10, 10], transactions: 1, bytes: 1_000, perBlock: nil,
            fileOverhead: 0, blockOverhead: 0, expected: [[[1]], [[2]], [[3]]]),
        SplitCase(
            name: "bytes exactly at the limit stay together", sizes: [40, 60, 1], transactions: 100, bytes: 100,
            perBlock: nil, fileOverhead: 0, blockOverhead: 0, expected: [[[1, 2]], [[3]]]),
        SplitCase(
            name: "one byte over splits", sizes: [40, 61], transactions: 100, bytes: 100, perBlock: nil,
            fileOverhead: 0, blockOverhead: 0, expected: [[[1]], [[2]]]),
        SplitCase(
            name: "overheads count toward the bytes", sizes: [30, 30, 30], transactions: 100, bytes: 100,
            perBlock: nil, fileOverhead: 20, blockOverhead: 20, expected: [[[1, 2]], [[3]]]),
        SplitCase(
            name: "block limit makes blocks inside one file", sizes: [10, 10, 10, 10, 10], transactions: 100,
            bytes: 1_000, perBlock: 2, fileOverhead: 0, blockOverhead: 0, expected: [[[1, 2], [3, 4], [5]]]),
        SplitCase(
            // A new block costs its overhead: 5 + 5 + (10 + 10) + 5 + 10 = 45; the fourth would make 55.
            name: "a new block's overhead can push a payment into the next file", sizes: [10, 10, 10, 10],
            transactions: 100, bytes: 50, perBlock: 2, fileOverhead: 5, blockOverhead: 5,
            expected: [[[1, 2], [3]], [[4]]]),
        SplitCase(
            name: "block overhead splits the file", sizes: [10, 10, 10], transactions: 100, bytes: 35, perBlock: 1,
            fileOverhead: 0, blockOverhead: 5, expected: [[[1], [2]], [[3]]]),
        SplitCase(
            name: "a payment as large as the room left stays alone", sizes: [1, 80, 1], transactions: 100, bytes: 90,
            perBlock: nil, fileOverhead: 5, blockOverhead: 5, expected: [[[1]], [[2]], [[3]]]),
    ]

    @Test("one group is split by count, bytes and block limits, in payment id order", arguments: splitCases)
    func splitting(_ testCase: SplitCase) throws {
        let payments = testCase.sizes.enumerated().map { BatchFixture.planned($0.offset + 1, sizeBytes: $0.element) }
        let limits = try BatchLimits(
            transactionsPerFileMax: testCase.transactions, bytesPerFileMax: testCase.bytes,
            transactionsPerBlockMax: testCase.perBlock, fileOverheadBytes: testCase.fileOverhead,
            blockOverheadBytes: testCase.blockOverhead)
        var ids = SeededBatchIDSource(seed: 1)
        // Reversed: the planner must order by payment id itself.
        let plan = try BatchPlanner.plan(payments.reversed(), limits: limits, ids: &ids)
        #expect(BatchFixture.shape(plan) == testCase.expected)
        for instruction in plan.instructions {
            #expect(instruction.estimatedSizeBytes <= testCase.bytes)
            #expect(instruction.transactionCount <= testCase.transactions)
        }
    }

    @Test("payments are grouped by debtor account, method, currency and execution date")
    func grouping() throws {
        let payments = [
            BatchFixture.planned(1),
            BatchFixture.planned(2, account: 2),
            BatchFixture.planned(3, method: .sepaInstant),
            BatchFixture.planned(4, currency: .usd),
            BatchFixture.planned(5, day: 1),
            BatchFixture.planned(6),
            BatchFixture.planned(7, account: 2),
        ]
        var ids = SeededBatchIDSource(seed: 2)
        let plan = try BatchPlanner.plan(payments, limits: BatchFixture.limits(), ids: &ids)
        #expect(Set(BatchFixture.shape(plan)) == [[[1, 6]], [[2, 7]], [[3]], [[4]], [[5]]])
        #expect(plan.instructions.map(\.key) == plan.instructions.map(\.key).sorted())
        let first = try #require(
            plan.instructions.first { $0.blocks[0].transactions[0].paymentID == BatchFixture.payment(1) })
        #expect(first.controlSum == Money(minorUnits: 200_00, currency: .eur))
        #expect(first.transactionCount == 2)
        #expect(first.blocks[0].controlSum == first.controlSum)
        #expect(!first.isResend)
    }

    @Test("control sums are exact, including amounts that a Double would round")
    func exactControlSum() throws {
        let payments = [
            BatchFixture.planned(1, minorUnits: 9_007_199_254_740_993),
            BatchFixture.planned(2, minorUnits: 1),
            BatchFixture.planned(3, minorUnits: 10),
        ]
        var ids = SeededBatchIDSource(seed: 3)
        let plan = try BatchPlanner.plan(payments, limits: BatchFixture.limits(perBlock: 2), ids: &ids)
        let instruction = try #require(plan.instructions.first)
        #expect(instruction.controlSum.minorUnits == 9_007_199_254_741_004)
        #expect(instruction.blocks.map(\.controlSum.minorUnits) == [9_007_199_254_740_994, 10])
    }

    @Test("a control sum beyond Int64 is an error, not a trap")
    func controlSumOverflow() {
        let payments = [BatchFixture.planned(1, minorUnits: .max), BatchFixture.planned(2, minorUnits: 1)]
        var ids = SeededBatchIDSource(seed: 4)
        #expect(
            throws: BatchPlanningError(code: .controlSumOverflow, paymentID: BatchFixture.payment(1), path: "payments")
        ) {
            try BatchPlanner.plan(payments, limits: BatchFixture.limits(), ids: &ids)
        }
    }

    struct InputErrorCase: CustomTestStringConvertible, Sendable {
        let name: String
        let payments: [PlannedPayment]
        let expected: BatchPlanningError
        var testDescription: String { name }
    }

    static let inputErrorCases: [InputErrorCase] = [
        InputErrorCase(
            name: "payment larger than the file may be",
            payments: [BatchFixture.planned(1), BatchFixture.planned(2, sizeBytes: 191)],
            expected: BatchPlanningError(
                code: .paymentTooLarge, paymentID: BatchFixture.payment(2), path: "payments[1].encoded_size_bytes")),
        InputErrorCase(
            name: "duplicate payment", payments: [BatchFixture.planned(1), BatchFixture.planned(1)],
            expected: BatchPlanningError(
                code: .duplicatePayment, paymentID: BatchFixture.payment(1), path: "payments[1].payment_id")),
        InputErrorCase(
            name: "zero amount", payments: [BatchFixture.planned(1, minorUnits: 0)],
            expected: BatchPlanningError(
                code: .amountNotPositive, paymentID: BatchFixture.payment(1), path: "payments[0].amount")),
        InputErrorCase(
            name: "zero size", payments: [BatchFixture.planned(1, sizeBytes: 0)],
            expected: BatchPlanningError(
                code: .invalidEncodedSize, paymentID: BatchFixture.payment(1), path: "payments[0].encoded_size_bytes")),
        InputErrorCase(
            name: "end-to-end id too long",
            payments: [
                {
                    var payment = BatchFixture.planned(1)
                    payment.endToEndID = String(repeating: "A", count: 36)
                    return payment
                }()
            ],
            expected: BatchPlanningError(
                code: .invalidEndToEndID, paymentID: BatchFixture.payment(1), path: "payments[0].end_to_end_id")),
        InputErrorCase(
            name: "end-to-end id shared",
            payments: [
                BatchFixture.planned(1),
                {
                    var payment = BatchFixture.planned(2)
                    payment.endToEndID = "E2E-1"
                    return payment
                }(),
            ],
            expected: BatchPlanningError(
                code: .duplicateEndToEndID, paymentID: BatchFixture.payment(2), path: "payments[1].end_to_end_id")),
    ]

    @Test("invalid input is reported with its code, payment and path", arguments: inputErrorCases)
    func inputErrors(_ testCase: InputErrorCase) {
        // 200 bytes, 5 + 5 of overhead: payments up to 190 bytes fit (the fixture's are 100).
        let limits = BatchFixture.limits(bytes: 200, fileOverhead: 5, blockOverhead: 5)
        var ids = SeededBatchIDSource(seed: 5)
        #expect(throws: testCase.expected) { try BatchPlanner.plan(testCase.payments, limits: limits, ids: &ids) }
    }

    @Test("the error description names no payment; the debug description does")
    func errorDescriptions() {
        let error = BatchPlanningError(code: .paymentTooLarge, paymentID: BatchFixture.payment(7), path: "payments[0]")
        #expect(!error.description.contains("pay_"))
        #expect(error.debugDescription.contains("pay_p000007"))
    }

    struct LimitsCase: CustomTestStringConvertible, Sendable {
        let transactions: Int
        let bytes: Int
        let perBlock: Int?
        let fileOverhead: Int
        let blockOverhead: Int
        let expected: [String]
        var testDescription: String { "\(transactions)/\(bytes)/\(perBlock as Any)/\(fileOverhead)/\(blockOverhead)" }
    }

    static let invalidLimits: [LimitsCase] = [
        LimitsCase(
            transactions: 0, bytes: 1, perBlock: nil, fileOverhead: 0, blockOverhead: 0,
            expected: ["transactions_per_file_max"]),
        LimitsCase(
            transactions: 1, bytes: 0, perBlock: nil, fileOverhead: 0, blockOverhead: 0,
            expected: ["bytes_per_file_max"]),
        LimitsCase(
            transactions: 1, bytes: 10, perBlock: 0, fileOverhead: 0, blockOverhead: 0,
            expected: ["transactions_per_block_max"]),
        LimitsCase(
            transactions: 1, bytes: 10, perBlock: nil, fileOverhead: -1, blockOverhead: -2,
            expected: ["file_overhead_bytes", "block_overhead_bytes"]),
        LimitsCase(
            transactions: 1, bytes: 10, perBlock: nil, fileOverhead: 5, blockOverhead: 5,
            expected: ["bytes_per_file_max"]),
        LimitsCase(
            transactions: -1, bytes: -1, perBlock: -1, fileOverhead: 0, blockOverhead: 0,
            expected: ["transactions_per_file_max", "bytes_per_file_max", "transactions_per_block_max"]),
        LimitsCase(
            transactions: 1, bytes: .max, perBlock: nil, fileOverhead: .max, blockOverhead: .max,
            expected: ["bytes_per_file_max"]),
    ]

    @Test("invalid limits are field errors, all reported at once", arguments: invalidLimits)
    func limitErrors(_ testCase: LimitsCase) {
        do {
            _ = try BatchLimits(
                transactionsPerFileMax: testCase.transactions, bytesPerFileMax: testCase.bytes,
                transactionsPerBlockMax: testCase.perBlock, fileOverheadBytes: testCase.fileOverhead,
                blockOverheadBytes: testCase.blockOverhead)
            Issue.record("accepted invalid limits")
        } catch {
            #expect(error.errors.map(\.path) == testCase.expected)
        }
    }

    @Test("the smallest valid limits are accepted")
    func smallestLimits() throws {
        let limits = try BatchLimits(
            transactionsPerFileMax: 1, bytesPerFileMax: 3, transactionsPerBlockMax: 1,
            fileOverheadBytes: 1, blockOverheadBytes: 1)
        #expect(limits.paymentBytesMax == 1)
    }

    @Test("the same payments and seed give the same plan; another seed gives other ids for the same files")
    func determinism() throws {
        let payments = (1...50).map { BatchFixture.planned($0, account: $0 % 3, day: $0 % 2, sizeBytes: 10 + $0) }
        let limits = BatchFixture.limits(transactions: 4, bytes: 200, perBlock: 3, fileOverhead: 10, blockOverhead: 5)
        var first = SeededBatchIDSource(seed: 42)
        var second = SeededBatchIDSource(seed: 42)
        var other = SeededBatchIDSource(seed: 43)
        var shuffler = SplitMix64(seed: 0x5EED)
        let plan = try BatchPlanner.plan(payments, limits: limits, ids: &first)
        #expect(try BatchPlanner.plan(payments.shuffled(using: &shuffler), limits: limits, ids: &second) == plan)
        let otherPlan = try BatchPlanner.plan(payments, limits: limits, ids: &other)
        #expect(BatchFixture.shape(otherPlan) == BatchFixture.shape(plan))
        #expect(otherPlan.instructions.map(\.messageID) != plan.instructions.map(\.messageID))
    }

    @Test("a re-send reuses every stored id and the stored file; only new payments get new ids")
    func resendReusesIDs() throws {
        let limits = BatchFixture.limits(transactions: 2, perBlock: 1)
        var ids = SeededBatchIDSource(seed: 7)
        let first = try BatchPlanner.plan((1...3).map { BatchFixture.planned($0) }, limits: limits, ids: &ids)
        // Sent again after a failed transmission, together with two new payments of the same group.
        var later = SeededBatchIDSource(seed: 8)
        let again = try BatchPlanner.plan(
            (1...5).map { BatchFixture.planned($0) }, limits: limits, existing: first.assignedIDs, ids: &later)
        for number in 1...3 {
            #expect(again.assignedIDs[BatchFixture.payment(number)] == first.assignedIDs[BatchFixture.payment(number)])
        }
        let resent = again.instructions.filter(\.isResend)
        #expect(resent.map(\.messageID).sorted() == first.instructions.map(\.messageID).sorted())
        #expect(
            Set(resent.map { $0.blocks.map(\.paymentInformationID) })
                == Set(first.instructions.map { $0.blocks.map(\.paymentInformationID) }))
        #expect(BatchFixture.shape(again).filter { $0.joined().allSatisfy { $0 <= 3 } }.count == 2)
        // The new payments share no file or id with the stored ones.
        let new = again.instructions.filter { !$0.isResend }
        #expect(BatchFixture.shape(BatchPlan(instructions: new, assignedIDs: [:])) == [[[4], [5]]])
        let oldIDs = Set(first.assignedIDs.values.flatMap { [$0.messageID, $0.paymentInformationID, $0.uetr] })
        for number in 4...5 {
            let assigned = try #require(again.assignedIDs[BatchFixture.payment(number)])
            #expect(oldIDs.isDisjoint(with: [assigned.messageID, assigned.paymentInformationID, assigned.uetr]))
        }
    }

    @Test("a source that repeats a stored id is refused, not sent twice")
    func repeatingSourceRefused() throws {
        let limits = BatchFixture.limits()
        var ids = SeededBatchIDSource(seed: 9)
        let first = try BatchPlanner.plan([BatchFixture.planned(1)], limits: limits, ids: &ids)
        var restarted = SeededBatchIDSource(seed: 9)
        #expect(throws: BatchPlanningError(code: .idSourceFailed, path: "ids")) {
            try BatchPlanner.plan(
                [BatchFixture.planned(2)], limits: limits, existing: first.assignedIDs, ids: &restarted)
        }
    }

    @Test("inconsistent stored ids are reported")
    func inconsistentStoredIDs() throws {
        let limits = BatchFixture.limits()
        let good = AssignedIDs(
            messageID: "MSG-1", paymentInformationID: "PMT-1", uetr: BatchIDFormat.uetr(high: 1, low: 2))
        var ids = SeededBatchIDSource(seed: 10)
        // A stored file whose payments now have different execution dates.
        let mixed: [ID<Payment>: AssignedIDs] = [
            BatchFixture.payment(1): good,
            BatchFixture.payment(2): AssignedIDs(
                messageID: "MSG-1", paymentInformationID: "PMT-1", uetr: BatchIDFormat.uetr(high: 3, low: 4)),
        ]
        #expect(
            throws: BatchPlanningError(
                code: .storedIDsInconsistent, paymentID: BatchFixture.payment(2), path: "payments[1]")
        ) {
            try BatchPlanner.plan(
                [BatchFixture.planned(1), BatchFixture.planned(2, day: 1)], limits: limits, existing: mixed, ids: &ids)
        }
        let sharedUETR: [ID<Payment>: AssignedIDs] = [BatchFixture.payment(1): good, BatchFixture.payment(2): good]
        #expect(
            throws: BatchPlanningError(
                code: .storedIDsInconsistent, paymentID: BatchFixture.payment(2), path: "existing[pay_p000002]")
        ) {
            try BatchPlanner.plan([BatchFixture.planned(1)], limits: limits, existing: sharedUETR, ids: &ids)
        }
        let malformed: [ID<Payment>: AssignedIDs] = [
            BatchFixture.payment(1): AssignedIDs(messageID: "MSG-1", paymentInformationID: "PMT-1", uetr: "not-a-uuid")
        ]
        #expect(
            throws: BatchPlanningError(
                code: .storedIDsInconsistent, paymentID: BatchFixture.payment(1), path: "existing[pay_p000001]")
        ) {
            try BatchPlanner.plan([BatchFixture.planned(1)], limits: limits, existing: malformed, ids: &ids)
        }
    }

    @Test("a stored file that no longer fits the limits is refused rather than split")
    func resendOverLimits() throws {
        var ids = SeededBatchIDSource(seed: 11)
        let payments = (1...3).map { BatchFixture.planned($0) }
        let first = try BatchPlanner.plan(payments, limits: BatchFixture.limits(transactions: 3), ids: &ids)
        #expect(
            throws: BatchPlanningError(
                code: .resendOverLimits, paymentID: BatchFixture.payment(1), path: "existing[pay_p000001]")
        ) {
            try BatchPlanner.plan(
                payments, limits: BatchFixture.limits(transactions: 2), existing: first.assignedIDs, ids: &ids)
        }
    }

    @Test("seeded ids are well-formed: Max35Text in the SWIFT set, lowercase version 4 UETRs")
    func idFormats() {
        var ids = SeededBatchIDSource(seed: 0)
        for _ in 0..<1_000 {
            #expect(BatchIDFormat.isValidReference(ids.messageID()))
            #expect(BatchIDFormat.isValidReference(ids.paymentInformationID()))
            #expect(BatchIDFormat.isValidUETR(ids.uetr()))
        }
        #expect(BatchIDFormat.uetr(high: 0, low: 0) == "00000000-0000-4000-8000-000000000000")
        #expect(BatchIDFormat.uetr(high: .max, low: .max) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        #expect(!BatchIDFormat.isValidUETR("FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF"))
        #expect(!BatchIDFormat.isValidUETR("ffffffff-ffff-1fff-bfff-ffffffffffff"))
        #expect(!BatchIDFormat.isValidUETR("ffffffff-ffff-4fff-cfff-ffffffffffff"))
        #expect(!BatchIDFormat.isValidReference(""))
        #expect(!BatchIDFormat.isValidReference(String(repeating: "A", count: 36)))
        #expect(BatchIDFormat.isValidReference(String(repeating: "A", count: 35)))
        #expect(!BatchIDFormat.isValidReference("MSG_1"))
        #expect(!BatchIDFormat.isValidReference("MSGé"))
        #expect(!BatchIDFormat.isValidReference(" MSG"))
    }
}
