import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// Sanctions screening end to end on real SQLite files: the sample OFAC and EU lists loaded, every vendor
/// screened again against each, the vendor of each submitted payment screened against the lists in force,
/// and a potential match holding the payment until a person releases it.
@Suite("Sanctions: lists, re-screening, the control at submission")
struct SanctionsServiceTests {
    static let today = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21

    /// `samples/sanctions/`, found from this file's place in the repository.
    static func sample(_ name: String) throws -> Data {
        try Data(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("samples/sanctions/\(name)"))
    }

    static func ofacFiles() throws -> SanctionsListFiles {
        SanctionsListFiles(
            content: try sample("SDN.CSV"), alternateNames: try sample("ALT.CSV"), addresses: try sample("ADD.CSV"))
    }

    struct Setup {
        let store: any PayHubStore
        let hub: PaymentHub
        let approvals: ApprovalService
        let sanctions: SanctionsService
        let screeners: SanctionsScreenerCache
        let world: World
        let users: [String: User]
        var fixtures: Fixtures

        func context(_ name: String, scope: EntityScope = .all) -> CallContext {
            let user = users[name]!
            return CallContext(
                principal: Principal(kind: .user, actorID: user.id.rawValue, roles: user.roles, scope: scope),
                origin: "test")
        }

        var clerk: CallContext { context("clerk") }

        /// A vendor of the test entity with an active account.
        mutating func vendor(_ name: String, country: String = "DE") async throws -> (Vendor, BankAccount) {
            let vendor = fixtures.vendor(of: world.entity, name: name, country: country)
            let account = fixtures.vendorAccount(of: vendor)
            try await store.createVendor(vendor, context: fixtures.context())
            try await store.createBankAccount(account, context: fixtures.context())
            return (vendor, account)
        }

        /// A draft payment by the clerk to `vendor`'s account.
        func draft(to vendor: Vendor, _ account: BankAccount) async throws -> Payment {
            let payable = try await hub.createPayable(
                NewPayable(
                    vendorID: vendor.id.rawValue, invoiceNumber: UUID().uuidString.prefix(12).description,
                    invoiceDate: "2026-09-01", dueDate: "2026-10-01", amount: "900.00", currency: "EUR", source: "sap",
                    externalID: UUID().uuidString),
                context: clerk)
            return try await hub.createPayment(
                NewPayment(
                    payableIDs: [payable.id.rawValue], debtorAccountID: world.debtor.id.rawValue,
                    creditorAccountID: account.id.rawValue), context: clerk)
        }

        func auditCount() async throws -> Int { try await store.auditEvents(after: 0, limit: 100_000).count }
    }

    static func withSetup(_ body: (inout Setup) async throws -> Void) async throws {
        try await TestSQLite.withFreshStore { store in
            var fixtures = Fixtures()
            let world = try await World.make(store, &fixtures)
            let hub = PaymentHub(store: store, clock: Clock { today })
            let access = AccessService(store: store, clock: Clock { today }, bcryptCost: 4)
            var users: [String: User] = [:]
            for (name, roles) in [
                ("clerk", [Role.apClerk]), ("anna", [.approver]), ("admin", [.admin]), ("tom", [.treasurer]),
            ] {
                users[name] = try await access.addUser(
                    username: name, displayName: name.capitalized, password: "correct horse battery", roles: Set(roles),
                    scope: .all, context: CallContext(principal: .system, origin: "test"))
            }
            // A cache of its own, so the test can count what was built.
            let screeners = SanctionsScreenerCache(capacity: 4)
            let sanctions = SanctionsService(hub: hub, screeners: screeners)
            var approvals = ApprovalService(hub: hub)
            approvals.sanctions = sanctions
            var setup = Setup(
                store: store, hub: hub, approvals: approvals, sanctions: sanctions, screeners: screeners, world: world,
                users: users, fixtures: fixtures)
            try await body(&setup)
        }
    }

    // MARK: Loading

