import Foundation
import PayHubDomain
import PayHubStorage

// The ERP-sync half of the storage contract: upserts, dual control, events, idempotency keys, imports and
// webhook deliveries behave the same on SQLite and PostgreSQL.
extension StorageContract {
    static let sync: [StorageContract] = [
        upsertsAnswerEachItem, bankDetailChangesWaitForASecondPerson, eventsFollowCommitOrderAndScope,
        idempotencyKeysClaimOnce, importsKeepCountsAndQuarantine, webhookDeliveriesRetryThenDie,
    ]

    static let upsertsAnswerEachItem = StorageContract(name: "upserts: created, unchanged, updated, refused once taken") {
        store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let vendor = try Vendor(
            id: fixtures.id(), entityID: world.entity.id, name: "Hanseatic Parts GmbH", countryCode: "DE",
            source: SourceReference(system: "sap", externalID: "100234"), createdAt: fixtures.now)
        let invoice = fixtures.payable(of: vendor, amount: "100.00", source: "sap", externalID: "5100000001")
        let first = try await store.sync(
            SyncBatch(vendors: [VendorUpsert(vendor: vendor)], payables: [PayableUpsert(payable: invoice, vendor: .batchVendor(0))]),
            context: fixtures.context())
        try await expect(first.vendors.map(\.status) == [.created] && first.payables.map(\.status) == [.created], "created")

        // The same delivery again, under fresh ids: nothing is written, the stored ids come back.
        var again = fixtures.payable(of: vendor, amount: "100.00", source: "sap", externalID: "5100000001")
        again.invoiceNumber = invoice.invoiceNumber
        let audit = try await store.auditEvents(after: 0, limit: 1000).count
        let vendorAgain = try Vendor(
            id: fixtures.id(), entityID: world.entity.id, name: vendor.name, countryCode: "DE", source: vendor.source,
            createdAt: fixtures.now)
        let second = try await store.sync(
            SyncBatch(vendors: [VendorUpsert(vendor: vendorAgain)], payables: [PayableUpsert(payable: again, vendor: .batchVendor(0))]),
            context: fixtures.context())
        try await expect(second.vendors.map(\.status) == [.unchanged] && second.payables.map(\.status) == [.unchanged], "unchanged")
        try await expect(second.payables.first?.payable?.id == invoice.id, "the stored payable's id")
        try await expect(try await store.auditEvents(after: 0, limit: 1000).count == audit, "no audit for unchanged items")

        // A changed amount updates the open payable.
        again.amount = try Money(parsing: "120.00", currency: .eur)
        let third = try await store.sync(
            SyncBatch(payables: [PayableUpsert(payable: again, vendor: .id(vendor.id))]), context: fixtures.context())
        try await expect(third.payables.first?.status == .updated, "updated")
        try await expect(try await store.payable(invoice.id, scope: .all)?.amount.decimalString == "120.00", "new amount stored")

        // Once a payment has taken it, the ERP can no longer change it; the item is refused, not the batch.
        let creditor = fixtures.vendorAccount(of: vendor)
        try await store.createBankAccount(creditor, context: fixtures.context())
        let stored = try await store.payable(invoice.id, scope: .all)!
        try await store.createPayment(fixtures.payment(of: [stored], from: world.debtor, to: creditor), context: fixtures.context())
        again.amount = try Money(parsing: "130.00", currency: .eur)
        let other = fixtures.payable(of: vendor, amount: "5.00", source: "sap", externalID: "5100000002")
        let fourth = try await store.sync(
            SyncBatch(payables: [PayableUpsert(payable: again, vendor: .id(vendor.id)), PayableUpsert(payable: other, vendor: .id(vendor.id))]),
            context: fixtures.context())
        try await expect(fourth.payables.map(\.status) == [.rejected, .created], "refused item, created item")
        try await expect(fourth.payables[0].error?.code == .notEditable, "refused because taken")
        try await expect(try await store.payable(invoice.id, scope: .all)?.amount.decimalString == "120.00", "taken payable unchanged")
    }

