import BankFormats
import Foundation
import PayHubDomain
import Testing

#if canImport(ProfileLoading)
    import ProfileLoading
#else
    import PayHubServices
#endif

/// Every shipped profile reads its sample in `samples/erp/` (see the README there for which rows are bad
/// on purpose, and why).
@Suite("Shipped mapping profiles")
struct ShippedProfileTests {
    @Test func everyShippedProfileLoadsAndHasASample() throws {
        let profiles = try MappingProfileLoader.load(directory: IntakeFixtures.profilesFolder)
        #expect(
            profiles.keys.sorted() == [
                "erpnext", "generic-csv", "kingdee", "odoo", "oracle-fusion", "pain001", "sap-f110", "yonyou",
            ])
        for (name, profile) in profiles {
            let file = profile.format == .pain001 ? "\(name).xml" : "\(name).csv"
            let records = try IntakeFixtures.read(try IntakeFixtures.sample(file), with: profile)
            #expect(!records.payables.isEmpty, "\(name)")
            #expect(!records.rejections.isEmpty, "\(name) has deliberately bad rows")
        }
    }

    @Test func sapF110() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("sap-f110.csv"), with: try IntakeFixtures.profile("sap-f110"))
        #expect(records.count == 10)
        #expect(records.payables.count == 7)
        #expect(records.rejections.count == 3)

        let first = try #require(records.payable("1000-5100004711-2026"))
        #expect(first.amount == (try money("12480.00", "EUR")))
        #expect(first.invoiceNumber == "RE-2026-0815")
        #expect(first.invoiceDate == (try date("2026-11-03")))
        #expect(first.dueDate == (try date("2026-12-03")))
        #expect(first.entity == "1000")
        #expect(first.remittance == "Rechnung RE-2026-0815")
        #expect(first.vendor.externalID == "100234")
        #expect(first.vendor.name == "Schwarzwald Präzisionsteile GmbH")
        #expect(first.vendor.country == "DE")
        #expect(first.vendor.bankAccount?.iban == "DE33694500650012345678")
        #expect(first.vendor.bankAccount?.bic == "SOLADES1VSS")

        let mueller = try #require(records.payable("1000-5100004712-2026"))
        #expect(mueller.vendor.name == "Müller & Söhne Logistik GmbH")
        #expect(mueller.amount == (try money("1190.50", "EUR")))

        let large = try #require(records.payable("1000-5100004713-2026"))
        #expect(large.amount == (try money("248317.44", "EUR")))

        let swiss = try #require(records.payable("2000-5100004720-2026"))
        #expect(swiss.amount == (try money("21300.00", "CHF")))
        #expect(swiss.vendor.name == "Zürcher Feinmechanik AG")

        #expect(records.rejection(line: 7)?.summary == ["Belegdatum invalid_date"])
        #expect(records.rejection(line: 9)?.summary == ["Kreditor missing_field"])
        #expect(records.rejection(line: 10)?.summary == ["Betrag in BW not_a_payable"])
    }

    @Test func oracleFusion() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("oracle-fusion.csv"), with: try IntakeFixtures.profile("oracle-fusion"))
        #expect(records.payables.count == 5)
        #expect(records.rejections.count == 3)

        let acme = try #require(records.payable("300000047123001"))
        #expect(acme.vendor.name == "Acme Industrial Supply, Inc.")
        #expect(acme.amount == (try money("18450.00", "USD")))
        #expect(acme.invoiceDate == (try date("2026-11-03")))
        #expect(acme.dueDate == (try date("2026-12-03")))
        #expect(acme.vendor.bankAccount?.routingNumber == "021000021")
        #expect(acme.vendor.bankAccount?.accountNumber == "4471029381")

        // The description holds a line break inside quotes: the row starts on line 3 and ends on line 4.
        let freight = try #require(records.payable("300000047123002"))
        #expect(freight.remittance == "10553-A Freight: Oakland to Reno,\nPO 4500012291")
        #expect(records.first { $0.source.raw.contains("10553-A") }?.source.line == 3)

        let northwind = try #require(records.payable("300000047123003"))
        #expect(northwind.amount == (try money("1249.99", "USD")))
        #expect(northwind.vendor.name == "Northwind Traders, Ltd.")

        // No DUE_DATE: the invoice date plus the profile's 30 days.
        let contoso = try #require(records.payable("300000047123005"))
        #expect(contoso.dueDate == (try date("2026-12-06")))
        #expect(contoso.amount == (try money("12000.00", "USD")))

        let globex = try #require(records.payable("300000047123008"))
        #expect(globex.amount.currency.code == "CAD")
        #expect(globex.vendor.country == "CA")

        // Physical lines: the embedded line break pushes every later row down by one.
        #expect(records.rejection(line: 6)?.summary == ["INVOICE_DATE invalid_date"])
        #expect(records.rejection(line: 8)?.summary == ["INVOICE_AMOUNT not_a_payable"])
        #expect(records.rejection(line: 9)?.summary == ["VENDOR_NAME missing_field"])
    }

    @Test func kingdee() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("kingdee.csv"), with: try IntakeFixtures.profile("kingdee"))
        // The title line and the 合计 footer are neither records nor rejections.
        #expect(records.count == 8)
        #expect(records.payables.count == 5)
        #expect(records.rejections.count == 3)

        let first = try #require(records.payable("AP-20261103-0001"))
        #expect(first.vendor.name == "深圳市华强电子元件有限公司")
        #expect(first.vendor.country == "CN")
        #expect(first.amount == (try money("128000.00", "CNY")))
        #expect(first.invoiceDate == (try date("2026-11-03")))
        #expect(first.dueDate == (try date("2026-12-03")))
        #expect(first.remittance == "11月电子元件采购")
        #expect(first.vendor.bankAccount?.cnapsCode == "102584002345")
        #expect(first.vendor.bankAccount?.accountNumber == "4000023409200123456")
        #expect(first.vendor.bankAccount?.bankName == "中国工商银行深圳华强北支行")

        let hongKong = try #require(records.payable("AP-20261106-0005"))
        #expect(hongKong.vendor.country == "HK")
        #expect(hongKong.amount == (try money("75000.00", "HKD")))
        #expect(hongKong.vendor.bankAccount?.cnapsCode == nil)

        #expect(records.rejection(line: 6)?.summary == ["业务日期 invalid_date"])
        #expect(records.rejection(line: 8)?.summary == ["国家 unknown_code"])
        #expect(records.rejection(line: 9)?.summary == ["价税合计 invalid_amount"])
    }

    @Test func yonyou() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("yonyou.csv"), with: try IntakeFixtures.profile("yonyou"))
        #expect(records.payables.count == 4)
        #expect(records.rejections.count == 3)

        let first = try #require(records.payable("U8-0000000231"))
        #expect(first.amount == (try money("1234.50", "CNY")))
        #expect(first.invoiceDate == (try date("2026-11-03")))
        #expect(first.vendor.name == "天津渤海化工原料有限公司")
        #expect(first.vendor.country == "CN")

        let steel = try #require(records.payable("U8-0000000233"))
        #expect(steel.amount == (try money("1250000.00", "CNY")))
        #expect(steel.dueDate == (try date("2026-12-05")))
        #expect(steel.vendor.bankAccount?.cnapsCode == "308521015015")

        #expect(records.rejection(line: 5)?.summary == ["单据日期 invalid_date"])
        #expect(records.rejection(line: 6)?.summary == ["供应商 missing_field"])
        #expect(records.rejection(line: 7)?.summary == ["原币金额 invalid_amount"])
    }

    @Test func erpnext() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("erpnext.csv"), with: try IntakeFixtures.profile("erpnext"))
        #expect(records.payables.count == 4)
        #expect(records.rejections.count == 3)

        let tata = try #require(records.payable("ACC-PINV-2026-00041"))
        #expect(tata.amount == (try money("118000.00", "INR")))
        #expect(tata.invoiceNumber == "TPC/26-27/1184")
        #expect(tata.invoiceDate == (try date("2026-10-30")))
        #expect(tata.dueDate == (try date("2026-12-02")))
        #expect(tata.vendor.name == "Tata Precision Castings Pvt Ltd")
        #expect(tata.vendor.country == "IN")
        #expect(tata.vendor.bankAccount == nil)

        // No due date and no offset: due on the invoice date.
        let fasteners = try #require(records.payable("ACC-PINV-2026-00044"))
        #expect(fasteners.dueDate == (try date("2026-11-05")))
        #expect(fasteners.amount == (try money("5310.50", "INR")))

        #expect(records.rejection(line: 4)?.summary == ["Grand Total missing_field"])
        #expect(records.rejection(line: 6)?.summary == ["Currency unknown_currency"])
        #expect(records.rejection(line: 8)?.summary == ["Due Date invalid_date"])
    }

    @Test func odoo() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("odoo.csv"), with: try IntakeFixtures.profile("odoo"))
        #expect(records.payables.count == 4)
        #expect(records.rejections.count == 3)

        let brasserie = try #require(records.payable("BILL/2026/11/0001"))
        #expect(brasserie.amount == (try money("2450.00", "EUR")))
        #expect(brasserie.vendor.bankAccount?.iban == "BE68539007547034")
        #expect(brasserie.vendor.externalID == "__export__.res_partner_41_7c1e2a")

        // The IBAN as Odoo stored it, with spaces, comes out in electronic form.
        let printer = try #require(records.payable("BILL/2026/11/0002"))
        #expect(printer.vendor.bankAccount?.iban == "FR7630006000011234567890189")
        #expect(printer.vendor.name == "Imprimerie Lefèvre & Fils SARL")
        #expect(printer.amount == (try money("612.48", "EUR")))

        let polish = try #require(records.payable("BILL/2026/11/0006"))
        #expect(polish.amount == (try money("15400.00", "PLN")))

        #expect(records.rejection(line: 5)?.summary == ["Partner/Bank Accounts/Account Number invalid_iban"])
        #expect(
            records.rejection(line: 6)?.summary == [
                "Bill Reference missing_field", "Partner/ID missing_field", "Partner missing_field",
                "Partner/Country/Country Code missing_field",
            ])
        #expect(records.rejection(line: 8)?.summary == ["Total too_many_decimals"])
    }

    @Test func genericCSV() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("generic-csv.csv"), with: try IntakeFixtures.profile("generic-csv"))
        #expect(records.payables.count == 5)
        #expect(records.rejections.count == 3)

        let schmidt = try #require(records.payable("GEN-0001"))
        #expect(schmidt.amount == (try money("1500.00", "EUR")))
        #expect(schmidt.vendor.taxID == "DE129273398")
        #expect(schmidt.vendor.bankAccount?.iban == "DE65100700000123456789")
        #expect(schmidt.vendor.bankAccount?.currency == "EUR")

        let yen = try #require(records.payable("GEN-0003"))
        #expect(yen.amount == (try money("45000", "JPY")))
        #expect(yen.remittance == "請求書 SH-2026-77")

        let ningbo = try #require(records.payable("GEN-0005"))
        #expect(ningbo.vendor.name == "宁波东方模具有限公司")
        #expect(ningbo.vendor.bankAccount?.cnapsCode == "102332000011")

        let kuwait = try #require(records.payable("GEN-0008"))
        #expect(kuwait.amount.minorUnits == 1_250_125)

        #expect(records.rejection(line: 5)?.summary == ["invoice_date invalid_date"])
        #expect(records.rejection(line: 7)?.summary == ["amount too_many_decimals"])
        #expect(records.rejection(line: 8)?.summary == ["vendor.country invalid_country"])
    }

    @Test func pain001() throws {
        let records = try IntakeFixtures.read(
            try IntakeFixtures.sample("pain001.xml"), with: try IntakeFixtures.profile("pain001"))
        #expect(records.payables.count == 3)
        #expect(records.rejections.count == 2)

        let first = try #require(records.payable("E2E-2026-11-0001"))
        #expect(first.amount == (try money("4250.00", "EUR")))
        #expect(first.invoiceNumber == "RE 2026-4471 Lindenhof")
        #expect(first.invoiceDate == (try date("2026-11-12")))
        #expect(first.vendor.name == "Lindenhof Büromöbel GmbH")
        #expect(first.vendor.bankAccount?.iban == "DE12500105170648489890")
        #expect(first.vendor.externalID == "DE12500105170648489890")
        #expect(first.vendor.bankAccount?.bic == "INGDDEFFXXX")

        let dutch = try #require(records.payable("E2E-2026-11-0004"))
        #expect(dutch.dueDate == (try date("2026-11-13")))
        #expect(dutch.vendor.country == "NL")

        let noIDs = try #require(records.rejections.first)
        #expect(noIDs.source.location == "PmtInf[1]/CdtTrfTxInf[3]")
        #expect(noIDs.errors.summary == ["PmtId/EndToEndId missing_field"])
        #expect(noIDs.source.raw.hasPrefix("<CdtTrfTxInf>"))
        #expect(noIDs.source.raw.contains("Café Central Catering KG"))
        let badIBAN = try #require(records.rejections.last)
        #expect(badIBAN.source.location == "PmtInf[2]/CdtTrfTxInf[2]")
        #expect(badIBAN.errors.summary == ["Cdtr/IBAN invalid_iban"])
    }
}