    @Test("the sample OFAC and EU lists load; every vendor of every entity is screened and the version recorded")
    func loadSampleLists() async throws {
        try await Self.withSetup { setup in
            var fixtures = Fixtures(seed: 7)
            let china = try await World.make(setup.store, &fixtures, currency: .cny, country: "CN")
            // Word order and diacritics differ from the list's `GARCIA LOPEZ, Jose Maria` (OFAC 10008).
            let (garcia, _) = try await setup.vendor("José María García López", country: "MX")
            // `BALTIC HORIZON TRADING, LLC` (OFAC 10002), in the other entity.
            let baltic = fixtures.vendor(of: china.entity, name: "Horizon Baltic Trading Ltd", country: "LV")
            try await setup.store.createVendor(baltic, context: fixtures.context())

            var audit = try await setup.auditCount()
            let ofac = try await setup.sanctions.loadList(
                source: .ofacSDN, files: try Self.ofacFiles(), version: "2026-03-01", context: setup.context("admin"))
            #expect(ofac.list.entryCount == 32 && ofac.list.version == "2026-03-01" && ofac.list.source == .ofacSDN)
            #expect(ofac.vendorsScreened == 4, "both entities' vendors: two worlds' and two made here")
            #expect(ofac.potentialMatches == 2 && ofac.newMatches == 2 && ofac.cleared == 0 && ofac.previous == nil)
            #expect(try await setup.auditCount() == audit + 1, "one audit event for the load and its re-screening")

            let screenings = try await setup.sanctions.screenings(ofVendor: garcia.id.rawValue, context: setup.clerk)
            let record = try #require(screenings.screenings.first)
            #expect(record.record.screening.outcome == .potentialMatch && record.isCurrent && record.listInForce)
            #expect(record.record.list.version == "2026-03-01")
            #expect(record.record.screening.hitsJSON.contains(#""entry_id":"10008""#))
            #expect(record.record.screening.topScoreValue == 1)
            let clean = try await setup.sanctions.screenings(
                ofVendor: setup.world.vendor.id.rawValue, context: setup.clerk)
            #expect(clean.screenings.map(\.record.screening.outcome) == [.clear])

            audit = try await setup.auditCount()
            let eu = try await setup.sanctions.loadList(
                source: .euConsolidated, files: SanctionsListFiles(content: try Self.sample("eu-consolidated.xml")),
                context: setup.context("tom"))
            #expect(eu.list.version == "2026-03-02T17:45:12.512+01:00", "the EU file's generation date")
            #expect(eu.list.entryCount == 22 && eu.vendorsScreened == 4)
            #expect(try await setup.auditCount() == audit + 1)
            let both = try await setup.sanctions.screenings(ofVendor: garcia.id.rawValue, context: setup.clerk)
                .screenings
            #expect(both.map(\.record.list.source) == [.euConsolidated, .ofacSDN])
            #expect(both.allSatisfy { $0.record.screening.outcome == .potentialMatch }, "García López is on both lists")

            let lists = try await setup.sanctions.lists(context: setup.clerk)
            #expect(lists.map(\.list.id) == [eu.list.id, ofac.list.id] && lists.allSatisfy(\.inForce))
            let matches = try await setup.sanctions.matches(context: setup.context("admin"))
            #expect(Set(matches.map(\.vendor.id)) == [garcia.id, baltic.id])
            let germanOnly = try await setup.sanctions.matches(
                context: setup.context("anna", scope: .only([setup.world.entity.id])))
            #expect(Set(germanOnly.map(\.vendor.id)) == [garcia.id], "another entity's match is not shown")
            #expect(await setup.screeners.builds == 0, "the screeners built by the loads are reused, not rebuilt")
        }
    }

