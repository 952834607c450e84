import BankConnectivity
import BankFormats
import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// Handing instructions over (the two transactions around delivery, the job-lease fence, replanning) and
/// applying the bank's answers (pain.002, camt.054), on SQLite and PostgreSQL.
@Suite("Execution: handover and bank answers")
struct BankExchangeTests {
    typealias Engine = ApprovalServiceTests.Engine

    /// Plans `amounts` into one instruction and claims its send job; returns the instruction, rendered.
    static func planned(
        _ setup: ApprovalServiceTests.Setup, _ amounts: [String]
    ) async throws -> (StoredInstruction, InstructionRenderer.Rendered, JobClaim) {
        for amount in amounts { _ = try await ExecutionPlanningTests.approved(setup, amount) }
        let instruction = try #require(
            try await ExecutionPlanningTests.planner(setup).planApprovedPayments(context: setup.context("tom")).first)
        let now = ApprovalServiceTests.today
        try await setup.store.enqueueJob(kind: "send_instruction", subjectID: instruction.id.rawValue, runAfter: now, now: now)
        let job = try #require(
            try await setup.store.claimJobs(kinds: ["send_instruction"], owner: "w1", now: now, lease: 60, limit: 1).first)
        let rendered = try await InstructionRenderer(store: setup.store).render(instruction)
        return (instruction, rendered, JobClaim(jobID: job.id, owner: "w1", lease: 60))
    }

    static func audit(_ setup: ApprovalServiceTests.Setup, at date: Date = ApprovalServiceTests.today) -> AuditContext {
        AuditContext(principal: .system, origin: "test", occurredAt: date)
    }

    static func states(_ setup: ApprovalServiceTests.Setup, _ instruction: StoredInstruction) async throws -> [PaymentState] {
        var states: [PaymentState] = []
        for member in instruction.members {
            states.append(try #require(try await setup.store.payment(member.paymentID, scope: .all)).state)
        }
        return states
    }

    @Test("a stored instruction renders as a pain.001 carrying exactly its stored ids, the same bytes every time", arguments: Engine.allCases)
    func rendersStoredIDs(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, rendered, _) = try await Self.planned(setup, ["1200.00", "80.50"])
            let read = try Pain001Reader.read(rendered.file.contents)
            #expect(read.messageID == instruction.messageID)
            #expect(read.payments.map(\.id) == [instruction.members[0].paymentInformationID])
            var endToEndIDs: [String] = []
            for member in instruction.members {
                endToEndIDs.append(try #require(try await setup.store.payment(member.paymentID, scope: .all)).endToEndID)
            }
            #expect(read.payments.flatMap(\.transactions).map(\.endToEndID) == endToEndIDs)
            #expect(read.controlSum?.description == "1280.50")
            let report = try BankFileValidator.validate(rendered.file.contents)
            #expect(report.isValid && report.schema?.contains("pain.001.001.09") == true, "\(report.problems)")
            let again = try await InstructionRenderer(store: setup.store).render(instruction)
            #expect(again.file == rendered.file && again.sha256 == rendered.sha256, "a re-send is byte for byte the same")
            #expect(rendered.file.name == "\(instruction.messageID).xml")
        }
    }

    @Test("handover: payments go scheduled → unknown → sent in two transactions, the file's SHA-256 in the audit trail", arguments: Engine.allCases)
    func handover(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, rendered, claim) = try await Self.planned(setup, ["10.00", "20.00"])
            let file = InstructionFile(name: rendered.file.name, sha256: rendered.sha256, transport: "folder")
            let started = try await setup.store.beginHandover(
                instruction.id, file: file, members: rendered.members, claim: claim, context: Self.audit(setup))
            #expect(started == .started)
            #expect(try await Self.states(setup, instruction) == [.unknown, .unknown])
            let again = try await setup.store.beginHandover(
                instruction.id, file: file, members: rendered.members, claim: claim, context: Self.audit(setup))
            #expect(again == .alreadyStarted, "a second attempt learns that a handover began")
            #expect(try await setup.store.instruction(instruction.id)?.fileSHA256 == rendered.sha256)

            try await setup.store.completeHandover(instruction.id, claim: claim, context: Self.audit(setup))
            #expect(try await Self.states(setup, instruction) == [.sent, .sent])
            let stored = try #require(try await setup.store.instruction(instruction.id))
            #expect(stored.state == .sent && stored.transport == "folder" && stored.fileName == rendered.file.name)
            let sent = try #require(try await setup.store.auditEvents(after: 0, limit: 10_000).last)
            #expect(sent.action == "instruction.sent" && sent.after?.contains(rendered.sha256) == true)
        }
    }

    @Test("a worker whose job lease ran out cannot begin or complete a handover", arguments: Engine.allCases)
    func leaseFence(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, rendered, claim) = try await Self.planned(setup, ["10.00"])
            let late = Self.audit(setup, at: ApprovalServiceTests.today.addingTimeInterval(61))
            let file = InstructionFile(name: rendered.file.name, sha256: rendered.sha256, transport: "folder")
            await #expect(throws: StorageError.self) {
                try await setup.store.beginHandover(instruction.id, file: file, members: rendered.members, claim: claim, context: late)
            }
            #expect(try await Self.states(setup, instruction) == [.scheduled], "nothing changed")
            // Another worker takes the job over and may go on.
            let takeover = try #require(
                try await setup.store.claimJobs(
                    kinds: ["send_instruction"], owner: "w2", now: late.occurredAt, lease: 60, limit: 1
                ).first)
            let claim2 = JobClaim(jobID: takeover.id, owner: "w2", lease: 60)
            #expect(
                try await setup.store.beginHandover(
                    instruction.id, file: file, members: rendered.members, claim: claim2, context: late) == .started)
            await #expect(throws: StorageError.self, "the first worker is fenced out") {
                try await setup.store.completeHandover(instruction.id, claim: claim, context: late)
            }
        }
    }

    @Test("a payment held after planning leaves its instruction before anything is sent; the last one withdraws it", arguments: Engine.allCases)
    func replansHeldPayments(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, rendered, claim) = try await Self.planned(setup, ["10.00", "20.00"])
            let held = instruction.members[0].paymentID
            _ = try await setup.store.transitionPayment(
                held, from: .scheduled, to: .onHold, reason: "vendor called", context: Self.audit(setup))
            let file = InstructionFile(name: rendered.file.name, sha256: rendered.sha256, transport: "folder")
            #expect(
                try await setup.store.beginHandover(
                    instruction.id, file: file, members: rendered.members, claim: claim, context: Self.audit(setup)) == .replanned)
            let replanned = try #require(try await setup.store.instruction(instruction.id))
            #expect(replanned.members.map(\.paymentID) == [instruction.members[1].paymentID])
            #expect(replanned.controlSum.decimalString == "20.00")
            let rerendered = try await InstructionRenderer(store: setup.store).render(replanned)
            #expect(try Pain001Reader.read(rerendered.file.contents).payments.flatMap(\.transactions).count == 1)

            _ = try await setup.store.transitionPayment(
                instruction.members[1].paymentID, from: .scheduled, to: .cancelled, reason: nil, context: Self.audit(setup))
            let file2 = InstructionFile(name: rerendered.file.name, sha256: rerendered.sha256, transport: "folder")
            #expect(
                try await setup.store.beginHandover(
                    instruction.id, file: file2, members: rerendered.members, claim: claim, context: Self.audit(setup)) == .withdrawn)
            #expect(try await setup.store.instruction(instruction.id) == nil)
        }
    }

    /// Hands an instruction over and returns its payments' end-to-end ids, in file order.
    static func sent(_ setup: ApprovalServiceTests.Setup, _ amounts: [String]) async throws -> (StoredInstruction, [Payment]) {
        let (instruction, rendered, claim) = try await planned(setup, amounts)
        _ = try await setup.store.beginHandover(
            instruction.id, file: InstructionFile(name: rendered.file.name, sha256: rendered.sha256, transport: "folder"),
            members: rendered.members, claim: claim, context: audit(setup))
        try await setup.store.completeHandover(instruction.id, claim: claim, context: audit(setup))
        var payments: [Payment] = []
        for member in instruction.members {
            payments.append(try #require(try await setup.store.payment(member.paymentID, scope: .all)))
        }
        return (instruction, payments)
    }

    static var worker: CallContext { CallContext(principal: ExecutionWorker.principal, origin: "test") }

    @Test("a pain.002 accepts, rejects with the reason (payables reopened, the ERP told) and confirms receipt; applied once", arguments: Engine.allCases)
    func statusReport(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, payments) = try await Self.sent(setup, ["10.00", "20.00", "30.00"])
            let report = PaymentStatusReport(
                format: "pain.002.001.10", messageID: "BANK-1", originalMessageID: instruction.messageID, groupStatus: "PART",
                payments: [
                    PaymentStatus(
                        originalPaymentID: instruction.members[0].paymentInformationID, status: "PART",
                        transactions: [
                            TransactionStatus(originalEndToEndID: payments[0].endToEndID, status: "ACSP"),
                            TransactionStatus(
                                originalEndToEndID: payments[1].endToEndID, status: "RJCT", reason: "AC04",
                                additionalInfo: "closed account"),
                            TransactionStatus(originalEndToEndID: payments[2].endToEndID, status: "PDNG"),
                        ])
                ])
            let bytes = try Pain002Writer.write(report, createdAt: "2026-09-21T15:00:00Z")
            let tracker = BankStatusTracker(hub: setup.hub)
            let cursor = try await setup.store.feedHead()
            let applied = try await tracker.apply(
                IncomingBankFile(name: "status-1.xml", contents: bytes), connection: "test", context: Self.worker)
            guard case .applied(let kind, let outcome) = applied else { Issue.record("not applied"); return }
            #expect(kind == "pain.002" && outcome.moved == 2 && outcome.unchanged == 1)
            #expect(try await Self.states(setup, instruction) == [.accepted, .failed, .sent])
            let rejected = try #require(try await setup.store.payable(payments[1].payableIDs[0], scope: .all))
            #expect(rejected.state == .open, "a rejected payment gives its payable back")
            let events = try await setup.store.events(after: cursor, limit: 100, filter: EventFilter(), scope: .all)
            let failed = try #require(events.first { $0.type == "payment.failed" })
            #expect(failed.previousJSON?.contains("AC04 closed account") == true)
            #expect(events.contains { $0.type == "payable.reopened" })
            #expect(try await setup.store.instruction(instruction.id)?.state == .acknowledged)

            let again = try await tracker.apply(
                IncomingBankFile(name: "status-1-copy.xml", contents: bytes), connection: "test", context: Self.worker)
            #expect(again == .duplicate)
            await #expect(throws: AccessDenied.self) {
                try await tracker.apply(IncomingBankFile(name: "x.xml", contents: bytes), connection: "test", context: setup.clerk)
            }
        }
    }

    @Test("a status report that beats the handover's record settles what it names; completing moves the rest to sent", arguments: Engine.allCases)
    func reportBeforeCompletion(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, rendered, claim) = try await Self.planned(setup, ["10.00", "20.00"])
            _ = try await setup.store.beginHandover(
                instruction.id, file: InstructionFile(name: rendered.file.name, sha256: rendered.sha256, transport: "folder"),
                members: rendered.members, claim: claim, context: Self.audit(setup))
            let first = try #require(try await setup.store.payment(instruction.members[0].paymentID, scope: .all))
            let report = PaymentStatusReport(
                format: "pain.002.001.10", messageID: "BANK-3", originalMessageID: instruction.messageID, groupStatus: "PART",
                payments: [
                    PaymentStatus(
                        originalPaymentID: instruction.members[0].paymentInformationID,
                        transactions: [TransactionStatus(originalEndToEndID: first.endToEndID, status: "ACSP")])
                ])
            _ = try await BankStatusTracker(hub: setup.hub).apply(
                IncomingBankFile(name: "early.xml", contents: try Pain002Writer.write(report, createdAt: "2026-09-21T15:00:00Z")),
                connection: "test", context: Self.worker)
            #expect(try await Self.states(setup, instruction) == [.accepted, .unknown])
            #expect(try await setup.store.instruction(instruction.id)?.state == .acknowledged)
            try await setup.store.completeHandover(instruction.id, claim: claim, context: Self.audit(setup))
            #expect(try await Self.states(setup, instruction) == [.accepted, .sent], "nothing is left unknown")
            #expect(try await setup.store.instruction(instruction.id)?.state == .acknowledged, "the report's state stands")
        }
    }

    @Test("a group rejection without transaction details fails every payment of the instruction", arguments: Engine.allCases)
    func groupRejection(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, _) = try await Self.sent(setup, ["10.00", "20.00"])
            let report = PaymentStatusReport(
                format: "pain.002.001.10", messageID: "BANK-2", originalMessageID: instruction.messageID, groupStatus: "RJCT")
            let bytes = try Pain002Writer.write(report, createdAt: "2026-09-21T15:00:00Z")
            _ = try await BankStatusTracker(hub: setup.hub).apply(
                IncomingBankFile(name: "status-2.xml", contents: bytes), connection: "test", context: Self.worker)
            #expect(try await Self.states(setup, instruction) == [.failed, .failed])
            #expect(try await setup.store.instruction(instruction.id)?.state == .rejected)
        }
    }

    @Test("a camt.054 settles booked debits by end-to-end id and a later return reopens the payables", arguments: Engine.allCases)
    func notifications(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let (instruction, payments) = try await Self.sent(setup, ["10.00", "20.00"])
            let tracker = BankStatusTracker(hub: setup.hub)
            let booked = Self.camt054(
                id: "N1",
                entries: [
                    (amount: "10.00", credit: false, endToEndID: payments[0].endToEndID, returnReason: nil),
                    (amount: "20.00", credit: false, endToEndID: payments[1].endToEndID, returnReason: nil),
                ])
            _ = try await tracker.apply(IncomingBankFile(name: "n1.xml", contents: booked), connection: "test", context: Self.worker)
            #expect(try await Self.states(setup, instruction) == [.settled, .settled])
            #expect(try await setup.store.payable(payments[0].payableIDs[0], scope: .all)?.state == .paid)

            let returned = Self.camt054(
                id: "N2", entries: [(amount: "10.00", credit: true, endToEndID: payments[0].endToEndID, returnReason: "MS03")])
            _ = try await tracker.apply(IncomingBankFile(name: "n2.xml", contents: returned), connection: "test", context: Self.worker)
            #expect(try await Self.states(setup, instruction) == [.returned, .settled])
            #expect(try await setup.store.payable(payments[0].payableIDs[0], scope: .all)?.state == .open)
            let trail = try await setup.store.auditEvents(after: 0, limit: 10_000)
            #expect(trail.contains { $0.action == "payment.returned" && $0.after?.contains("MS03") == true })
        }
    }

    /// A camt.054 notification as a bank writes one: each entry with its transaction's end-to-end id, and
    /// for a return the reason under `RtrInf`.
    static func camt054(
        id: String, entries: [(amount: String, credit: Bool, endToEndID: String, returnReason: String?)]
    ) -> Data {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
              <BkToCstmrDbtCdtNtfctn>
                <GrpHdr><MsgId>\(id)</MsgId><CreDtTm>2026-09-22T18:00:00Z</CreDtTm></GrpHdr>
                <Ntfctn>
                  <Id>\(id)</Id><CreDtTm>2026-09-22T18:00:00Z</CreDtTm>
                  <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>

            """
        for (index, entry) in entries.enumerated() {
            let returnInfo = entry.returnReason.map { "<RtrInf><Rsn><Cd>\($0)</Cd></Rsn></RtrInf>" } ?? ""
            xml += """
                      <Ntry>
                        <NtryRef>\(id)-\(index)</NtryRef>
                        <Amt Ccy="EUR">\(entry.amount)</Amt><CdtDbtInd>\(entry.credit ? "CRDT" : "DBIT")</CdtDbtInd>
                        <Sts><Cd>BOOK</Cd></Sts>
                        <BookgDt><Dt>2026-09-22</Dt></BookgDt><ValDt><Dt>2026-09-22</Dt></ValDt>
                        <AcctSvcrRef>REF-\(id)-\(index)</AcctSvcrRef>
                        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>\(entry.credit ? "RRTN" : "ESCT")</SubFmlyCd></Fmly></Domn></BkTxCd>
                        <NtryDtls><TxDtls>
                          <Refs><EndToEndId>\(entry.endToEndID)</EndToEndId></Refs>
                          <Amt Ccy="EUR">\(entry.amount)</Amt><CdtDbtInd>\(entry.credit ? "CRDT" : "DBIT")</CdtDbtInd>
                          \(returnInfo)
                        </TxDtls></NtryDtls>
                      </Ntry>

                """
        }
        xml += "    </Ntfctn>\n  </BkToCstmrDbtCdtNtfctn>\n</Document>\n"
        return Data(xml.utf8)
    }
}
