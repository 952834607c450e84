import BankFormats
import BankSimulator
import Foundation
import PayHubDomain
import Testing

private let uetr = "8a562c67-ca16-48ba-b074-65581be6f011"

@Suite("Bank simulator")
struct BankSimulatorTests {
    @Test(
        "a pain.001 is answered at once: accepted, AC01, AC04 (listed and kept closed), AM04",
        arguments: [
            Pain001Writer.Version.v09, .v03,
        ])
    func outcomes(version: Pain001Writer.Version) async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration())
        let file = try pain001(
            "MSG-OUTCOMES",
            [
                Transfer(
                    endToEndID: "E2E-OK", amount: "100.00", creditor: Accounts.creditorNL,
                    uetr: version == .v09 ? uetr : nil),
                Transfer(endToEndID: "E2E-AC01", amount: "10.00", creditor: Accounts.unknownCreditor),
                Transfer(endToEndID: "E2E-AC04", amount: "10.00", creditor: Accounts.closedCreditor),
                Transfer(endToEndID: "E2E-AC04-BANK", amount: "10.00", creditor: Accounts.closedAtBank),
                // 1000.00 less the 100.00 accepted before leaves 900.00.
                Transfer(endToEndID: "E2E-AM04", amount: "950.00", creditor: Accounts.creditorBE),
            ], version: version)
        let receipt = try await simulator.receive(fileName: "in.xml", contents: file, transport: .folder, now: fixedNow)
        #expect(receipt.status == "PART")
        #expect(receipt.messageID == "MSG-OUTCOMES")
        #expect(!receipt.duplicate)

        let outputs = try workspace.outputs()
        try expectValid(outputs)
        let pain002 = try #require(reports(outputs, kind: "pain002").first)
        #expect(pain002.0 == receipt.statusReport)
        #expect(pain002.0.hasPrefix("0000001-pain002-"))
        let report = try Pain002Reader.read(pain002.1)
        #expect(report.originalMessageID == "MSG-OUTCOMES")
        #expect(report.originalMessageName == "pain.\(version.rawValue)")
        #expect(report.groupStatus == "PART")
        #expect(report.createdAt == "2024-03-04T09:30:00Z")
        let lines = try statuses(pain002.1)
        #expect(lines["E2E-OK"]?.status == "ACSP")
        #expect(lines["E2E-OK"]?.reason == nil)
        #expect(lines["E2E-AC01"]?.status == "RJCT")
        #expect(lines["E2E-AC01"]?.reason == "AC01")
        #expect(lines["E2E-AC04"]?.reason == "AC04")
        #expect(lines["E2E-AC04-BANK"]?.reason == "AC04")
        #expect(lines["E2E-AM04"]?.reason == "AM04")

        // Executed today, so booked at once: a camt.054 with one debit carrying the ids.
        let notification = try #require(reports(outputs, kind: "camt054").first)
        let document = try CamtReader.read(notification.1)
        let entries = document.statements.flatMap(\.entries)
        #expect(entries.count == 1)
        #expect(entries.first?.amount.isEqual(to: ExactDecimal("-100.00")!) == true)
        #expect(entries.first?.endToEndIDs == ["E2E-OK"])
        #expect(entries.first?.transactions.first?.uetr == (version == .v09 ? uetr : nil))
        #expect(entries.first?.counterparty?.account == Accounts.creditorNL)
        #expect(await simulator.balance(of: Accounts.debtor) == Money(minorUnits: 90_000, currency: .eur))
    }

    @Test("a NACHA file: credits accepted from the company's account, a debit entry refused (AG01)")
    func nachaInput() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration())
        let receipt = try await simulator.receive(
            fileName: "ach.txt", contents: try nacha(), transport: .sftp, now: fixedNow)
        #expect(receipt.status == "PART")
        let outputs = try workspace.outputs()
        try expectValid(outputs)
        let pain002 = try #require(reports(outputs, kind: "pain002").first)
        #expect(try Pain002Reader.read(pain002.1).originalMessageName == "nacha")
        let lines = try statuses(pain002.1)
        #expect(lines["NACHA-E2E-1"]?.status == "ACSP")
        // Without an individual id, the trace number (ODFI and sequence) is the end-to-end id.
        #expect(lines["021000020000002"]?.status == "ACSP")
        #expect(lines["NACHA-E2E-3"]?.status == "RJCT")
        #expect(lines["NACHA-E2E-3"]?.reason == "AG01")
        let notification = try #require(reports(outputs, kind: "camt054").first)
        let entries = try CamtReader.read(notification.1).statements.flatMap(\.entries)
        #expect(entries.map(\.endToEndIDs) == [["NACHA-E2E-1"], ["021000020000002"]])
        #expect(entries.allSatisfy { $0.currency == "USD" && $0.transactionCode == "PMNT-ICDT-ACDT" })
        #expect(await simulator.balance(of: Accounts.usd) == Money(minorUnits: 500_000 - 127_500, currency: .usd))
        let log = try workspace.log().filter { $0["event"] as? String == "received" }
        #expect(log.count == 3)
        #expect(log.allSatisfy { $0["transport"] as? String == "sftp" })
    }

    @Test("a message id received before is not processed again: the first pain.002 again, logged as duplicate")
    func duplicateMessage() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration())
        let file = try pain001(
            "MSG-DUP",
            [
                Transfer(endToEndID: "E2E-D1", amount: "100.00", creditor: Accounts.creditorNL),
                Transfer(endToEndID: "E2E-D2", amount: "5.00", creditor: Accounts.unknownCreditor),
            ])
        let first = try await simulator.receive(fileName: "a.xml", contents: file, transport: .folder, now: fixedNow)
        let again = try await simulator.receive(
            fileName: "a-again.xml", contents: file, transport: .http, now: fixedNow.addingTimeInterval(3600))
        #expect(!first.duplicate)
        #expect(again.duplicate)
        #expect(again.status == first.status)
        #expect(again.statusReport != first.statusReport)
        #expect(try await simulator.report(named: again.statusReport) == simulator.report(named: first.statusReport))
        #expect(await simulator.instruction(messageID: "MSG-DUP")?.statusReport == first.statusReport)
        // Booked once.
        #expect(await simulator.balance(of: Accounts.debtor) == Money(minorUnits: 90_000, currency: .eur))
        #expect(reports(try workspace.outputs(), kind: "camt054").count == 1)

        let log = try workspace.log()
        for id in ["E2E-D1", "E2E-D2"] {
            let received = log.filter { $0["event"] as? String == "received" && $0["end_to_end_id"] as? String == id }
            #expect(received.count == 2)
            #expect(received.filter { $0["duplicate"] as? Bool == false }.count == 1)
            #expect(received.filter { $0["duplicate"] as? Bool == true }.count == 1)
        }
        let booked = log.filter { $0["event"] as? String == "booked" }.compactMap { $0["end_to_end_id"] as? String }
        #expect(booked == ["E2E-D1"])
    }

    @Test(
        "a file that cannot be read is answered with a pain.002 RJCT, reason FF01",
        arguments: [
            "not a bank file", "<Document><broken>",
            "<?xml version=\"1.0\"?><Document xmlns=\"urn:x\"><Foo/></Document>",
        ])
    func unreadableFile(text: String) async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration())
        let receipt = try await simulator.receive(
            fileName: "junk.xml", contents: Data(text.utf8), transport: .http, now: fixedNow)
        #expect(receipt.status == "RJCT")
        #expect(receipt.reason == "FF01")
        #expect(receipt.messageID == nil)
        let outputs = try workspace.outputs()
        #expect(outputs.count == 1)
        try expectValid(outputs)
        let report = try Pain002Reader.read(try #require(outputs.first).1)
        #expect(report.groupStatus == "RJCT")
        #expect(report.originalMessageID == "NOTPROVIDED")
        #expect(report.payments.first?.transactions.first?.reason == "FF01")
        let log = try workspace.log()
        #expect(log.count == 1)
        #expect(log.first?["event"] as? String == "rejected_file")
    }

    @Test("camt.054 and the day's camt.053 read back through CamtReader, balances adding up, with fees")
    func statementsAddUp() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration(fees: ["EUR": "0.50"]))
        try await simulator.receive(
            fileName: "one.xml",
            contents: try pain001(
                "MSG-S1",
                [
                    Transfer(endToEndID: "E2E-S1", amount: "100.00", creditor: Accounts.creditorNL),
                    Transfer(endToEndID: "E2E-S2", amount: "250.25", creditor: Accounts.creditorBE),
                    // 1000.00 - 100.50 - 250.75 = 648.75 left; 648.75 plus its fee is more.
                    Transfer(endToEndID: "E2E-S3", amount: "648.75", creditor: Accounts.creditorCH),
                ]), transport: .folder, now: fixedNow)
        let written = try await simulator.closeDay(now: fixedNow)
        #expect(await simulator.today == date("2024-03-05"))
        #expect(written.count == 2)  // the two open accounts' statements
        let outputs = try workspace.outputs()
        try expectValid(outputs)
        #expect(try statuses(reports(outputs, kind: "pain002")[0].1)["E2E-S3"]?.reason == "AM04")

        let notification = try CamtReader.read(reports(outputs, kind: "camt054")[0].1)
        let entries = notification.statements.flatMap(\.entries)
        #expect(
            entries.map(\.transactionCode) == ["PMNT-ICDT-ESCT", "PMNT-ICDT-ESCT", "ACMT-MDOP-CHRG", "ACMT-MDOP-CHRG"])
        #expect(entries.map { $0.amount.description } == ["-100.00", "-250.25", "-0.50", "-0.50"])

        let statementFile = try #require(reports(outputs, kind: "camt053").first { $0.0 == written[0] })
        let statement = try CamtReader.read(statementFile.1)
        #expect(statement.warnings.isEmpty, "\(statement.warnings)")
        var checked = statement
        checked.checkBalances()
        #expect(checked.warnings.isEmpty, "\(checked.warnings)")
        let day = try #require(statement.statements.first)
        #expect(day.account.iban == Accounts.debtor)
        #expect(day.openingBalance?.amount.isEqual(to: ExactDecimal("1000.00")!) == true)
        #expect(day.closingBalance?.amount.isEqual(to: ExactDecimal("648.75")!) == true)
        #expect(day.entries.count == 4)
        #expect(await simulator.balance(of: Accounts.debtor) == Money(minorUnits: 64_875, currency: .eur))
    }

    @Test("batch booking: one entry for the payment block, a TxDtls per payment with its ids and amount")
    func batchBooking() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration(batch: true, fees: ["EUR": "1.00"]))
        try await simulator.receive(
            fileName: "batch.xml",
            contents: try pain001(
                "MSG-B1",
                [
                    Transfer(endToEndID: "E2E-B1", amount: "10.00", creditor: Accounts.creditorNL, uetr: uetr),
                    Transfer(endToEndID: "E2E-B2", amount: "20.00", creditor: Accounts.creditorBE),
                    Transfer(endToEndID: "E2E-B3", amount: "30.00", creditor: Accounts.unknownCreditor),
                ]), transport: .folder, now: fixedNow)
        try await simulator.closeDay(now: fixedNow)
        let outputs = try workspace.outputs()
        try expectValid(outputs)
        let entries = try CamtReader.read(reports(outputs, kind: "camt054")[0].1).statements.flatMap(\.entries)
        let batch = try #require(entries.first)
        #expect(batch.amount.isEqual(to: ExactDecimal("-30.00")!))
        #expect(batch.endToEndIDs == ["E2E-B1", "E2E-B2"])
        #expect(batch.customerReference == "MSG-B1-1")
        #expect(batch.transactions.map { $0.amount?.description } == ["-10.00", "-20.00"])
        #expect(batch.transactions.map(\.uetr) == [uetr, nil])
        #expect(batch.transactions.map { $0.counterparty?.account } == [Accounts.creditorNL, Accounts.creditorBE])
        #expect(entries.dropFirst().map(\.transactionCode) == ["ACMT-MDOP-CHRG", "ACMT-MDOP-CHRG"])
        let statement = try CamtReader.read(reports(outputs, kind: "camt053")[0].1)
        #expect(statement.warnings.isEmpty, "\(statement.warnings)")
        #expect(statement.statements.first?.closingBalance?.amount.isEqual(to: ExactDecimal("968.00")!) == true)
    }

    @Test("returns come back the configured business days later, over the weekend, with reason and end-to-end id")
    func returnsAfterDays() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let thursday = date("2024-03-07")
        let simulator = try workspace.simulator(
            configuration(start: thursday, returnPerMille: 1000, returnDelay: 2, returnReasons: ["MS03"]))
        try await simulator.receive(
            fileName: "r.xml",
            contents: try pain001(
                "MSG-R1",
                [
                    Transfer(endToEndID: "E2E-R1", amount: "40.00", creditor: Accounts.creditorNL, date: "2024-03-07"),
                    // Executed later: booked when the simulated day reaches it.
                    Transfer(endToEndID: "E2E-R2", amount: "60.00", creditor: Accounts.creditorBE, date: "2024-03-08"),
                ]), transport: .folder, now: fixedNow)
        #expect(reports(try workspace.outputs(), kind: "camt054").count == 1)
        try await simulator.closeDay(now: fixedNow)  // Thursday → Friday: E2E-R2 booked
        #expect(await simulator.today == date("2024-03-08"))
        #expect(await simulator.balance(of: Accounts.debtor) == Money(minorUnits: 90_000, currency: .eur))
        try await simulator.closeDay(now: fixedNow)  // Friday → Monday: E2E-R1 comes back
        #expect(await simulator.today == date("2024-03-11"))
        #expect(await simulator.balance(of: Accounts.debtor) == Money(minorUnits: 94_000, currency: .eur))
        try await simulator.closeDay(now: fixedNow)  // Monday → Tuesday: E2E-R2 comes back
        #expect(await simulator.balance(of: Accounts.debtor) == Money(minorUnits: 100_000, currency: .eur))

        let outputs = try workspace.outputs()
        try expectValid(outputs)
        let credits = try reports(outputs, kind: "camt054").flatMap { try CamtReader.read($0.1).statements }
            .flatMap(\.entries).filter { !$0.amount.isNegative }
        #expect(credits.map(\.endToEndIDs) == [["E2E-R1"], ["E2E-R2"]])
        #expect(credits.map(\.bookingDate) == ["2024-03-11", "2024-03-12"])
        #expect(credits.allSatisfy { $0.returnReason == "MS03" && $0.transactionCode == "PMNT-ICDT-RRTN" })
        // Monday's statement shows the return.
        let monday = try reports(outputs, kind: "camt053").map { try CamtReader.read($0.1) }
            .filter { $0.statements.first?.account.iban == Accounts.debtor }
            .first { $0.statements.first?.closingBalance?.date == "2024-03-11" }
        let statement = try #require(monday?.statements.first)
        #expect(monday?.warnings.isEmpty == true)
        #expect(statement.entries.map(\.returnReason) == ["MS03"])
        let returned = try workspace.log().filter { $0["event"] as? String == "returned" }
        #expect(returned.compactMap { $0["end_to_end_id"] as? String } == ["E2E-R1", "E2E-R2"])
    }

    @Test("same seed, configuration and inputs in the same order: byte-identical outputs and log")
    func deterministic() async throws {
        func run(_ workspace: Workspace) async throws -> [(String, Data)] {
            let simulator = try workspace.simulator(
                configuration(
                    seed: 7, debtorBalance: "100000.00", rejectionPerMille: 300, returnPerMille: 300, returnDelay: 1,
                    batch: false, fees: ["EUR": "0.25", "USD": "0.10"]))
            let transfers = (1...30).map {
                Transfer(endToEndID: "E2E-DET-\($0)", amount: "\($0).15", creditor: Accounts.creditorNL)
            }
            try await simulator.receive(
                fileName: "1.xml", contents: try pain001("MSG-DET-1", transfers), transport: .folder, now: fixedNow)
            try await simulator.receive(fileName: "2.txt", contents: try nacha(), transport: .sftp, now: fixedNow)
            try await simulator.receive(
                fileName: "3.xml", contents: try pain001("MSG-DET-1", transfers), transport: .folder, now: fixedNow)
            try await simulator.receive(fileName: "4.bin", contents: Data([0, 1, 2]), transport: .http, now: fixedNow)
            for _ in 0..<3 { try await simulator.closeDay(now: fixedNow) }
            var outputs = try workspace.outputs()
            outputs.append(
                ("received.jsonl", try Data(contentsOf: workspace.state.appendingPathComponent("received.jsonl"))))
            return outputs
        }
        let first = Workspace()
        let second = Workspace()
        defer {
            first.remove()
            second.remove()
        }
        let a = try await run(first)
        let b = try await run(second)
        #expect(a.map(\.0) == b.map(\.0))
        #expect(a.count > 10)
        for (left, right) in zip(a, b) { #expect(left.1 == right.1, "\(left.0) differs") }
        try expectValid(a.filter { $0.0.hasSuffix(".xml") })
        // The rates show: some of the 30 transfers were rejected at random, some came back.
        let log = String(decoding: try #require(a.last).1, as: UTF8.self)
        #expect(log.contains("\"reason\":\"MS03\""))
        #expect(log.contains("\"event\":\"returned\""))
    }

    @Test("random rejections depend on the seed and end-to-end id, not on the order payments arrive in")
    func orderIndependent() async throws {
        let transfers = (1...40).map {
            Transfer(endToEndID: "E2E-ORD-\($0)", amount: "1.00", creditor: Accounts.creditorNL)
        }
        func outcomes(_ files: [[Transfer]]) async throws -> [String: String] {
            let workspace = Workspace()
            defer { workspace.remove() }
            let simulator = try workspace.simulator(configuration(seed: 99, rejectionPerMille: 500))
            var result: [String: String] = [:]
            for (index, transfers) in files.enumerated() {
                let receipt = try await simulator.receive(
                    fileName: "\(index).xml", contents: try pain001("MSG-ORD-\(index)", transfers), transport: .folder,
                    now: fixedNow)
                let answer = try await simulator.report(named: receipt.statusReport)
                for (id, line) in try statuses(answer) {
                    result[id] = line.status
                }
            }
            return result
        }
        let forward = try await outcomes([Array(transfers[..<20]), Array(transfers[20...])])
        let backward = try await outcomes([transfers.reversed()])
        #expect(forward.count == 40)
        #expect(forward == backward)
        let rejected = forward.values.filter { $0 == "RJCT" }.count
        #expect((8...32).contains(rejected), "500 per mille rejected \(rejected) of 40")
    }

    @Test("a restarted simulator carries on: same outputs as one that ran through")
    func restart() async throws {
        let files = [
            try pain001(
                "MSG-RS-1",
                [
                    Transfer(endToEndID: "E2E-RS1", amount: "10.00", creditor: Accounts.creditorNL),
                    Transfer(endToEndID: "E2E-RS2", amount: "20.00", creditor: Accounts.creditorBE, date: "2024-03-06"),
                ]),
            try pain001("MSG-RS-2", [Transfer(endToEndID: "E2E-RS3", amount: "30.00", creditor: Accounts.creditorCH)]),
        ]
        let config = configuration(returnPerMille: 500, returnDelay: 1, fees: ["EUR": "0.10"])
        let straight = Workspace()
        let restarted = Workspace()
        defer {
            straight.remove()
            restarted.remove()
        }
        let simulator = try straight.simulator(config)
        try await simulator.receive(fileName: "1.xml", contents: files[0], transport: .folder, now: fixedNow)
        try await simulator.closeDay(now: fixedNow)
        try await simulator.receive(fileName: "2.xml", contents: files[1], transport: .folder, now: fixedNow)
        try await simulator.receive(fileName: "1.xml", contents: files[0], transport: .folder, now: fixedNow)
        for _ in 0..<3 { try await simulator.closeDay(now: fixedNow) }

        var instance: BankSimulator? = try restarted.simulator(config)
        try await instance?.receive(fileName: "1.xml", contents: files[0], transport: .folder, now: fixedNow)
        try await instance?.closeDay(now: fixedNow)
        instance = try restarted.simulator(config)
        #expect(await instance?.today == date("2024-03-05"))
        try await instance?.receive(fileName: "2.xml", contents: files[1], transport: .folder, now: fixedNow)
        instance = try restarted.simulator(config)
        // The message id is remembered across the restart.
        let again = try await instance?.receive(
            fileName: "1.xml", contents: files[0], transport: .folder, now: fixedNow)
        #expect(again?.duplicate == true)
        for _ in 0..<3 {
            instance = try restarted.simulator(config)
            try await instance?.closeDay(now: fixedNow)
        }
        let a = try straight.outputs()
        let b = try restarted.outputs()
        #expect(a.map(\.0) == b.map(\.0))
        for (left, right) in zip(a, b) { #expect(left.1 == right.1, "\(left.0) differs") }
        #expect(
            try Data(contentsOf: straight.state.appendingPathComponent("received.jsonl"))
                == Data(contentsOf: restarted.state.appendingPathComponent("received.jsonl")))
        #expect(await simulator.balance(of: Accounts.debtor) == instance?.balance(of: Accounts.debtor))
    }

    @Test("the folder driver takes files in name order, skips dot-files and .part, archives what it took")
    func folderDriver() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration())
        let driver = SimulatorFolderDriver(simulator: simulator, incomingDirectory: workspace.incoming)
        try FileManager.default.createDirectory(at: workspace.incoming, withIntermediateDirectories: true)
        let write = { (name: String, data: Data) in
            try data.write(to: workspace.incoming.appendingPathComponent(name))
        }
        try write(
            "b.xml",
            try pain001("MSG-FB", [Transfer(endToEndID: "E2E-FB", amount: "2.00", creditor: Accounts.creditorNL)]))
        try write(
            "a.xml",
            try pain001("MSG-FA", [Transfer(endToEndID: "E2E-FA", amount: "1.00", creditor: Accounts.creditorNL)]))
        try write(
            "c.xml.part",
            try pain001("MSG-FC", [Transfer(endToEndID: "E2E-FC", amount: "3.00", creditor: Accounts.creditorNL)]))
        try write(".d.xml", Data("staged".utf8))

        let receipts = try await driver.pollOnce(now: fixedNow)
        #expect(receipts.map(\.fileName) == ["a.xml", "b.xml"])
        #expect(receipts.map(\.messageID) == ["MSG-FA", "MSG-FB"])
        let left = try FileManager.default.contentsOfDirectory(atPath: workspace.incoming.path).sorted()
        #expect(left == [".d.xml", "c.xml.part"])
        let archived = try FileManager.default.contentsOfDirectory(
            atPath: workspace.state.appendingPathComponent("archive").path
        ).sorted()
        #expect(archived == ["a.xml", "b.xml"])
        // The sender finishes its upload: the next poll takes it.
        try FileManager.default.moveItem(
            at: workspace.incoming.appendingPathComponent("c.xml.part"),
            to: workspace.incoming.appendingPathComponent("c.xml"))
        #expect(try await driver.pollOnce(now: fixedNow).map(\.messageID) == ["MSG-FC"])
        #expect(try await driver.pollOnce(now: fixedNow).isEmpty)
        let received = try workspace.log().filter { $0["event"] as? String == "received" }
        #expect(received.compactMap { $0["end_to_end_id"] as? String } == ["E2E-FA", "E2E-FB", "E2E-FC"])
    }

    @Test("reports can be listed in order, fetched and removed, as an HTTP front needs")
    func reportAccess() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration())
        let receipt = try await simulator.receive(
            fileName: "x.xml",
            contents: try pain001(
                "MSG-HTTP", [Transfer(endToEndID: "E2E-H", amount: "1.00", creditor: Accounts.creditorNL)]),
            transport: .http, now: fixedNow)
        let names = try await simulator.reports()
        #expect(names.count == 2)
        #expect(names.first == receipt.statusReport)
        #expect(names == names.sorted())
        #expect(!(try await simulator.report(named: names[1])).isEmpty)
        try await simulator.removeReport(named: names[0])
        #expect(try await simulator.reports() == [names[1]])
        await #expect(throws: BankSimulatorError.self) { try await simulator.report(named: "../state/state.json") }
        await #expect(throws: BankSimulatorError.self) { try await simulator.removeReport(named: names[0]) }
        #expect(await simulator.instruction(messageID: "MSG-HTTP") == receipt)
        #expect(await simulator.instruction(messageID: "MSG-NONE") == nil)
    }
}