    @Test("a new list version re-screens every vendor and records the new version")
    func newVersionRescreens() async throws {
        try await Self.withSetup { setup in
            let (garcia, account) = try await setup.vendor("Jose-Maria Garcia Lopez", country: "MX")
            _ = try await setup.sanctions.loadList(
                source: .ofacSDN, files: try Self.ofacFiles(), version: "v1", context: setup.context("admin"))
            // The next publication delists entry 10008.
            let sdn = String(decoding: try Self.sample("SDN.CSV"), as: UTF8.self)
            let delisted = sdn.split(separator: "\r\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("10008,") }.joined(separator: "\r\n")
            let alt = String(decoding: try Self.sample("ALT.CSV"), as: UTF8.self)
                .split(separator: "\r\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("10008,") }
                .joined(separator: "\r\n")
            let add = String(decoding: try Self.sample("ADD.CSV"), as: UTF8.self)
                .split(separator: "\r\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("10008,") }
                .joined(separator: "\r\n")
            let v2 = try await setup.sanctions.loadList(
                source: .ofacSDN,
                files: SanctionsListFiles(
                    content: Data(delisted.utf8), alternateNames: Data(alt.utf8), addresses: Data(add.utf8)),
                context: setup.context("admin"))
            #expect(v2.list.entryCount == 31)
            #expect(v2.list.version.hasPrefix("fnv1a64:"), "without a version, a fingerprint of the files")
            #expect(v2.previous?.version == "v1" && v2.vendorsScreened == 2 && v2.cleared == 1 && v2.newMatches == 0)
            let now = try #require(
                try await setup.sanctions.screenings(ofVendor: garcia.id.rawValue, context: setup.clerk).screenings
                    .first)
            #expect(now.record.list.id == v2.list.id && now.record.screening.outcome == .clear && now.isCurrent)
            #expect(try await setup.sanctions.matches(context: setup.context("admin")).isEmpty)
            // Submitted now, the payment is judged against v2: not held.
            let payment = try await setup.draft(to: garcia, account)
            #expect(
                try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk).state == .pendingApproval)

            // After a restart (a fresh cache), the screener is built once from the stored files and reused.
            let restarted = SanctionsScreenerCache(capacity: 4)
            var approvals = setup.approvals
            approvals.sanctions = SanctionsService(hub: setup.hub, screeners: restarted)
            for name in ["Jose Garcia Lopez Maria", "Garcia Lopez Jose Maria II"] {
                let (vendor, account) = try await setup.vendor(name, country: "ES")
                _ = try await approvals.submit(
                    try await setup.draft(to: vendor, account).id.rawValue, context: setup.clerk)
            }
            #expect(await restarted.builds == 1)
        }
    }

    // MARK: The control at submission