    static let bankDetailChangesWaitForASecondPerson = StorageContract(
        name: "new bank details of a known vendor wait for a second person; verifying supersedes the old"
    ) { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let vendor = try Vendor(
            id: fixtures.id(), entityID: world.entity.id, name: "Lieferant KG", countryCode: "DE",
            source: SourceReference(system: "sap", externalID: "V-9"), createdAt: fixtures.now)
        let firstAccount = fixtures.vendorAccount(of: vendor)
        let created = try await store.sync(
            SyncBatch(vendors: [VendorUpsert(vendor: vendor, bankAccount: firstAccount)]), context: fixtures.context(actor: "key_erp"))
        try await expect(created.vendors.first?.bankAccountStatus == .created, "first account active at once")

        let sameAgain = try await store.sync(
            SyncBatch(vendors: [VendorUpsert(vendor: vendor, bankAccount: firstAccount)]), context: fixtures.context(actor: "key_erp"))
        try await expect(sameAgain.vendors.first?.bankAccountStatus == .unchanged, "same details: unchanged")

        let newAccount = fixtures.vendorAccount(of: vendor)
        let changed = try await store.sync(
            SyncBatch(vendors: [VendorUpsert(vendor: vendor, bankAccount: newAccount)]), context: fixtures.context(actor: "key_erp"))
        try await expect(changed.vendors.first?.bankAccountStatus == .pendingVerification, "changed details pending")
        let pendingID = try changed.vendors.first?.bankAccountID ?? { throw ContractViolation("pending account id") }()
        let pending = try await store.bankAccount(pendingID, scope: .all)
        try await expect(pending?.verification.requestedBy == "key_erp" && pending?.isUsable == false, "pending, who asked")

        try await expectVerificationError(.sameUser) {
            _ = try await store.verifyBankAccount(pendingID, scope: .all, context: fixtures.context(actor: "key_erp"))
        }
        let verified = try await store.verifyBankAccount(pendingID, scope: .all, context: fixtures.context(actor: "usr_treasurer"))
        try await expect(verified.isUsable && verified.verification.verifiedBy == "usr_treasurer", "verified by another")
        let old = try await store.bankAccount(created.vendors[0].bankAccountID!, scope: .all)
        try await expect(old?.verification.state == .superseded, "the old account is superseded")
        try await expectVerificationError(.notPending) {
            _ = try await store.verifyBankAccount(pendingID, scope: .all, context: fixtures.context(actor: "usr_other"))
        }
        let trail = try await store.auditEvents(after: 0, limit: 1000).map(\.action)
        try await expect(
            trail.contains("bank_account.change_requested") && trail.contains("bank_account.verified"),
            "the request and the verification are audited")
    }

