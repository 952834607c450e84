import BankFormats
import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// Importing real statements of the conformance corpus (camt.053, MT940) on SQLite and PostgreSQL: what is
/// stored, the same statement recognised when it comes again, the exceptions a missing statement or a
/// broken balance raise, the caller's entity scope and the permissions.
@Suite("Reconciliation: importing bank statements")
struct StatementImporterTests {
    typealias Engine = ApprovalServiceTests.Engine

    /// `camt053/viafintech-valid_example.xml`: account DE14740618130000033626, ElctrncSeqNb 130000005,
    /// opening (PRCD) 33.06 EUR, closing 23.06 EUR, four entries.
    static let camtName = "camt053/viafintech-valid_example.xml"
    /// `mt940/hbci4java-test-mt940-001.sta`: account 12345678/1234567890, `:28C:1`, 100.00 → 103.00 EUR.
    static let mt940Name = "mt940/hbci4java-test-mt940-001.sta"

    static func file(_ name: String) throws -> Data {
        try Data(contentsOf: StatementConformance.root.appendingPathComponent(name))
    }

    /// The real file with some of its text replaced: the next statement of the same account, as the bank
    /// would send it, made from the real one.
    static func edited(_ name: String, _ replacements: [(String, String)]) throws -> Data {
        var text = String(decoding: try file(name), as: UTF8.self)
        for (old, new) in replacements {
            try #require(text.contains(old), "\(name) contains \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return Data(text.utf8)
    }

    static func caller(_ roles: Set<Role>, seeing scope: EntityScope) -> CallContext {
        CallContext(
            principal: Principal(kind: .user, actorID: "usr_statements", roles: roles, scope: scope), origin: "test")
    }

    /// Registers the camt file's account as an account of the setup's entity.
    static func registerCamtAccount(_ setup: ApprovalServiceTests.Setup) async throws -> BankAccount {
        let account = try BankAccount(
            id: setup.hub.clock.newID(), holder: .entity(setup.world.entity.id), entityID: setup.world.entity.id,
            accountNumber: .iban(IBAN("DE14 7406 1813 0000 0336 26")), bic: try BIC("GENODEF1PFK"), currency: .eur,
            holderName: setup.world.entity.name, createdAt: ApprovalServiceTests.today)
        try await setup.store.createBankAccount(
            account, context: AuditContext(principal: .system, origin: "test", occurredAt: ApprovalServiceTests.today))
        return account
    }

    static func stored(_ outcome: StatementImportOutcome?) throws -> (StoredStatement, [StoredReconciliationException]) {
        guard case .stored(let statement, let exceptions) = outcome else {
            Issue.record("expected a stored statement, got \(String(describing: outcome))")
            throw CancellationError()
        }
        return (statement, exceptions)
    }

    @Test(
        "a camt.053 is stored with its lines, matched to the entity's account, and recognised when sent again",
        arguments: Engine.allCases)
    func camtImportAndDuplicate(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let account = try await Self.registerCamtAccount(setup)
            let importer = StatementImporter(hub: setup.hub)
            let tom = setup.context("tom")
            let data = try Self.file(Self.camtName)

            let report = try await importer.importFile(data, context: tom)
            #expect(report.outcomes.count == 1 && report.format.hasPrefix("camt.053"))
            let (statement, exceptions) = try Self.stored(report.outcomes.first)
            #expect(exceptions.isEmpty, "the account's first statement follows nothing")
            #expect(statement.entityID == setup.world.entity.id && statement.bankAccountID == account.id)
            #expect(statement.statementReference == "0352C5320131227220503" && statement.sequenceNumber == 130_000_005)
            #expect(statement.openingBalance == Money(minorUnits: 3306, currency: .eur))
            #expect(statement.closingBalance == Money(minorUnits: 2306, currency: .eur))
            #expect(statement.openingDate == (try LocalDate(iso8601: "2013-12-27")))
            #expect(statement.accountMasked == "****3626" && statement.lineCount == 4)
            #expect(statement.fileSHA256 == report.fileSHA256 && statement.fileSHA256.count == 64)

            let lines = try await importer.lines(of: statement.id.rawValue, PageRequest(), context: tom)
            #expect(lines.items.map(\.position) == [0, 1, 2, 3] && lines.nextAfterID == nil)
            #expect(lines.items.allSatisfy { $0.status == .unmatched && $0.statementID == statement.id })
            // The lines add up to the difference between the balances, in minor units.
            let total = lines.items.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
            #expect(total == 2306 - 3306)
            let paged = try await importer.lines(of: statement.id.rawValue, PageRequest(limit: 3), context: tom)
            let rest = try await importer.lines(
                of: statement.id.rawValue, PageRequest(limit: 3, afterID: paged.nextAfterID), context: tom)
            #expect(paged.items + rest.items == lines.items && rest.items.count == 1)
            for line in lines.items where line.counterpartyAccountMasked != nil {
                #expect(line.counterpartyAccountMasked!.hasPrefix("****") && line.counterpartyAccountHash?.count == 64)
            }

            let again = try await importer.importFile(data, context: tom)
            #expect(again.outcomes == [.alreadyImported(existing: statement.id)])
            let listed = try await importer.statements(PageRequest(), context: tom)
            #expect(listed.items == [statement], "stored once")
        }
    }