    @Test(
        "a vendor like a listed entity is held at submission with a finding naming the list version; a clean one is not"
    )
    func heldAtSubmission() async throws {
        try await Self.withSetup { setup in
            _ = try await setup.sanctions.loadList(
                source: .ofacSDN, files: try Self.ofacFiles(), version: "2026-03-01", context: setup.context("admin"))
            // Created after the load: first screened when a payment to it is submitted.
            let (garcia, account) = try await setup.vendor("José María García López", country: "MX")
            #expect(
                try await setup.sanctions.screenings(ofVendor: garcia.id.rawValue, context: setup.clerk).screenings
                    .isEmpty)
            let payment = try await setup.draft(to: garcia, account)
            let held = try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk)
            #expect(held.state == .onHold)
            let findings = try await setup.approvals.review(payment.id.rawValue, context: setup.context("anna"))
                .findings
            let finding = try #require(findings.first)
            #expect(findings.count == 1 && finding.kind == .sanctions && finding.state == .open)
            #expect(finding.summary == "ofac_sdn list 2026-03-01: potential match, top score 1.00, entry 10008")
            #expect(!finding.summary.localizedCaseInsensitiveContains("garc"), "no name in the summary")
            #expect(finding.detailsJSON.contains(#""list_version":"2026-03-01""#))
            #expect(finding.detailsJSON.contains(#""matched_name":"GARCIA LOPEZ, Jose Maria""#))
            let stored = try #require(
                try await setup.sanctions.screenings(ofVendor: garcia.id.rawValue, context: setup.clerk).screenings
                    .first)
            #expect(stored.isCurrent && stored.record.screening.outcome == .potentialMatch, "the result is stored")
            let trail = try await setup.store.auditEvents(after: 0, limit: 10_000)
            // The screening is stored with the submission, under its one audit event, which names it.
            #expect(!trail.contains { $0.action == "vendor.screened" && $0.objectID == garcia.id.rawValue })
            let heldEvent = try #require(trail.last { $0.objectID == payment.id.rawValue })
            #expect(
                heldEvent.action == "payment.on_hold" && heldEvent.after?.contains("ofac_sdn list 2026-03-01") == true)
            #expect(heldEvent.after?.contains(#""sanctions_screening":"ofac_sdn 2026-03-01: potential_match""#) == true)

            // The clerk who made it cannot release it, even with the permission; an approver can.
            let clerkAsApprover = CallContext(
                principal: Principal(
                    kind: .user, actorID: setup.users["clerk"]!.id.rawValue, roles: [.approver], scope: .all),
                origin: "test")
            await #expect(throws: ApprovalChainError(code: .initiator, stage: nil)) {
                try await setup.approvals.release(payment.id.rawValue, reason: "it is fine", context: clerkAsApprover)
            }
            await #expect(throws: AccessDenied.self) {
                try await setup.approvals.release(payment.id.rawValue, reason: "it is fine", context: setup.clerk)
            }
            let released = try await setup.approvals.release(
                payment.id.rawValue, reason: "different person: passport checked", context: setup.context("anna"))
            #expect(released.state == .pendingApproval)

            // A clean vendor's payment goes on to approval, and the result is reused for the next one.
            let clean = try await setup.approvals.submit(
                try await setup.draft(to: setup.world.vendor, setup.world.creditor).id.rawValue, context: setup.clerk)
            #expect(clean.state == .pendingApproval)
            #expect(
                try await setup.approvals.review(clean.id.rawValue, context: setup.context("anna")).findings.isEmpty)
            let audit = try await setup.auditCount()
            _ = try await setup.approvals.submit(
                try await setup.draft(to: setup.world.vendor, setup.world.creditor).id.rawValue, context: setup.clerk)
            let added = try await setup.store.auditEvents(after: 0, limit: 10_000).dropFirst(audit).map(\.action)
            #expect(!added.contains("vendor.screened"), "a result that still holds is not screened again")

            // Renamed like a listed company, the vendor is screened again at its next payment.
            _ = try await setup.hub.updateVendor(
                setup.world.vendor.id.rawValue,
                try JSONDecoder().decode(VendorChanges.self, from: Data(#"{"name": "Acme Trading Co Ltd"}"#.utf8)),
                context: setup.clerk)
            let renamed = try await setup.approvals.submit(
                try await setup.draft(to: setup.world.vendor, setup.world.creditor).id.rawValue, context: setup.clerk)
            #expect(renamed.state == .onHold)
            let summary = try await setup.approvals.review(renamed.id.rawValue, context: setup.context("anna")).findings
                .first?.summary
            #expect(summary?.contains("entry 10005") == true)
        }
    }

    @Test("embargoed countries hold whatever the name; results made with other options are not reused")
    func embargoedCountry() async throws {
        try await Self.withSetup { setup in
            _ = try await setup.sanctions.loadList(
                source: .ofacSDN, files: try Self.ofacFiles(), version: "2026-03-01", context: setup.context("admin"))
            let (bakery, account) = try await setup.vendor("Pyongyang Bakery", country: "KP")
            let before = try await setup.sanctions.screenings(ofVendor: bakery.id.rawValue, context: setup.clerk)
            #expect(before.screenings.isEmpty)
            _ = try await setup.sanctions.screen(bakery.id.rawValue, context: setup.context("admin"))
            #expect(
                try await setup.sanctions.screenings(ofVendor: bakery.id.rawValue, context: setup.clerk).screenings
                    .first?
                    .record.screening.outcome == .clear, "without an embargo the name alone is clear")
            // The embargo comes from the controls' settings in force, as an operator sets it.
            let approvals = setup.approvals
            _ = try await approvals.saveControls(
                "sanctions: { threshold: \"0.85\", embargoed_countries: [kp] }", context: setup.context("admin"))
            await #expect(throws: ValidationFailure.self, "a threshold above 1 is refused") {
                try await approvals.saveControls("sanctions: { threshold: \"1.5\" }", context: setup.context("admin"))
            }
            let held = try await approvals.submit(
                try await setup.draft(to: bakery, account).id.rawValue, context: setup.clerk)
            #expect(held.state == .onHold)
            let finding = try #require(
                try await approvals.review(held.id.rawValue, context: setup.context("anna")).findings.first)
            #expect(finding.summary == "ofac_sdn list 2026-03-01: embargoed country KP")
        }
    }

    // MARK: Refusals

    @Test("an empty or unreadable list, a second load of a version, a bad version: refused, and nothing changes")
    func invalidListsChangeNothing() async throws {
        try await Self.withSetup { setup in
            let admin = setup.context("admin")
            let audit = try await setup.auditCount()
            func refused(
                _ source: SanctionsList.Source, _ files: SanctionsListFiles, version: String? = nil,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async -> [FieldError] {
                do {
                    _ = try await setup.sanctions.loadList(
                        source: source, files: files, version: version, context: admin)
                    Issue.record("the list was loaded", sourceLocation: sourceLocation)
                } catch let failure as ValidationFailure {
                    return failure.errors
                } catch {
                    Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
                }
                return []
            }
            #expect(await refused(.ofacSDN, SanctionsListFiles(content: Data())).first?.path == "SDN.CSV line 1")
            let header = await refused(.ofacSDN, SanctionsListFiles(content: Data("ent_num,SDN_Name\r\n".utf8)))
            #expect(header.first?.path.hasPrefix("SDN.CSV line 1") == true)
            #expect(
                await refused(.euConsolidated, SanctionsListFiles(content: Data("<export></export>".utf8))).count == 1)
            #expect(await refused(.euConsolidated, SanctionsListFiles(content: Data("not xml".utf8))).count == 1)
            let misplaced = await refused(
                .euConsolidated,
                SanctionsListFiles(content: try Self.sample("eu-consolidated.xml"), alternateNames: Data("x".utf8)))
            #expect(misplaced.map(\.code) == ["not_for_source"])
            #expect(await refused(.ofacSDN, try Self.ofacFiles(), version: " ").map(\.code) == ["invalid_version"])
            #expect(try await setup.auditCount() == audit, "nothing was written")
            #expect(try await setup.sanctions.lists(context: admin).isEmpty)

            _ = try await setup.sanctions.loadList(
                source: .ofacSDN, files: try Self.ofacFiles(), version: "v1", context: admin)
            let loaded = try await setup.auditCount()
            let duplicate = await #expect(throws: StorageError.self) {
                try await setup.sanctions.loadList(
                    source: .ofacSDN, files: try Self.ofacFiles(), version: "v1", context: admin)
            }
            #expect(duplicate?.code == .duplicate)
            #expect(try await setup.auditCount() == loaded)
            #expect(try await setup.sanctions.lists(context: admin).count == 1)
        }
    }

    @Test("a clerk or an approver cannot load lists; a vendor's screening is seen only within the caller's entities")
    func permissions() async throws {
        try await Self.withSetup { setup in
            for name in ["clerk", "anna"] {
                let refused = await #expect(throws: AccessDenied.self) {
                    try await setup.sanctions.loadList(
                        source: .ofacSDN, files: try Self.ofacFiles(), context: setup.context(name))
                }
                #expect(refused?.permission == .sanctionsManage)
            }
            await #expect(throws: AccessDenied.self, "screening on demand is for those who manage sanctions") {
                try await setup.sanctions.screen(setup.world.vendor.id.rawValue, context: setup.clerk)
            }
            #expect(try await setup.sanctions.lists(context: setup.clerk).isEmpty)
            var fixtures = Fixtures(seed: 3)
            let elsewhere = try await World.make(setup.store, &fixtures, currency: .cny, country: "CN")
            let outsider = setup.context("clerk", scope: .only([elsewhere.entity.id]))
            let hidden = await #expect(throws: StorageError.self) {
                try await setup.sanctions.screenings(ofVendor: setup.world.vendor.id.rawValue, context: outsider)
            }
            #expect(hidden?.code == .notFound)
            let auditor = CallContext(
                principal: Principal(kind: .user, actorID: "usr_none", roles: [], scope: .all), origin: "test")
            await #expect(throws: AccessDenied.self) { try await setup.sanctions.matches(context: auditor) }
        }
    }
}