@Suite("pain.001 as payables")
struct Pain001PayablesTests {
    /// The shipped sample rewritten as pain.001.001.09: the date under `Dt`, the BIC as `BICFI`.
    @Test func version09ReadsLikeVersion03() throws {
        var xml = String(decoding: try IntakeFixtures.sample("pain001.xml"), as: UTF8.self)
        xml = xml.replacingOccurrences(of: "pain.001.001.03", with: "pain.001.001.09")
            .replacingOccurrences(of: "<BIC>", with: "<BICFI>").replacingOccurrences(of: "</BIC>", with: "</BICFI>")
        for date in ["2026-11-12", "2026-11-13"] {
            xml = xml.replacingOccurrences(
                of: "<ReqdExctnDt>\(date)</ReqdExctnDt>", with: "<ReqdExctnDt><Dt>\(date)</Dt></ReqdExctnDt>")
        }
        let records = try IntakeFixtures.read(Data(xml.utf8), with: try IntakeFixtures.profile("pain001"))
        #expect(records.payables.map(\.externalID) == ["E2E-2026-11-0001", "E2E-2026-11-0002", "E2E-2026-11-0004"])
        #expect(
            records.payables.map(\.invoiceDate) == [
                try date("2026-11-12"), try date("2026-11-12"), try date("2026-11-13"),
            ])
        #expect(records.payables.first?.vendor.bankAccount?.bic == "INGDDEFFXXX")
        #expect(records.rejections.map(\.source.location) == ["PmtInf[1]/CdtTrfTxInf[3]", "PmtInf[2]/CdtTrfTxInf[2]"])
    }

    @Test func unreadableMessageFailsTheFile() throws {
        #expect(throws: FormatError.self) {
            try IntakeFixtures.read(
                Data("<Document><CstmrCdtTrfInitn>".utf8), with: try IntakeFixtures.profile("pain001"))
        }
    }
}