    @Test(
        "a missing statement and an opening balance that does not carry on raise open exceptions",
        arguments: Engine.allCases)
    func camtSequenceGapAndBalanceBreak(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            _ = try await Self.registerCamtAccount(setup)
            let importer = StatementImporter(hub: setup.hub)
            let tom = setup.context("tom")
            let (first, _) = try Self.stored(
                try await importer.importFile(Self.file(Self.camtName), context: tom).outcomes.first)

            // The next statement: number 130000006, opening where the first closed.
            let next = try Self.edited(
                Self.camtName,
                [
                    ("0352C5320131227220503", "0352C5320131228220503"),
                    ("<ElctrncSeqNb>130000005", "<ElctrncSeqNb>130000006"),
                    ("<Amt Ccy=\"EUR\">23.06</Amt>", "<Amt Ccy=\"EUR\">13.06</Amt>"),
                    ("<Amt Ccy=\"EUR\">33.06</Amt>", "<Amt Ccy=\"EUR\">23.06</Amt>"),
                ])
            let (second, clean) = try Self.stored(try await importer.importFile(next, context: tom).outcomes.first)
            #expect(clean.isEmpty && second.sequenceNumber == 130_000_006 && second.id != first.id)

            // 130000007 and 130000008 never arrived; the opening balance carries on.
            let gap = try Self.edited(
                Self.camtName,
                [
                    ("0352C5320131227220503", "0352C5320131231220503"),
                    ("<ElctrncSeqNb>130000005", "<ElctrncSeqNb>130000009"),
                    ("<Amt Ccy=\"EUR\">23.06</Amt>", "<Amt Ccy=\"EUR\">3.06</Amt>"),
                    ("<Amt Ccy=\"EUR\">33.06</Amt>", "<Amt Ccy=\"EUR\">13.06</Amt>"),
                ])
            let (third, gapExceptions) = try Self.stored(
                try await importer.importFile(gap, context: tom).outcomes.first)
            #expect(gapExceptions.map(\.kind) == [.sequenceGap])
            let gapDetails = try #require(gapExceptions.first?.detailsJSON)
            #expect(
                gapDetails.contains("\"missing\":\"2\"") && gapDetails.contains(second.id.rawValue), "\(gapDetails)")

            // The next number, but it opens at 99.00 where the last one closed at 3.06.
            let broken = try Self.edited(
                Self.camtName,
                [
                    ("0352C5320131227220503", "0352C5320140101220503"),
                    ("<ElctrncSeqNb>130000005", "<ElctrncSeqNb>130000010"),
                    ("<Amt Ccy=\"EUR\">33.06</Amt>", "<Amt Ccy=\"EUR\">99.00</Amt>"),
                ])
            let (fourth, breakExceptions) = try Self.stored(
                try await importer.importFile(broken, context: tom).outcomes.first)
            #expect(breakExceptions.map(\.kind) == [.balanceBreak])
            #expect(breakExceptions.first?.detailsJSON.contains("3.06 EUR") == true)

