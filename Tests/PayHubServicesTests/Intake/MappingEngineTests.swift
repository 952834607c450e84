import BankFormats
import Foundation
import PayHubDomain
import Testing

#if canImport(ProfileLoading)
    import ProfileLoading
#else
    import PayHubServices
#endif

/// A small profile over a six-column file; each test varies one part of it.
private func profileYAML(
    csv: String = "delimiter: \",\"", sign: String = "positive", invoiceDate: String = "{column: date}",
    amount: String = "amount", extraFields: String = "", extra: String = ""
) -> String {
    """
    name: test
    source: test-erp
    csv: {\(csv)}
    sign: \(sign)
    defaults: {currency: EUR, country: DE}
    fields:
      external_id: id
      invoice_number: id
      invoice_date: \(invoiceDate)
      amount: \(amount)
      vendor.external_id: vendor
      vendor.name: name
    \(extraFields)
    \(extra)
    """
}

@Suite("Mapping engine")
struct MappingEngineTests {
    // MARK: Dates

    @Test(arguments: [
        ("dd.MM.yyyy", "03.11.2026"), ("d.M.yyyy", "3.11.2026"), ("dd/MM/yyyy", "03/11/2026"),
        ("MM/dd/yyyy", "11/03/2026"), ("M/d/yy", "11/3/26"), ("yyyy-MM-dd", "2026-11-03"),
        ("yyyy/M/d", "2026/11/3"), ("yyyyMMdd", "20261103"), ("ddMMyy", "031126"), ("yy-MM-dd", "26-11-03"),
        ("yyyy年MM月dd日", "2026年11月03日"), ("yyyy年M月d日", "2026年11月3日"), ("dd-MMM-yyyy", "03-NOV-2026"),
        ("dd-MMM-yy", "03-Nov-26"), ("d.M.yy", "3.11.26"),
    ])
    func datePatterns(pattern: String, text: String) throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(invoiceDate: "{column: date, transforms: [{date: \"\(pattern)\"}]}"),
            "id,date,amount,vendor,name\nA1,\(text),10.00,V1,Vendor\n")
        #expect(records.payables.first?.invoiceDate == (try date("2026-11-03")), "\(pattern)")
    }

    @Test(arguments: [
        ("dd.MM.yyyy", "31.02.2026"), ("dd.MM.yyyy", "3.11.2026"), ("dd.MM.yyyy", "03.11.2026 10:00"),
        ("yyyyMMdd", "2026113"), ("yyyy-MM-dd", "2026/11/03"), ("dd-MMM-yyyy", "03-NOX-2026"),
        ("yyyy年MM月dd日", "2026-11-03"), ("yyyy-MM-dd", "2025-02-29"),
    ])
    func invalidDatesAreRejectedWithTheColumn(pattern: String, text: String) throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(invoiceDate: "{column: date, transforms: [{date: \"\(pattern)\"}]}"),
            "id,date,amount,vendor,name\nA1,\(text),10.00,V1,Vendor\n")
        #expect(records.rejection(line: 2)?.summary == ["date invalid_date"], "\(pattern) \(text)")
    }

    @Test func leapDayIsADate() throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(), "id,date,amount,vendor,name\nA1,2028-02-29,10.00,V1,Vendor\n")
        #expect(records.payables.first?.invoiceDate == (try date("2028-02-29")))
    }

    // MARK: Amounts

    @Test(arguments: [
        (".", "", "1234.56", "1234.56"), (",", "", "1234,56", "1234.56"), (",", ".", "1.234,56", "1234.56"),
        (".", ",", "1,234.56", "1234.56"), (".", ",", "1,234,567.80", "1234567.80"), (",", " ", "1 234,56", "1234.56"),
        (",", " ", "1\u{00A0}234,56", "1234.56"), (".", "'", "1'234.56", "1234.56"), (",", ".", "12.345", "12345.00"),
        (".", "", "+5", "5.00"), (".", "", ".5", "0.50"), (".", ",", "999", "999.00"), (",", ".", "1234,5", "1234.50"),
    ])
    func separators(decimal: String, thousands: String, text: String, expected: String) throws {
        let thousandsOption = thousands.isEmpty ? "" : ", thousands_separator: \"\(thousands)\""
        let records = try IntakeFixtures.read(
            yaml: profileYAML(csv: "delimiter: \";\", decimal_separator: \"\(decimal)\"\(thousandsOption)"),
            "id;date;amount;vendor;name\nA1;2026-11-03;\(text);V1;Vendor\n")
        #expect(records.payables.first?.amount == (try money(expected, "EUR")), "\(text)")
    }

    @Test(arguments: ["1,23,456.00", "12,34", "1234,567", "1.234.56", "12a", "", "-", "1,,234", ",123", "1 234"])
    func malformedAmounts(text: String) throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(csv: "delimiter: \";\", thousands_separator: \",\""),
            "id;date;amount;vendor;name\nA1;2026-11-03;\(text);V1;Vendor\n")
        let expected = text.isEmpty ? "amount missing_field" : "amount invalid_amount"
        #expect(records.rejection(line: 2)?.summary == [expected], "\(text)")
    }

    @Test func tooManyDecimalsForTheCurrency() throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(extraFields: "  currency: ccy"),
            "id,date,amount,vendor,name,ccy\nA1,2026-11-03,10.5,V1,V,JPY\nA2,2026-11-03,10.001,V1,V,EUR\nA3,2026-11-03,10.001,V1,V,BHD\nA4,2026-11-03,1.00,V1,V,EURO\n"
        )
        #expect(records.rejection(line: 2)?.summary == ["amount too_many_decimals"])
        #expect(records.rejection(line: 3)?.summary == ["amount too_many_decimals"])
        #expect(records.payables.map(\.amount) == [try money("10.001", "BHD")])
        #expect(records.rejection(line: 5)?.summary == ["ccy unknown_currency"])
    }

    // MARK: Sign conventions

    @Test func positiveConvention() throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(),
            "id,date,amount,vendor,name\nA1,2026-11-03,10.00,V1,V\nA2,2026-11-03,-10.00,V1,V\nA3,2026-11-03,0.00,V1,V\n"
        )
        #expect(records.payables.map(\.amount) == [try money("10.00", "EUR")])
        #expect(records.rejection(line: 3)?.summary == ["amount not_a_payable"])
        #expect(records.rejection(line: 4)?.summary == ["amount not_a_payable"])
    }

    @Test func negativeConventionWithSAPTrailingMinus() throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(
                csv: "delimiter: \";\", decimal_separator: \",\", thousands_separator: \".\"", sign: "negative"),
            "id;date;amount;vendor;name\nA1;2026-11-03;1.234,56-;V1;V\nA2;2026-11-03;-7,00;V1;V\nA3;2026-11-03;250,00;V1;V\nA4;2026-11-03;(3,00);V1;V\n"
        )
        #expect(
            records.payables.map(\.amount) == [
                try money("1234.56", "EUR"), try money("7.00", "EUR"), try money("3.00", "EUR"),
            ])
        #expect(records.rejection(line: 4)?.summary == ["amount not_a_payable"])
    }

    @Test func debitCreditColumn() throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(sign: "{debit_credit_column: 借贷, payable: [贷, H], credit_note: [借, S]}"),
            "id,date,amount,vendor,name,借贷\nA1,2026-11-03,100.00,V1,V,贷\nA2,2026-11-03,40.00,V1,V,借\nA3,2026-11-03,5.00,V1,V,H\nA4,2026-11-03,5.00,V1,V,X\n"
        )
        #expect(records.payables.map(\.externalID) == ["A1", "A3"])
        #expect(records.rejection(line: 3)?.summary == ["amount not_a_payable"])
        #expect(records.rejection(line: 5)?.summary == ["借贷 unknown_code"])
    }

    // MARK: Transforms

    @Test func lookupsAndTheirErrors() throws {
        let yaml = profileYAML(
            extraFields:
                "  vendor.country: {column: land, transforms: [trim, upper, {lookup: countries}]}\n  vendor.iban: {column: iban, transforms: [{lookup: accounts}]}",
            extra: "lookups:\n  countries: {DEUTSCHLAND: DE, 德国: DE}\n  accounts: {X: Y}")
        let records = try IntakeFixtures.read(
            yaml: yaml,
            "id,date,amount,vendor,name,land,iban\nA1,2026-11-03,1.00,V1,V, deutschland ,\nA2,2026-11-03,1.00,V1,V,德国,\nA3,2026-11-03,1.00,V1,V,Mars,\nA4,2026-11-03,1.00,V1,V,德国,DE89370400440532013000\n"
        )
        #expect(records.payables.map(\.vendor.country) == ["DE", "DE"])
        let unknown = try #require(records.rejection(line: 4))
        #expect(unknown.summary == ["land unknown_code"])
        #expect(unknown.first?.message.contains("\"MARS\"") == true)
        #expect(unknown.first?.message.contains("countries") == true)
        // An account number never appears in a message, even when it is the unknown code.
        let account = try #require(records.rejection(line: 5))
        #expect(account.summary == ["iban unknown_code"])
        #expect(account.allSatisfy { !$0.message.contains("DE89") && !$0.description.contains("0532013000") })
    }

    @Test(arguments: [
        ("Müller, Hans", "Hans", "Müller"), ("Hans Peter Müller", "Hans Peter", "Müller"), ("张伟", "伟", "张"),
        ("欧阳娜娜", "阳娜娜", "欧"), ("Madonna", "", "Madonna"),
    ])
    func splitName(full: String, first: String, last: String) throws {
        let yaml = profileYAML(
            extraFields:
                "  vendor.account_holder: {column: holder, transforms: [{split_name: last}]}\n  remittance: {column: holder, transforms: [{split_name: first}]}"
        )
        let records = try IntakeFixtures.read(
            yaml: yaml, "id,date,amount,vendor,name,holder\nA1,2026-11-03,1.00,V1,V,\"\(full)\"\n")
        let payable = try #require(records.payables.first)
        #expect(payable.vendor.bankAccount?.holderName == last)
        #expect(payable.remittance == (first.isEmpty ? nil : first))
    }

    @Test func templatesConstantsDefaultsStripAndDigits() throws {
        let yaml = """
            name: t
            source: s
            defaults: {country: CN}
            fields:
              external_id: {template: "{Beleg}-{Jahr}"}
              invoice_number: {template: "{{{Beleg}}}"}
              invoice_date: {column: 2, transforms: [{date: yyyyMMdd}]}
              amount: 3
              currency: {constant: CNY}
              remittance: {column: note, transforms: [lower, {default: "n/a"}]}
              vendor.external_id: {column: vendor, transforms: [{strip: "-/"}]}
              vendor.name: name
              vendor.account_number: {column: account, transforms: [digits_only]}
            """
        let records = try IntakeFixtures.read(
            yaml: yaml,
            "Beleg,Datum,Betrag,Jahr,vendor,name,account,note\n4711,20261103,99.00,2026,V-1/7,宁波,6222 0210 0123 4567 890,\n4712,20261104,1.00,2026,V2,宁波,,HELLO\n"
        )
        let first = try #require(records.payables.first)
        #expect(first.externalID == "4711-2026")
        #expect(first.invoiceNumber == "{4711}")
        #expect(first.amount == (try money("99.00", "CNY")))
        #expect(first.remittance == "n/a")
        #expect(first.vendor.externalID == "V17")
        #expect(first.vendor.country == "CN")
        #expect(first.vendor.bankAccount?.accountNumber == "6222021001234567890")
        #expect(records.payables.last?.remittance == "hello")
        #expect(records.payables.last?.vendor.bankAccount == nil)
    }

    @Test func dueDateOffsetAndEntityDefault() throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(extraFields: "  due_date: due", extra: "").replacingOccurrences(
                of: "defaults: {currency: EUR, country: DE}",
                with: "defaults: {currency: EUR, country: DE, due_date_offset_days: 45, entity: DE01}"),
            "id,date,amount,vendor,name,due\nA1,2026-11-03,1.00,V1,V,\nA2,2026-11-03,1.00,V1,V,2026-11-20\nA3,2026-12-31,1.00,V1,V,\n"
        )
        #expect(
            records.payables.map(\.dueDate) == [try date("2026-12-18"), try date("2026-11-20"), try date("2027-02-14")])
        #expect(records.payables.allSatisfy { $0.entity == "DE01" })
    }

    @Test func allProblemsOfARowAreReportedTogether() throws {
        let records = try IntakeFixtures.read(
            yaml: profileYAML(extraFields: "  vendor.iban: iban\n  vendor.bic: bic\n  vendor.cnaps_code: cnaps"),
            "id,date,amount,vendor,name,iban,bic,cnaps\n,2026-13-03,abc,,,DE00370400440532013000,XX,12345\n")
        let errors = try #require(records.rejection(line: 2))
        #expect(
            Set(errors.summary) == [
                "id missing_field", "date invalid_date", "amount invalid_amount", "vendor missing_field",
                "name missing_field", "iban invalid_iban", "bic invalid_bic", "cnaps invalid_cnaps_code",
            ])
        #expect(errors.allSatisfy { !$0.message.contains("0532013000") })
    }

    // MARK: CSV layout

    @Test func semicolonsQuotesAndEmbeddedNewlinesKeepPhysicalLines() throws {
        let text =
            "id;date;amount;vendor;name;note\r\n"
            + "A1;2026-11-03;1,00;V1;\"Acme; Inc.\";\"two\r\nlines\"\r\n"
            + "\r\n"
            + "A2;2026-11-03;2,00;V1;\"Say \"\"hi\"\"\";\"three\nmore\nlines\"\r\n"
            + "A3;2026-11-03;x;V1;V;plain\r\n"
        let records = try IntakeFixtures.read(
            yaml: profileYAML(csv: "delimiter: auto, decimal_separator: \",\"", extraFields: "  remittance: note"),
            text)
        #expect(records.map(\.source.line) == [2, 5, 8])
        #expect(records.payables.map(\.vendor.name) == ["Acme; Inc.", "Say \"hi\""])
        #expect(records.payables.map(\.remittance) == ["two\nlines", "three\nmore\nlines"])
        // Raw text is the record as written: quotes doubled, line breaks as in the file, no line end.
        #expect(records[0].source.raw == "A1;2026-11-03;1,00;V1;\"Acme; Inc.\";\"two\r\nlines\"")
        #expect(records[1].source.raw == "A2;2026-11-03;2,00;V1;\"Say \"\"hi\"\"\";\"three\nmore\nlines\"")
        #expect(records[2].source.raw == "A3;2026-11-03;x;V1;V;plain")
        #expect(records[2].source.location == "line 8")
    }

    @Test func skippedRowsHeaderRowAndRowsAfterHeader() throws {
        let text = """
            Vendor open items export,,,,,
            created 2026-11-10,,,,,
            id,date,amount,vendor,name,kind
            ----,----,----,----,----,----
            A1,2026-11-03,1.00,V1,V,item
            ,,,,,
            ,,,,,note only
            Total,,1.00,,,sum
            A2,2026-11-03,2.00,V1,V,item
            """
        let records = try IntakeFixtures.read(
            yaml: profileYAML(
                csv: "header_row: 3, skip_lines_after_header: 1, skip_rows_where: [{column: id, equals: Total}]"), text)
        #expect(records.map(\.source.line) == [5, 9])
        #expect(records.payables.count == 2)
    }

    @Test func headerlessFileByPosition() throws {
        let yaml = """
            name: t
            source: s
            csv: {header_row: 0, delimiter: "|"}
            defaults: {currency: USD, country: US}
            fields:
              external_id: 1
              invoice_number: 1
              invoice_date: {column: 2, transforms: [{date: MM/dd/yyyy}]}
              amount: 3
              vendor.external_id: 4
              vendor.name: 5
              vendor.routing_number: 6
            """
        let records = try IntakeFixtures.read(
            yaml: yaml, "X1|11/03/2026|12.00|V9|Blue Ridge|021000021\nX2|11/04/2026|1.00|V9|Blue Ridge|021000022\n")
        #expect(records.payables.first?.vendor.bankAccount?.routingNumber == "021000021")
        #expect(records.rejection(line: 2)?.summary == ["column 6 invalid_routing_number"])
    }

    // MARK: Whole-file errors

    @Test func missingHeaderColumnIsNamed() throws {
        #expect {
            try IntakeFixtures.read(yaml: profileYAML(), "id,date,Betrag,vendor,name\nA1,2026-11-03,1.00,V1,V\n")
        } throws: { error in
            let error = try #require(error as? FormatError)
            return error.code == .missingField && error.message.contains("\"amount\"") && error.location == "line 1"
        }
    }

    @Test func unterminatedQuoteNamesItsLine() throws {
        #expect {
            try IntakeFixtures.read(
                yaml: profileYAML(),
                "id,date,amount,vendor,name\nA1,2026-11-03,1.00,V1,V\nA2,2026-11-03,1.00,V1,\"Open\n")
        } throws: { error in
            (error as? FormatError)?.location == "line 3" && (error as? FormatError)?.code == .malformed
        }
    }

    @Test func undecodableTextNamesTheEncoding() throws {
        let yaml = profileYAML(csv: "encoding: utf8")
        #expect {
            try IntakeFixtures.read(Data([0x69, 0x64, 0xFF, 0x0A]), with: try MappingProfileLoader.load(yaml: yaml))
        } throws: { error in
            (error as? FormatError)?.code == .unsupportedEncoding && "\(error)".contains("UTF-8")
        }
        #expect {
            try IntakeFixtures.read(
                Data([0x69, 0x64, 0x81, 0x0A]),
                with: try MappingProfileLoader.load(yaml: profileYAML(csv: "encoding: windows1252")))
        } throws: { error in
            "\(error)".contains("Windows-1252")
        }
    }
}
