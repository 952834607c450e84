import BankFormats
import Foundation
import Logging
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// Imports through real SQLite files, the shipped profiles and the sample exports.
@Suite("ERP import, quarantine, inbox and result files")
struct ImportServiceTests {
    struct Setup {
        let store: any PayHubStore
        let hub: PaymentHub
        let importer: ERPImporter
        let world: World
        let china: World
        let clerk: CallContext
    }

    static func withSetup(_ body: (Setup) async throws -> Void) async throws {
        try await TestSQLite.withFreshStore { store in
            var fixtures = Fixtures()
            let world = try await World.make(store, &fixtures)
            let china = try await World.make(store, &fixtures, currency: .cny, country: "CN")
            let hub = PaymentHub(store: store)
            let clerk = CallContext(
                principal: Principal(kind: .user, actorID: "usr_clerk", roles: [.apClerk], scope: .all), origin: "test")
            try await body(
                Setup(store: store, hub: hub, importer: ERPImporter(hub: hub, batchSize: 3), world: world, china: china, clerk: clerk))
        }
    }

    static func request(
        _ sample: String, profile: String, entity: World, allOrNothing: Bool = false, data: Data? = nil
    ) throws -> ImportRequest {
        ImportRequest(
            entityID: entity.entity.id.rawValue, profile: try IntakeFixtures.profile(profile), fileName: sample,
            data: try data ?? IntakeFixtures.sample(sample), channel: .cli, allOrNothing: allOrNothing)
    }