            let all = try await importer.exceptions(context: tom)
            #expect(all.map(\.statementID) == [third.id, fourth.id] && all.allSatisfy { $0.state == .open })
            #expect(try await importer.exceptions(of: second.id.rawValue, context: tom).isEmpty)
            #expect(try await importer.statements(PageRequest(), context: tom).items.count == 4)
        }
    }

    @Test(
        "an MT940 statement: the :28C: number, the same file again, then a gap and a break", arguments: Engine.allCases)
    func mt940(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let importer = StatementImporter(hub: setup.hub)
            let tom = setup.context("tom")
            let data = try Self.file(Self.mt940Name)
            let (first, none) = try Self.stored(try await importer.importFile(data, context: tom).outcomes.first)
            #expect(none.isEmpty && first.sequenceNumber == 1 && first.format == "mt940" && first.lineCount == 2)
            #expect(first.entityID == nil, "no PayHub account has this number")
            #expect(first.openingBalance == Money(minorUnits: 10_000, currency: .eur))
            #expect(first.closingBalance == Money(minorUnits: 10_300, currency: .eur))
            #expect(
                try await importer.importFile(data, format: .mt940, context: tom).outcomes
                    == [.alreadyImported(existing: first.id)])

            let later = try Self.edited(
                Self.mt940Name, [(":28C:1", ":28C:4"), (":60F:C230209EUR100,00", ":60F:C230210EUR90,00")])
            let (second, exceptions) = try Self.stored(
                try await importer.importFile(later, context: tom).outcomes.first)
            #expect(Set(exceptions.map(\.kind)) == [.sequenceGap, .balanceBreak])
            #expect(exceptions.allSatisfy { $0.statementID == second.id && $0.entityID == nil })
        }
    }

    @Test(
        "statements of another entity's account can be neither imported nor read by a limited caller",
        arguments: Engine.allCases)
    func entityScope(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            _ = try await Self.registerCamtAccount(setup)
            var fixtures = Fixtures(seed: 7, now: ApprovalServiceTests.today)
            let france = try await World.make(setup.store, &fixtures, country: "FR")
            let importer = StatementImporter(hub: setup.hub)
            let french = Self.caller([.treasurer], seeing: .only([france.entity.id]))
            let german = Self.caller([.treasurer], seeing: .only([setup.world.entity.id]))
            let data = try Self.file(Self.camtName)

            await #expect(throws: StorageError(.notFound, target: "bank_account")) {
                try await importer.importFile(data, context: french)
            }
            // A limited caller cannot file a statement of an account PayHub does not hold either.
            await #expect(throws: StorageError(.notFound, target: "bank_account")) {
                try await importer.importFile(Self.file(Self.mt940Name), context: german)
            }
            let (statement, _) = try Self.stored(try await importer.importFile(data, context: german).outcomes.first)
            #expect(try await importer.statements(PageRequest(), context: german).items == [statement])
            #expect(try await importer.statements(PageRequest(), context: french).items.isEmpty)
            await #expect(throws: StorageError(.notFound, target: "bank_statement")) {
                try await importer.lines(of: statement.id.rawValue, PageRequest(), context: french)
            }
            await #expect(throws: StorageError(.notFound, target: "bank_statement")) {
                try await importer.lines(of: "not-an-id", PageRequest(), context: german)
            }
            let auditor = Self.caller([.auditor], seeing: .only([setup.world.entity.id]))
            #expect(
                try await importer.lines(of: statement.id.rawValue, PageRequest(), context: auditor).items.count == 4)
        }
    }

    @Test("importing needs statements.import, reading statements.read", arguments: Engine.allCases)
    func permissions(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let importer = StatementImporter(hub: setup.hub)
            let data = try Self.file(Self.mt940Name)
            for roles: Set<Role> in [[.auditor], [.apClerk], [.approver], [.admin], []] {
                let denied = await #expect(throws: AccessDenied.self, "\(roles)") {
                    try await importer.importFile(data, context: Self.caller(roles, seeing: .all))
                }
                #expect(denied?.permission == .statementsImport)
            }
            let integration = Self.caller([.integration], seeing: .all)
            _ = try Self.stored(try await importer.importFile(data, context: integration).outcomes.first)
            #expect(
                try await importer.statements(PageRequest(), context: Self.caller([.auditor], seeing: .all)).items.count
                    == 1)
            let reading = await #expect(throws: AccessDenied.self) {
                try await importer.statements(PageRequest(), context: Self.caller([.apClerk], seeing: .all))
            }
            #expect(reading?.permission == .statementsRead)
        }
    }

    @Test("an unreadable file is a validation failure naming where", arguments: [Engine.sqlite])
    func unreadable(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let importer = StatementImporter(hub: setup.hub)
            let invalid = try Self.file("camt053/invalid/genkgo-camt053.v2.wrong.xml")
            let failure = await #expect(throws: ValidationFailure.self) {
                try await importer.importFile(invalid, context: setup.context("tom"))
            }
            #expect(failure?.errors.first?.path.hasPrefix("file") == true)
            let notStatement = await #expect(throws: ValidationFailure.self) {
                try await importer.importFile(Data("hello".utf8), context: setup.context("tom"))
            }
            #expect(notStatement?.errors.first?.code == "unknown_format")
            #expect(try await importer.statements(PageRequest(), context: setup.context("tom")).items.isEmpty)
        }
    }
}

/// The conformance corpus (`../shared/conformance`), found from this file.
enum StatementConformance {
    static let root: URL = {
        let file = URL(fileURLWithPath: #filePath)
        for candidate in [file, file.resolvingSymlinksInPath()] {
            var folder = candidate.deletingLastPathComponent()
            for _ in 0..<5 {
                let shared = folder.deletingLastPathComponent().appendingPathComponent("shared/conformance")
                if FileManager.default.fileExists(atPath: shared.appendingPathComponent("camt053").path) {
                    return shared
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        return URL(fileURLWithPath: "/work/shared/conformance")
    }()
}
