import BankFormats
import BankSimulator
import Foundation
import PayHubDomain
import Testing

/// Accounts the tests use; every IBAN has a valid checksum, so that Pain001Writer takes it.
enum Accounts {
    static let debtor = "DE89370400440532013000"
    /// Kept by the bank, closed: a transfer to it is AC04.
    static let closedAtBank = "DE02120300000000202051"
    static let usd = "123456789"
    static let nachaCompany = "1234567890"
    static let unknownCreditor = "FR1420041010050500013M02606"
    static let closedCreditor = "GB29NWBK60161331926819"
    static let creditorNL = "NL91ABNA0417164300"
    static let creditorBE = "BE68539007547034"
    static let creditorCH = "CH9300762011623852957"
}

/// 2024-03-04 is a Monday.
let monday = try! LocalDate(iso8601: "2024-03-04")
/// A fixed `now` whose time of day (09:30:00 UTC) the reports take.
let fixedNow = Date(timeIntervalSince1970: 1_709_544_600)

func date(_ text: String) -> LocalDate { try! LocalDate(iso8601: text) }

func configuration(
    seed: UInt64 = 42, start: LocalDate = monday, debtorBalance: String = "1000.00", rejectionPerMille: Int = 0,
    returnPerMille: Int = 0, returnDelay: Int = 2, returnReasons: [String] = ["AC04", "MS03"], batch: Bool = false,
    fees: [String: String] = [:]
) -> BankSimulatorConfiguration {
    BankSimulatorConfiguration(
        seed: seed, bank: .init(bic: "SIMBDEFFXXX", name: "Simulated Bank"), startDate: start,
        accounts: [
            .init(account: Accounts.debtor, currency: "EUR", openingBalance: debtorBalance, name: "ACME GmbH"),
            .init(account: Accounts.closedAtBank, currency: "EUR", openingBalance: "0", status: .closed),
            .init(
                account: Accounts.usd, currency: "USD", openingBalance: "5000.00", nachaCompanyID: Accounts.nachaCompany
            ),
        ],
        unknownCreditorAccounts: [Accounts.unknownCreditor], closedCreditorAccounts: [Accounts.closedCreditor],
        rejectionRatePerMille: rejectionPerMille, returnRatePerMille: returnPerMille,
        returnDelayBusinessDays: returnDelay, returnReasons: returnReasons, batchBooking: batch,
        feePerTransaction: fees)
}

/// A temporary state and outgoing directory pair, removed by `remove()`.
struct Workspace {
    let root: URL
    var state: URL { root.appendingPathComponent("state") }
    var outgoing: URL { root.appendingPathComponent("outgoing") }
    var incoming: URL { root.appendingPathComponent("incoming") }

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("banksim-\(UUID().uuidString)")
    }

    func simulator(_ configuration: BankSimulatorConfiguration) throws -> BankSimulator {
        try BankSimulator(configuration: configuration, stateDirectory: state, outgoingDirectory: outgoing)
    }

    /// Kept for a look when `BANKSIM_KEEP_OUTPUT` is set.
    func remove() {
        if ProcessInfo.processInfo.environment["BANKSIM_KEEP_OUTPUT"] != nil {
            print("kept \(root.path)")
            return
        }
        try? FileManager.default.removeItem(at: root)
    }

    /// The log's lines as JSON objects.
    func log() throws -> [[String: Any]] {
        let text = try String(contentsOf: state.appendingPathComponent("received.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// Every report's name and bytes, in order.
    func outputs() throws -> [(String, Data)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: outgoing.path).sorted()
        return try names.map { ($0, try Data(contentsOf: outgoing.appendingPathComponent($0))) }
    }
}

struct Transfer {
    var endToEndID: String
    var amount: String
    var creditor: String
    var currency = "EUR"
    var date = "2024-03-04"
    var uetr: String?
}

func pain001(
    _ messageID: String, _ transfers: [Transfer], version: Pain001Writer.Version = .v09,
    debtor: String = Accounts.debtor
) throws -> Data {
    let input = Pain001Input(
        messageID: messageID, initiatingParty: .init(name: "ACME GmbH"),
        instructions: transfers.map { transfer in
            Pain001Input.Instruction(
                endToEndID: transfer.endToEndID, amount: transfer.amount, currency: transfer.currency,
                requestedExecutionDate: transfer.date, debtor: .init(name: "ACME GmbH", iban: debtor),
                creditor: .init(name: "Creditor \(transfer.endToEndID)", iban: transfer.creditor),
                remittance: "Invoice \(transfer.endToEndID)", uetr: transfer.uetr)
        })
    return try Pain001Writer.write(input, version: version, createdAt: "2024-03-04T08:00:00Z")
}

func nacha(effective: LocalDate = monday) throws -> Data {
    let routing = try ABARoutingNumber("021000021")
    let receiving = try ABARoutingNumber("011000015")
    let file = NACHAFile(
        header: .init(
            immediateDestination: routing, immediateOrigin: "1234567890", creationDate: monday,
            creationTime: .init(hour: 8, minute: 15), fileIDModifier: "A", immediateDestinationName: "Simulated Bank",
            immediateOriginName: "ACME Corp"),
        batches: [
            .init(
                serviceClass: .mixed, companyName: "ACME Corp", companyIdentification: Accounts.nachaCompany,
                standardEntryClass: .ccd, entryDescription: "Vendors", effectiveEntryDate: effective,
                originatingDFI: "02100002", batchNumber: 1,
                entries: [
                    .init(
                        transactionCode: .checkingCredit, receivingDFI: receiving, accountNumber: "555000111",
                        amount: Money(minorUnits: 125_000, currency: .usd), individualIdentification: "NACHA-E2E-1",
                        individualName: "Vendor One", traceSequenceNumber: 1),
                    .init(
                        transactionCode: .savingsCredit, receivingDFI: receiving, accountNumber: "555000222",
                        amount: Money(minorUnits: 2_500, currency: .usd), individualName: "Vendor Two",
                        traceSequenceNumber: 2),
                    .init(
                        transactionCode: .checkingDebit, receivingDFI: receiving, accountNumber: "555000333",
                        amount: Money(minorUnits: 100, currency: .usd), individualIdentification: "NACHA-E2E-3",
                        individualName: "Customer", traceSequenceNumber: 3),
                ])
        ])
    return try NACHAWriter.write(file)
}

/// The pain.002s, camt.054s and camt.053s among the outputs.
func reports(_ outputs: [(String, Data)], kind: String) -> [(String, Data)] {
    outputs.filter { $0.0.contains("-\(kind)-") }
}

/// Every output must be valid against its official XSD.
func expectValid(_ outputs: [(String, Data)], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (name, data) in outputs {
        let report = try BankFileValidator.validate(data)
        #expect(report.isValid, "\(name): \(report.problems)", sourceLocation: sourceLocation)
        #expect(report.schema != nil, "\(name) was not checked against an XSD", sourceLocation: sourceLocation)
    }
}

/// The status of each end-to-end id in a pain.002, with its reason.
func statuses(_ data: Data) throws -> [String: (status: String?, reason: String?)] {
    let report = try Pain002Reader.read(data)
    var result: [String: (String?, String?)] = [:]
    for payment in report.payments {
        for line in payment.transactions {
            if let id = line.originalEndToEndID { result[id] = (line.status, line.reason) }
        }
    }
    return result
}