    static let eventsFollowCommitOrderAndScope = StorageContract(name: "events: increasing cursors, type filter, entity scope")
    { store in
        var fixtures = Fixtures()
        let german = try await World.make(store, &fixtures)
        let chinese = try await World.make(store, &fixtures, currency: .cny, country: "CN")
        let payment = try await german.submittedPayment(store, &fixtures)
        _ = try await store.transitionPayment(payment.id, from: .pendingApproval, to: .approved, reason: nil, context: fixtures.context())
        try await store.createPayable(fixtures.payable(of: chinese.vendor, currency: .cny), context: fixtures.context())

        let all = try await store.events(after: 0, limit: 100, filter: EventFilter(), scope: .all)
        try await expect(all.map(\.cursor) == Array(1...Int64(all.count)), "cursors 1, 2, 3… without gaps")
        try await expect(
            all.map(\.type) == [
                "payable.created", "payment.created", "payable.in_payment", "payment.pending_approval",
                "payment.approved", "payable.created",
            ], "one event per change, in commit order: \(all.map(\.type))")
        try await expect(all[4].previousJSON == #"{"state":"pending_approval"}"#, "the state left")
        try await expect(all[4].json.contains(#""object":{"amount""#), "the object as GET shows it")

        let payments = try await store.events(after: 0, limit: 100, filter: EventFilter(types: ["payment.*"]), scope: .all)
        try await expect(payments.allSatisfy { $0.type.hasPrefix("payment.") } && payments.count == 3, "payment.* only")
        let later = try await store.events(after: all[1].cursor, limit: 2, filter: EventFilter(), scope: .all)
        try await expect(later.map(\.cursor) == [all[2].cursor, all[3].cursor], "after a cursor, limited")
        let chineseOnly = try await store.events(after: 0, limit: 100, filter: EventFilter(), scope: .only([chinese.entity.id]))
        try await expect(chineseOnly.count == 1 && chineseOnly[0].entityID == chinese.entity.id.rawValue, "scope hides other entities")
    }

    static let idempotencyKeysClaimOnce = StorageContract(name: "idempotency keys: one runs, the rest wait, replay or refuse")
    { store in
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let request = IdempotentRequest(actorID: "key_a", key: "batch-1", requestHash: "h1", now: now)
        try await expect(try await store.claimIdempotencyKey(request) == .proceed, "first claim proceeds")
        try await expect(try await store.claimIdempotencyKey(request) == .inProgress, "while running: in progress")
        var otherBody = request
        otherBody.requestHash = "h2"
        try await expect(try await store.claimIdempotencyKey(otherBody) == .mismatch, "another request: mismatch")
        var otherCaller = request
        otherCaller.actorID = "key_b"
        try await expect(try await store.claimIdempotencyKey(otherCaller) == .proceed, "keys are per caller")

        let response = StoredResponse(status: 201, contentType: "application/json", body: Data(#"{"id":"pyb_1"}"#.utf8))
        try await store.completeIdempotencyKey(actorID: "key_a", key: "batch-1", response: response)
        try await expect(try await store.claimIdempotencyKey(request) == .replay(response), "completed: replayed")

        var abandoned = IdempotentRequest(actorID: "key_c", key: "k", requestHash: "h", now: now, lease: 60)
        try await expect(try await store.claimIdempotencyKey(abandoned) == .proceed, "claimed")
        abandoned.now = now.addingTimeInterval(61)
        try await expect(try await store.claimIdempotencyKey(abandoned) == .proceed, "an abandoned key is taken over")

        try await store.releaseIdempotencyKey(actorID: "key_b", key: "batch-1")
        try await expect(try await store.claimIdempotencyKey(otherCaller) == .proceed, "a released key runs again")

        var dayLater = request
        dayLater.now = now.addingTimeInterval(24 * 3600 + 1)
        try await expect(try await store.purgeIdempotencyKeys(expiredBy: dayLater.now) >= 1, "expired keys purged")
        try await expect(try await store.claimIdempotencyKey(dayLater) == .proceed, "after 24 hours the key is new")
    }

    static let importsKeepCountsAndQuarantine = StorageContract(name: "imports: counts, quarantine, resolve once") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        var run = ImportRun(
            id: fixtures.id(), entityID: world.entity.id, source: "sap", profile: "sap-f110", fileName: "ap.csv",
            fileSHA256: String(repeating: "0", count: 64), channel: .cli, allOrNothing: false, createdBy: "cli:test",
            createdAt: fixtures.now)
        try await store.startImport(run, context: fixtures.context())
        let vendor = try Vendor(
            id: fixtures.id(), entityID: world.entity.id, name: "Import Vendor", countryCode: "DE",
            source: SourceReference(system: "sap", externalID: "V-1"), createdAt: fixtures.now)
        let payable = fixtures.payable(of: vendor, source: "sap", externalID: "D-1")
        let rejected = QuarantinedRow(
            id: fixtures.id(), importID: run.id, line: 7, location: "line 7", raw: "1000;;31.02.2026;…",
            errors: [FieldError(path: "Belegdatum", code: "invalid_date", message: "not a date")])
        (run, _) = try await store.importBatch(
            SyncBatch(vendors: [VendorUpsert(vendor: vendor)], payables: [PayableUpsert(payable: payable, vendor: .batchVendor(0))]),
            rejections: [rejected], into: run, allOrNothing: false, context: fixtures.context())
        try await expect(run.counts.records == 2 && run.counts.accepted == 1 && run.counts.rejected == 1, "counts")
        run.state = .completed
        run.finishedAt = fixtures.now
        try await store.finishImport(run, rejections: [], context: fixtures.context())
        try await expect(try await store.importRun(run.id, scope: .all)?.state == .completed, "completed")
        try await expect(try await store.importRun(run.id, scope: .only([])) == nil, "scoped away")
        let rows = try await store.quarantinedRows(of: run.id, state: .open, PageRequest())
        try await expect(rows.items == [rejected], "the row kept with its raw text and reasons")

        let (discarded, _) = try await store.resolveQuarantinedRow(
            rejected, entityID: world.entity.id, resubmitting: nil, reason: "credit note, booked by hand",
            context: fixtures.context())
        try await expect(discarded.state == .discarded && discarded.resolution == "credit note, booked by hand", "discarded")
        try await expectStorageError(.stateChanged) {
            _ = try await store.resolveQuarantinedRow(
                rejected, entityID: world.entity.id, resubmitting: nil, reason: "again", context: fixtures.context())
        }
        try await expectStorageError(.stateChanged) {
            try await store.finishImport(run, rejections: [], context: fixtures.context())
        }
    }

    static let webhookDeliveriesRetryThenDie = StorageContract(name: "webhook deliveries: fan out once, lease, retry, dead, replay")
    { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        try await store.createPayable(fixtures.payable(of: world.vendor), context: fixtures.context())
        let webhook = WebhookSubscription(
            id: fixtures.id(), url: URL(string: "http://127.0.0.1:9/hook")!, filter: EventFilter(types: ["payable.*"]),
            description: nil, secret: "whsec_test", scope: .all, createdBy: "usr_test", createdAt: fixtures.now)
        try await store.createWebhook(webhook, context: fixtures.context())
        try await expect(try await store.webhook(webhook.id)?.secret == "whsec_test", "secret sealed and opened")
        try await expect(try await store.fanOutWebhookDeliveries(now: fixtures.now, limit: 100) == 0, "earlier events are not sent")

        let payable = fixtures.payable(of: world.vendor)
        try await store.createPayable(payable, context: fixtures.context())
        let payment = fixtures.payment(of: [payable], from: world.debtor, to: world.creditor)
        try await store.createPayment(payment, context: fixtures.context())  // payment.created is filtered out
        try await expect(try await store.fanOutWebhookDeliveries(now: fixtures.now, limit: 100) == 2, "payable.created and payable.in_payment")
        try await expect(try await store.fanOutWebhookDeliveries(now: fixtures.now, limit: 100) == 0, "fanned out once")

        let jobs = try await store.claimDueDeliveries(now: fixtures.now, limit: 10, lease: 60)
        try await expect(jobs.count == 2 && jobs[0].event.type == "payable.created", "both due, in feed order")
        try await expect(try await store.claimDueDeliveries(now: fixtures.now, limit: 10, lease: 60).isEmpty, "leased")

        let failed = try await store.recordDeliveryAttempt(
            DeliveryAttempt(deliveryID: jobs[0].delivery.id, attempt: 1, attemptedAt: fixtures.now, durationMilliseconds: 3, status: 500, error: nil),
            of: jobs[0].delivery, nextAttemptAt: fixtures.now.addingTimeInterval(30))
        try await expect(failed.state == .pending && failed.attempts == 1, "retry scheduled")
        let dead = try await store.recordDeliveryAttempt(
            DeliveryAttempt(deliveryID: jobs[0].delivery.id, attempt: 2, attemptedAt: fixtures.now, durationMilliseconds: 10_000, status: nil, error: "timeout"),
            of: failed, nextAttemptAt: nil)
        try await expect(dead.state == .dead, "dead after the window")
        let delivered = try await store.recordDeliveryAttempt(
            DeliveryAttempt(deliveryID: jobs[1].delivery.id, attempt: 1, attemptedAt: fixtures.now, durationMilliseconds: 3, status: 204, error: nil),
            of: jobs[1].delivery, nextAttemptAt: nil)
        try await expect(delivered.state == .delivered, "delivered")
        try await expect(try await store.deliveryAttempts(dead.id).map(\.error) == [nil, "timeout"], "the log keeps every attempt")
        try await expect(
            try await store.deliveries(of: webhook.id, state: .dead, PageRequest()).items.map(\.id) == [dead.id], "dead ones listed")

        let replayed = try await store.replayDelivery(dead.id, now: fixtures.now, context: fixtures.context())
        try await expect(replayed.state == .pending, "pending again")
        _ = try await store.setWebhookActive(webhook.id, false, context: fixtures.context())
        try await expect(
            try await store.claimDueDeliveries(now: fixtures.now, limit: 10, lease: 60).isEmpty, "paused: nothing is sent")
        _ = try await store.setWebhookActive(webhook.id, true, context: fixtures.context())
        try await expect(
            try await store.claimDueDeliveries(now: fixtures.now, limit: 10, lease: 60).map(\.delivery.id) == [dead.id], "due now")
    }
}

func expectVerificationError(_ code: AccountVerificationError.Code, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as AccountVerificationError {
        guard error.code == code else { throw ContractViolation("expected \(code.rawValue), got \(error.code.rawValue)") }
        return
    }
    throw ContractViolation("expected \(code.rawValue), but it succeeded")
}