    @Test("every shipped profile's sample imports: each row accepted or quarantined with its line, in file order")
    func shippedSamplesImport() async throws {
        let expected: [(String, String, accepted: Int, rejectedLines: [Int])] = [
            ("sap-f110", "sap-f110.csv", 7, [7, 9, 10]), ("oracle-fusion", "oracle-fusion.csv", 5, [6, 8, 9]),
            ("kingdee", "kingdee.csv", 5, [6, 8, 9]), ("yonyou", "yonyou.csv", 4, [5, 6, 7]),
            ("erpnext", "erpnext.csv", 4, [4, 6, 8]), ("odoo", "odoo.csv", 4, [5, 6, 8]),
            ("generic-csv", "generic-csv.csv", 5, [5, 7, 8]), ("pain001", "pain001.xml", 3, [0, 0]),
        ]
        try await Self.withSetup { setup in
            for (profile, sample, accepted, rejectedLines) in expected {
                let entity = ["kingdee", "yonyou"].contains(profile) ? setup.china : setup.world
                let report = try await setup.importer.run(
                    try Self.request(sample, profile: profile, entity: entity), context: setup.clerk)
                #expect(report.run.state == .completed, "\(profile)")
                #expect(report.run.counts.accepted == accepted, "\(profile): accepted")
                #expect(report.run.counts.rejected == rejectedLines.count, "\(profile): rejected")
                #expect(report.run.counts.records == accepted + rejectedLines.count, "\(profile): every record counted")
                #expect(
                    report.rejections.map(\.line) == rejectedLines,
                    "\(profile): quarantined in file order: \(report.rejections.map { "\($0.line) \($0.errors)" })")
                #expect(report.rejections.allSatisfy { !$0.raw.isEmpty && !$0.errors.isEmpty }, "\(profile): raw row and reason kept")
            }
            let payables = try await setup.store.payables(PayableFilter(), PageRequest(limit: 1000), scope: .all).items
            #expect(payables.count == expected.map(\.accepted).reduce(0, +))
            let kingdee = payables.filter { $0.source.system == "kingdee" }
            #expect(kingdee.count == 5 && kingdee.allSatisfy { $0.entityID == setup.china.entity.id })
            #expect(kingdee.filter { $0.amount.currency == .cny }.count == 4, "人民币 and 港币 through the lookup")
        }
    }

    @Test("importing the same file twice writes nothing new: every accepted row is a duplicate the second time")
    func secondImportIsDuplicates() async throws {
        try await Self.withSetup { setup in
            let first = try await setup.importer.run(try Self.request("sap-f110.csv", profile: "sap-f110", entity: setup.world), context: setup.clerk)
            let audit = try await setup.store.auditEvents(after: 0, limit: 10_000).count
            let second = try await setup.importer.run(try Self.request("sap-f110.csv", profile: "sap-f110", entity: setup.world), context: setup.clerk)
            #expect(first.run.counts.accepted == 7 && second.run.counts.accepted == 0)
            #expect(second.run.counts.duplicates == 7 && second.run.counts.updated == 0)
            // The second import adds only its own start and end to the trail.
            #expect(try await setup.store.auditEvents(after: 0, limit: 10_000).count == audit + 2)
        }
    }

    @Test("all-or-nothing: one bad row writes nothing but the rejections; a clean file writes everything")
    func allOrNothing() async throws {
        try await Self.withSetup { setup in
            let refused = try await setup.importer.run(
                try Self.request("generic-csv.csv", profile: "generic-csv", entity: setup.world, allOrNothing: true),
                context: setup.clerk)
            #expect(refused.run.state == .rolledBack)
            #expect(refused.run.counts.accepted == 0 && refused.run.counts.rejected == 3 && refused.run.counts.records == 8)
            #expect(refused.rejections.count == 3, "the rejections are kept to be fixed")
            #expect(try await setup.store.payables(PayableFilter(), PageRequest(), scope: .all).items.isEmpty)

            let clean = try IntakeFixtures.sample("generic-csv.csv").split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                .enumerated().filter { ![4, 6, 7].contains($0.offset) }.map { Data($0.element) }
            let cleanFile = Data(clean.joined(separator: [UInt8(ascii: "\n")]))
            let accepted = try await setup.importer.run(
                try Self.request("clean.csv", profile: "generic-csv", entity: setup.world, allOrNothing: true, data: cleanFile),
                context: setup.clerk)
            #expect(accepted.run.state == .completed && accepted.run.counts.accepted == 5)
        }
    }

    @Test("an unreadable file fails the import with the reason; nothing is written")
    func unreadableFile() async throws {
        try await Self.withSetup { setup in
            let report = try await setup.importer.run(
                try Self.request("x.csv", profile: "sap-f110", entity: setup.world, data: Data("Kreditor;Name 1\n1;x\n".utf8)),
                context: setup.clerk)
            #expect(report.run.state == .failed)
            #expect(report.run.failure?.contains("Belegnummer") == true || report.run.failure?.contains("column") == true)
            #expect(try await setup.store.payables(PayableFilter(), PageRequest(), scope: .all).items.isEmpty)
        }
    }

    @Test("a rejected row is corrected and resubmitted, or discarded with a reason, each once and audited")
    func quarantineRoundTrip() async throws {
        try await Self.withSetup { setup in
            let report = try await setup.importer.run(
                try Self.request("sap-f110.csv", profile: "sap-f110", entity: setup.world), context: setup.clerk)
            let badDate = try #require(report.rejections.first { $0.line == 7 })
            #expect(badDate.errors.map(\.code) == ["invalid_date"] && badDate.raw.contains("31.02.2026"))
            let correction = ImportCorrection(
                externalID: "5100000777", invoiceNumber: "RE-777", invoiceDate: "2026-02-28", dueDate: "2026-03-30",
                amount: "1499.90", currency: "EUR",
                vendor: .init(
                    externalID: "100777", name: "Korrigiert GmbH", country: "DE",
                    bankAccount: BankAccountSyncInput(iban: "DE89370400440532013000", currency: "EUR")))
            let (resolved, result) = try await setup.importer.resubmit(badDate.id.rawValue, correction, context: setup.clerk)
            #expect(resolved.state == .resubmitted && result.status == .created)
            let payable = try await setup.store.payable(try ID(result.id ?? ""), scope: .all)
            #expect(payable?.amount.decimalString == "1499.90" && payable?.source.system == "sap-prod")
            #expect(resolved.resolution == result.id)
            await #expect(throws: StorageError.self) {
                _ = try await setup.importer.resubmit(badDate.id.rawValue, correction, context: setup.clerk)
            }

            let credit = try #require(report.rejections.first { $0.line == 10 })
            await #expect(throws: ValidationFailure.self) {
                _ = try await setup.importer.discard(credit.id.rawValue, reason: "  ", context: setup.clerk)
            }
            let discarded = try await setup.importer.discard(credit.id.rawValue, reason: "credit memo, cleared in SAP", context: setup.clerk)
            #expect(discarded.state == .discarded && discarded.resolvedBy == "usr_clerk")
            let open = try await setup.store.quarantinedRows(of: report.run.id, state: .open, PageRequest())
            #expect(open.items.map(\.line) == [9])
            let trail = try await setup.store.auditEvents(after: 0, limit: 10_000).map(\.action)
            #expect(trail.contains("import_rejection.resubmitted") && trail.contains("import_rejection.discarded"))
        }
    }

    @Test("an import changing a vendor's IBAN leaves the change pending for a second person")
    func importedBankDetailChangeIsPending() async throws {
        try await Self.withSetup { setup in
            let profile = try IntakeFixtures.profile("generic-csv")
            let sample = String(decoding: try IntakeFixtures.sample("generic-csv.csv"), as: UTF8.self)
            _ = try await setup.importer.run(try Self.request("generic-csv.csv", profile: "generic-csv", entity: setup.world), context: setup.clerk)
            // The same vendors with new account numbers: a classic invoice-redirection attempt.
            let header = try #require(sample.split(separator: "\n").first)
            let ibanColumn = try #require(header.split(separator: ",").firstIndex(of: "vendor.iban"))
            let changed = sample.split(separator: "\n").dropFirst().prefix(1).map { line -> String in
                var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells[ibanColumn] = "DE02120300000000202051"
                cells[0] = cells[0] + "-2"
                return cells.joined(separator: ",")
            }
            let file = Data(([String(header)] + changed).joined(separator: "\n").utf8)
            let report = try await setup.importer.run(
                ImportRequest(
                    entityID: setup.world.entity.id.rawValue, profile: profile, fileName: "changed.csv", data: file,
                    channel: .api),
                context: setup.clerk)
            #expect(report.run.counts.accepted == 1, "\(report.rejections.map(\.errors))")
            let trail = try await setup.store.auditEvents(after: 0, limit: 10_000)
            let requested = trail.filter { $0.action == "bank_account.change_requested" }
            #expect(requested.count == 1 && requested.first?.actorID == "usr_clerk")
        }
    }

    @Test("one file giving a vendor two IBANs: the second is not dropped but stored pending verification")
    func twoIBANsInOneFile() async throws {
        try await Self.withSetup { setup in
            let sample = String(decoding: try IntakeFixtures.sample("generic-csv.csv"), as: UTF8.self)
            let lines = sample.split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let iban = try #require(header.firstIndex(of: "vendor.iban"))
            let externalID = try #require(header.firstIndex(of: "external_id"))
            var first = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var second = first
            second[externalID] += "-B"
            second[iban] = "DE02120300000000202051"
            first[externalID] += "-A"
            let file = Data(([lines[0], first.joined(separator: ","), second.joined(separator: ",")]).joined(separator: "\n").utf8)
            let report = try await setup.importer.run(
                try Self.request("two.csv", profile: "generic-csv", entity: setup.world, data: file), context: setup.clerk)
            #expect(report.run.counts.accepted == 2)
            let requested = try await setup.store.auditEvents(after: 0, limit: 10_000).filter {
                $0.action == "bank_account.change_requested"
            }
            #expect(requested.count == 1, "the second IBAN waits for verification")
        }
    }

    @Test("a vendor master file upserts vendors; a changed IBAN on the next file waits for a second person")
    func vendorMasterFile() async throws {
        let profile = try MappingProfileLoader.load(
            yaml: """
                name: sap-vendors
                source: sap-prod
                records: vendors
                csv: {delimiter: ";"}
                defaults: {country: DE}
                fields:
                  vendor.external_id: Kreditor
                  vendor.name: Name 1
                  vendor.iban: IBAN
                  vendor.account_currency: {constant: EUR}
                """)
        func file(_ iban: String) -> Data {
            Data("Kreditor;Name 1;IBAN\n100234;Schwarzwald GmbH;\(iban)\n100235;Bodensee AG;DE89370400440532013000\n".utf8)
        }
        try await Self.withSetup { setup in
            let first = try await setup.importer.run(
                ImportRequest(
                    entityID: setup.world.entity.id.rawValue, profile: profile, fileName: "LFA1.csv",
                    data: file("DE02120300000000202051"), channel: .cli),
                context: setup.clerk)
            #expect(first.run.counts.accepted == 2 && first.run.counts.rejected == 0)
            let second = try await setup.importer.run(
                ImportRequest(
                    entityID: setup.world.entity.id.rawValue, profile: profile, fileName: "LFA1.csv",
                    data: file("DE02100100100006820101"), channel: .cli),
                context: setup.clerk)
            #expect(second.run.counts.duplicates == 2, "the vendors themselves did not change")
            let vendors = try await setup.store.vendors(
                VendorFilter(entityID: setup.world.entity.id), PageRequest(limit: 100), scope: .all
            ).items.filter { $0.source?.system == "sap-prod" }
            let schwarzwald = try #require(vendors.first { $0.name == "Schwarzwald GmbH" })
            let accounts = try await setup.store.bankAccounts(
                BankAccountFilter(vendorID: schwarzwald.id), PageRequest(), scope: .all
            ).items
            #expect(accounts.map(\.verification.state).sorted { $0.rawValue < $1.rawValue } == [.active, .pendingVerification])
            #expect(accounts.first { !$0.isUsable }?.verification.requestedBy == "usr_clerk")
        }
    }

    @Test("a file dropped in the inbox is imported once it has stopped changing, then moved with its report")
    func inboxWatcher() async throws {
        try await Self.withSetup { setup in
            let inbox = try TestSQLite.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: inbox) }
            let folder = inbox.appendingPathComponent("sap-f110/\(setup.world.entity.id)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try IntakeFixtures.sample("sap-f110.csv").write(to: folder.appendingPathComponent("F110_20261129.csv"))
            try Data("half".utf8).write(to: folder.appendingPathComponent("F110_next.csv.part"))
            let watcher = InboxWatcher(
                hub: setup.hub, profiles: try MappingProfileCatalog.load(), inbox: inbox, logger: Logger(label: "inbox"))

            let first = try await watcher.scanOnce(previous: [:])
            #expect(first.count == 1, "seen, not yet taken: it may still be growing")
            #expect(try await setup.store.importRuns(PageRequest(), scope: .all).items.isEmpty)
            _ = try await watcher.scanOnce(previous: first)
            let runs = try await setup.store.importRuns(PageRequest(), scope: .all).items
            #expect(runs.count == 1 && runs.first?.channel == .folder && runs.first?.counts.accepted == 7)
            let processed = try FileManager.default.contentsOfDirectory(
                atPath: folder.appendingPathComponent("processed").path
            ).sorted()
            #expect(processed == ["\(runs[0].id)-F110_20261129.csv", "\(runs[0].id)-F110_20261129.csv.report.json"])
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("F110_next.csv.part").path))
            #expect(runs.first?.createdBy == "worker:inbox")
        }
    }

    @Test("paid, rejected and returned payments go back as result files, per ERP, in its layout and encoding")
    func resultFiles() async throws {
        try await Self.withSetup { setup in
            let outbox = try TestSQLite.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: outbox) }
            _ = try await setup.importer.run(try Self.request("sap-f110.csv", profile: "sap-f110", entity: setup.world), context: setup.clerk)
            _ = try await setup.importer.run(try Self.request("kingdee.csv", profile: "kingdee", entity: setup.china), context: setup.clerk)
            var fixtures = Fixtures()
            func pay(_ world: World, _ source: String, ending target: PaymentState) async throws -> Payable {
                let payable = try #require(
                    try await setup.store.payables(PayableFilter(entityID: world.entity.id), PageRequest(limit: 100), scope: .all)
                        .items.first { $0.source.system == source && $0.state == .open })
                let account = fixtures.vendorAccount(of: try #require(try await setup.store.vendor(payable.vendorID, scope: .all)), currency: payable.amount.currency)
                try await setup.store.createBankAccount(account, context: fixtures.context())
                let payment = fixtures.payment(of: [payable], from: world.debtor, to: account)
                try await setup.store.createPayment(payment, context: fixtures.context())
                // Settled through the bank's stages; rejected by the approver, with the reason the ERP is told.
                let path: [PaymentState] =
                    target == .settled ? [.pendingApproval, .approved, .scheduled, .sent, .accepted, .settled] : [.pendingApproval, .rejected]
                var state = PaymentState.draft
                for next in path {
                    let reason = next == .rejected ? "duplicate of invoice 4711" : nil
                    _ = try await setup.store.transitionPayment(payment.id, from: state, to: next, reason: reason, context: fixtures.context())
                    state = next
                }
                return payable
            }
            let settled = try await pay(setup.world, "sap-prod", ending: .settled)
            let rejected = try await pay(setup.china, "kingdee", ending: .rejected)

            let writer = ResultFileWriter(
                store: setup.store, outbox: outbox, layouts: try ResultFileLayout.catalog(), logger: Logger(label: "results"))
            #expect(try await writer.writeOnce() > 0)
            #expect(try await writer.writeOnce() == 0, "nothing new: no second file")

            let sapFiles = try FileManager.default.contentsOfDirectory(atPath: outbox.appendingPathComponent("sap-prod").path)
            #expect(sapFiles.count == 1 && sapFiles[0].hasSuffix(".csv"))
            let sap = try String(contentsOf: outbox.appendingPathComponent("sap-prod/\(sapFiles[0])"), encoding: .utf8)
            let sapLines = sap.split(separator: "\r\n")
            #expect(sapLines.first?.hasPrefix("Belegnummer;Referenz;Status") == true)
            #expect(sapLines.count == 2 && sapLines[1].hasPrefix("\(settled.source.externalID);\(settled.invoiceNumber);BEZAHLT;"))

            let kingdeeFiles = try FileManager.default.contentsOfDirectory(atPath: outbox.appendingPathComponent("kingdee").path)
            let kingdeeBytes = try Data(contentsOf: outbox.appendingPathComponent("kingdee/\(kingdeeFiles[0])"))
            #expect(String(data: kingdeeBytes, encoding: .utf8) == nil, "GB18030, not UTF-8")
            let kingdee = try #require(String(data: kingdeeBytes, encoding: String.Encoding(rawValue: 0x8000_0632)))
            #expect(kingdee.hasPrefix("单据编号,付款状态,原因"))
            #expect(kingdee.contains("\(rejected.source.externalID),审批拒绝,duplicate of invoice 4711"))
            #expect(try await setup.store.feedCursor(ResultFileWriter.consumer) > 0)
        }
    }
}
