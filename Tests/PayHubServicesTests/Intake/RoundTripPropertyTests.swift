import BankFormats
import Foundation
import PayHubDomain
import Testing

#if canImport(ProfileLoading)
    import ProfileLoading
#else
    import PayHubServices
#endif

/// Random payables written as PayHub's generic CSV read back as exactly the same payables, at the
/// physical lines they were written on, with their rows as raw text. Seeded, so a failure reproduces.
@Suite("Generic CSV round trip")
struct RoundTripPropertyTests {
    @Test(arguments: [UInt64(1), 42, 20_261_103, 0xDEAD_BEEF])
    func randomPayablesReadBackExactly(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let payables = (0..<400).map { RandomPayable.make(index: $0, using: &random) }
        var text = GenericCSV.header + "\n"
        var expectedLines: [Int] = []
        var expectedRaw: [String] = []
        var line = 2
        for payable in payables {
            let row = GenericCSV.row(payable)
            expectedLines.append(line)
            expectedRaw.append(row)
            line += row.filter { $0 == "\n" }.count + 1
            // Mixed line ends, as files edited on two systems have.
            text += row + (random.next() % 3 == 0 ? "\r\n" : "\n")
        }
        let records = try IntakeFixtures.read(Data(text.utf8), with: try IntakeFixtures.profile("generic-csv"))
        #expect(records.rejections.map(\.errors) == [])
        #expect(records.payables == payables)
        #expect(records.map(\.source.line) == expectedLines)
        #expect(records.map(\.source.raw) == expectedRaw)
    }
}

/// Writes payables the way a careful exporter would: quoting only the values that need it.
enum GenericCSV {
    static let header =
        "external_id,invoice_number,invoice_date,due_date,amount,currency,remittance,entity,vendor.external_id,"
        + "vendor.name,vendor.country,vendor.tax_id,vendor.iban,vendor.account_number,vendor.bic,vendor.routing_number,"
        + "vendor.cnaps_code,vendor.bank_name,vendor.account_holder,vendor.account_currency"

    static func row(_ payable: ERPPayableRecord) -> String {
        let vendor = payable.vendor
        let account = vendor.bankAccount
        let values: [String?] = [
            payable.externalID, payable.invoiceNumber, payable.invoiceDate.iso8601, payable.dueDate.iso8601,
            payable.amount.decimalString, payable.amount.currency.code, payable.remittance, payable.entity,
            vendor.externalID, vendor.name, vendor.country, vendor.taxID, account?.iban, account?.accountNumber,
            account?.bic, account?.routingNumber, account?.cnapsCode, account?.bankName, account?.holderName,
            account?.currency,
        ]
        return values.map { quoted($0 ?? "") }.joined(separator: ",")
    }

    static func quoted(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

enum RandomPayable {
    private static let words = [
        "Müller", "Société", "Générale", "深圳市", "华强", "电子", "有限公司", "Acme", "Inc.", "Ltd", "O'Brien",
        "\"Quoted\"", "a,b", "Zürich", "東京", "β-Test", "€100", "línea\nnueva", "Œuvre", "—", "x;y", "🙂",
    ]
    private static let currencies: [Currency] = [.eur, .usd, .cny, .jpy, .gbp, .chf, .kwd]
    private static let countries = ["DE", "FR", "CN", "US", "GB", "JP", "CH", "NL", "HK"]
    private static let bics = ["COBADEFFXXX", "DEUTDEFF", "ICBKCNBJSZN", "BKCHCNBJ", "CHASUS33", "NWBKGB2L"]
    private static let routingNumbers = ["021000021", "121000248", "026009593", "011000015"]

    static func make(index: Int, using random: inout SplitMix64) -> ERPPayableRecord {
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
        func text(_ count: Int) -> String { (0..<count).map { _ in pick(words) }.joined(separator: " ") }
        func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(random.next() % 10)) }) }

        let invoiceDate = try! LocalDate(daysSinceEpoch: 20_000 + Int(random.next() % 3_000))
        let currency = pick(currencies)
        let scale = Int64((0..<currency.minorUnits).reduce(1) { result, _ in result * 10 })
        let amount = Money(minorUnits: 1 + Int64(random.next() % UInt64(5_000_000 * scale)), currency: currency)
        var account: ERPBankAccountRecord?
        if chance(70) {
            let bban = "37040044" + digits(10)
            account = ERPBankAccountRecord(
                iban: chance(50) ? "DE" + IBAN.checkDigits(countryCode: "DE", bban: bban) + bban : nil,
                accountNumber: chance(50) ? digits(8 + Int(random.next() % 12)) : nil,
                bic: chance(50) ? pick(bics) : nil,
                routingNumber: chance(30) ? pick(routingNumbers) : nil,
                cnapsCode: chance(30) ? digits(12) : nil,
                bankName: chance(50) ? text(2) : nil,
                holderName: chance(50) ? text(3) : nil,
                currency: chance(50) ? pick(currencies).code : nil)
            if account == ERPBankAccountRecord() { account = ERPBankAccountRecord(bankName: "Bank") }
        }
        let vendor = ERPVendorRecord(
            externalID: "V-" + digits(6), name: text(1 + Int(random.next() % 4)), country: pick(countries),
            taxID: chance(30) ? "TAX" + digits(9) : nil, bankAccount: account)
        return ERPPayableRecord(
            externalID: "P-\(index)", invoiceNumber: text(1 + Int(random.next() % 2)), invoiceDate: invoiceDate,
            dueDate: try! invoiceDate.adding(days: Int(random.next() % 90)), amount: amount,
            remittance: chance(60) ? text(1 + Int(random.next() % 5)) : nil,
            entity: chance(50) ? pick(["DE01", "CN01"]) : nil,
            vendor: vendor)
    }
}
