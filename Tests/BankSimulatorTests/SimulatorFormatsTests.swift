import BankFormats
import BankSimulator
import Foundation
import PayHubDomain
import Testing

/// The formats besides pain.001 that the simulator reads: the China batch file, and NACHA entries whose
/// long reference leads the addenda.
@Suite("Bank simulator: China batch and NACHA references")
struct SimulatorFormatsTests {
    static let cnyDebtor = "1001200300400500600"

    static func chinaConfiguration() -> BankSimulatorConfiguration {
        var configuration = configuration()
        configuration.accounts.append(.init(account: cnyDebtor, currency: "CNY", openingBalance: "50000.00"))
        configuration.closedCreditorAccounts.append("6222000000000000002")
        return configuration
    }

    @Test("a China batch file is answered per transfer by its references, and booked in CNY")
    func chinaBatch() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(Self.chinaConfiguration())
        let file = ChinaBatchPaymentFile(
            batchID: "PH-CNBATCH1", payerAccount: Self.cnyDebtor, payerName: "林登霍夫机械(上海)有限公司",
            executionDate: monday,
            records: [
                .init(
                    sequenceNumber: 1, endToEndID: "CNE2E1", payeeAccount: "6222000000000000001", payeeName: "上海精工",
                    payeeBankCode: try CNAPSCode("308290003011"), payeeBankName: "招商银行上海分行", payeeBankAddress: "上海",
                    amount: Money(minorUnits: 1_234_56, currency: .cny), purpose: "货款"),
                .init(
                    sequenceNumber: 2, endToEndID: "CNE2E2", payeeAccount: "6222000000000000002", payeeName: "苏州电子",
                    payeeBankCode: try CNAPSCode("102305002018"), payeeBankName: "工商银行苏州分行", payeeBankAddress: "苏州",
                    amount: Money(minorUnits: 500_00, currency: .cny), purpose: "货款"),
            ])
        let receipt = try await simulator.receive(
            fileName: "PH-CNBATCH1.csv", contents: try ChinaBatchPaymentWriter.write(file), transport: .folder, now: fixedNow)
        #expect(receipt.messageID == "PH-CNBATCH1" && receipt.status == "PART")
        let outputs = try workspace.outputs()
        try expectValid(outputs)
        let pain002 = try #require(reports(outputs, kind: "pain002").first)
        let lines = try statuses(pain002.1)
        #expect(lines["CNE2E1"]?.status == "ACSP")
        #expect(lines["CNE2E2"]?.status == "RJCT" && lines["CNE2E2"]?.reason == "AC04")
        let entries = try CamtReader.read(try #require(reports(outputs, kind: "camt054").first).1).statements.flatMap(\.entries)
        #expect(entries.map(\.endToEndIDs) == [["CNE2E1"]])
        #expect(entries.first?.currency == "CNY")
        #expect(await simulator.balance(of: Self.cnyDebtor) == Money(minorUnits: 50_000_00 - 1_234_56, currency: .cny))
    }

    @Test("a NACHA entry whose addenda leads with a reference ending in its identification reports that reference")
    func nachaAddendaReference() async throws {
        let workspace = Workspace()
        defer { workspace.remove() }
        let simulator = try workspace.simulator(configuration())
        let endToEndID = "01JD8ZK3Q4W5E6R7T8Y9U0I1O2"
        let file = NACHAFile(
            header: .init(
                immediateDestination: try ABARoutingNumber("021000021"), immediateOrigin: "1234567890",
                creationDate: monday, creationTime: .init(hour: 9, minute: 0), fileIDModifier: "B",
                immediateDestinationName: "Simulated Bank", immediateOriginName: "ACME Corp"),
            batches: [
                .init(
                    serviceClass: .creditsOnly, companyName: "ACME Corp", companyIdentification: Accounts.nachaCompany,
                    standardEntryClass: .ccd, entryDescription: "PAYMENT", effectiveEntryDate: monday,
                    originatingDFI: "02100002", batchNumber: 1,
                    entries: [
                        .init(
                            transactionCode: .checkingCredit, receivingDFI: try ABARoutingNumber("011000015"),
                            accountNumber: "555000111", amount: Money(minorUnits: 10_000, currency: .usd),
                            individualIdentification: String(endToEndID.suffix(15)), individualName: "Vendor One",
                            traceSequenceNumber: 1,
                            addenda: .init(paymentRelatedInformation: "\(endToEndID) INV 4711")),
                        .init(
                            transactionCode: .checkingCredit, receivingDFI: try ABARoutingNumber("011000015"),
                            accountNumber: "555000222", amount: Money(minorUnits: 20_000, currency: .usd),
                            individualIdentification: "OWNREF1", individualName: "Vendor Two", traceSequenceNumber: 2,
                            addenda: .init(paymentRelatedInformation: "SOMETHING ELSE")),
                    ])
            ])
        _ = try await simulator.receive(
            fileName: "ach.txt", contents: try NACHAWriter.write(file), transport: .folder, now: fixedNow)
        let lines = try statuses(try #require(reports(try workspace.outputs(), kind: "pain002").first).1)
        #expect(Set(lines.keys) == [endToEndID, "OWNREF1"], "an addenda that does not end in the identification is not taken")
    }
}
