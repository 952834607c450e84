import BankFormats
import Foundation
import PayHubDomain
import Testing

#if canImport(ProfileLoading)
    import ProfileLoading
#else
    import PayHubServices
#endif

@Suite("ERP file encodings")
struct ERPEncodingTests {
    /// The generic CSV's header, every canonical field.
    private static let header =
        "external_id,invoice_number,invoice_date,due_date,amount,currency,remittance,entity,vendor.external_id,"
        + "vendor.name,vendor.country,vendor.tax_id,vendor.iban,vendor.account_number,vendor.bic,vendor.routing_number,"
        + "vendor.cnaps_code,vendor.bank_name,vendor.account_holder,vendor.account_currency"
    private static let row = "W1,R-1,2026-11-03,,99.95,EUR,„Büro“ – 10 € … Œuvre ™,,V1,Müller Bürotechnik,DE,,,,,,,,,"

    private static func genericProfile(encoding: String) throws -> MappingProfile {
        var profile = try IntakeFixtures.profile("generic-csv")
        profile.csv?.encoding = try #require(MappingProfile.CSVOptions.Encoding(rawValue: encoding))
        return profile
    }

    private static func expectTheRow(_ records: [ERPRecord]) throws {
        let payable = try #require(records.payables.first)
        #expect(records.count == 1)
        #expect(payable.vendor.name == "Müller Bürotechnik")
        #expect(payable.remittance == "„Büro“ – 10 € … Œuvre ™")
        #expect(payable.amount == (try money("99.95", "EUR")))
        #expect(records[0].source.raw == row)
    }

    @Test func windows1252() throws {
        let text = Self.header + "\r\n" + Self.row + "\r\n"
        let bytes = try #require(text.data(using: .windowsCP1252))
        // 0x80 is the euro sign in Windows-1252 (a control character in ISO 8859-1).
        #expect(bytes.contains(0x80))
        try Self.expectTheRow(IntakeFixtures.read(bytes, with: try Self.genericProfile(encoding: "windows1252")))
    }

    @Test(arguments: [UInt8(0x81), 0x8D, 0x8F, 0x90, 0x9D])
    func windows1252UnassignedBytesFailTheFile(byte: UInt8) throws {
        var bytes = Data((Self.header + "\n").utf8)
        bytes.append(
            contentsOf: Array("W1,R-1,2026-11-03,,1.00,EUR,x".utf8) + [byte] + Array(",,V1,V,DE,,,,,,,,,\n".utf8))
        #expect(throws: FormatError.self) {
            try IntakeFixtures.read(bytes, with: try Self.genericProfile(encoding: "windows1252"))
        }
    }

    @Test func utf16LittleEndianWithBOM() throws {
        let text = Self.header + "\r\n" + Self.row + "\r\n"
        var bytes = Data([0xFF, 0xFE])
        for unit in text.utf16 { bytes.append(contentsOf: [UInt8(unit & 0xFF), UInt8(unit >> 8)]) }
        try Self.expectTheRow(IntakeFixtures.read(bytes, with: try Self.genericProfile(encoding: "utf16")))
        try Self.expectTheRow(IntakeFixtures.read(bytes, with: try Self.genericProfile(encoding: "automatic")))
    }

    @Test func utf8WithBOMKeepsTheFirstHeaderUsable() throws {
        let bytes = Data([0xEF, 0xBB, 0xBF] + Array((Self.header + "\n" + Self.row + "\n").utf8))
        try Self.expectTheRow(IntakeFixtures.read(bytes, with: try Self.genericProfile(encoding: "utf8")))
        // The yonyou sample is written by U8 with a BOM before 单据号, its first header.
        let yonyou = try IntakeFixtures.sample("yonyou.csv")
        #expect(yonyou.starts(with: [0xEF, 0xBB, 0xBF]))
    }

    @Test func gb18030() throws {
        let text = Self.header + "\n" + "G1,R-1,2026-11-03,,88.00,CNY,货款,,V1,深圳市华强电子元件有限公司,CN,,,,,,,,,\n"
        let encoding = String.Encoding(rawValue: 0x8000_0632)
        let bytes = try #require(text.data(using: encoding))
        #expect(bytes != Data(text.utf8))
        for name in ["gb18030", "automatic"] {
            let records = try IntakeFixtures.read(bytes, with: try Self.genericProfile(encoding: name))
            #expect(records.payables.first?.vendor.name == "深圳市华强电子元件有限公司")
            #expect(records.payables.first?.remittance == "货款")
        }
        // The shipped Kingdee sample is GB18030 bytes, not UTF-8.
        #expect(String(data: try IntakeFixtures.sample("kingdee.csv"), encoding: .utf8) == nil)
    }
}

@Suite("Mapping profile validation")
struct MappingProfileValidationTests {
    private static let base = """
        name: t
        source: s
        defaults: {currency: EUR}
        fields:
          external_id: id
          invoice_number: id
          invoice_date: date
          amount: amount
          vendor.external_id: vendor
          vendor.name: name

        """

    private static func loadError(_ yaml: String) -> MappingProfileLoader.LoadError? {
        do {
            _ = try MappingProfileLoader.load(yaml: yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownTransformNamesItsKeyPath() throws {
        let error = try #require(
            Self.loadError(
                Self.base.replacingOccurrences(
                    of: "amount: amount", with: "amount: {column: amount, transforms: [trim, rounnd]}")))
        #expect(error.keyPath == "fields.amount.transforms[1]")
        #expect(error.message.contains("unknown transform \"rounnd\""))
        #expect(error.description.hasPrefix("fields.amount.transforms[1]: unknown transform \"rounnd\""))
    }

    @Test(arguments: [
        ("  vendor.nmae: name\n", "fields.vendor.nmae", "not a canonical field"),
        (
            "  vendor.country: {column: c, transforms: [{lookup: countries}]}\n", "fields.vendor.country.transforms[0]",
            "lookup table \"countries\" is not defined"
        ),
        (
            "  due_date: {column: d, transforms: [{date: dd.mm.yyyy}]}\n", "fields.due_date.transforms[0]",
            "bad date pattern"
        ),
        (
            "  due_date: {column: d, transforms: [{date: yyyy-MM}]}\n", "fields.due_date.transforms[0]",
            "one year, one month and one day"
        ),
        ("  remittance: {template: \"{Beleg-{Jahr}\"}\n", "fields.remittance", "template"),
        (
            "  remittance: {column: a, constant: b}\n", "fields.remittance",
            "exactly one of column, constant or template"
        ),
        ("  remittance: {column: 0}\n", "fields.remittance", "start at 1"),
        ("csv: {decimal_separator: \",\", thousands_separator: \",\"}\n", "csv.thousands_separator", "differ"),
        ("csv: {delimiter: \"#\"}\n", "csv.delimiter", "\"#\" is not one of \",\", \";\""),
        ("sign: upside_down\n", "sign", "unknown sign convention"),
        ("defaults: {currency: EURO}\n", "defaults.currency", "ISO 4217"),
        ("records: payments\n", "records", "\"payments\" is not one of \"payables\", \"vendors\""),
    ])
    func invalidProfiles(addition: String, keyPath: String, message: String) throws {
        // A key may appear once in YAML, so `defaults` is replaced rather than added.
        var yaml = Self.base
        if addition.hasPrefix("defaults:") {
            yaml = yaml.replacingOccurrences(of: "defaults: {currency: EUR}\n", with: addition)
        } else {
            yaml += addition
        }
        let error = try #require(Self.loadError(yaml), "\(addition)")
        #expect(error.keyPath == keyPath, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func requiredFieldsAndCurrency() throws {
        let noAmount = try #require(Self.loadError(Self.base.replacingOccurrences(of: "  amount: amount\n", with: "")))
        #expect(noAmount.keyPath == "fields")
        #expect(noAmount.message.contains("amount is required"))
        let noCurrency = try #require(
            Self.loadError(Self.base.replacingOccurrences(of: "defaults: {currency: EUR}\n", with: "")))
        #expect(noCurrency.message.contains("currency"))
        let missingName = try #require(Self.loadError("source: s\nfields: {}\n"))
        #expect(missingName.keyPath == "name")
    }

    @Test func vendorProfilesMapOnlyVendorFields() throws {
        let vendors = """
            name: sap-vendors
            source: sap-prod
            records: vendors
            csv: {delimiter: ";"}
            defaults: {country: DE}
            fields:
              vendor.external_id: Kreditor
              vendor.name: Name 1
              vendor.iban: IBAN
            """
        let profile = try MappingProfileLoader.load(yaml: vendors)
        var records: [ERPRecord] = []
        try ERPFileReader(profile: profile).read(
            Data("Kreditor;Name 1;IBAN\n100234;Schwarzwald GmbH;DE89 3704 0044 0532 0130 00\n;Ohne Nummer;\n".utf8)
        ) {
            records.append($0)
        }
        #expect(
            records.vendors == [
                ERPVendorRecord(
                    externalID: "100234", name: "Schwarzwald GmbH", country: "DE",
                    bankAccount: ERPBankAccountRecord(iban: "DE89370400440532013000"))
            ])
        #expect(records.rejection(line: 3)?.summary == ["Kreditor missing_field"])

        let error = try #require(Self.loadError(vendors + "\n  amount: Betrag\n"))
        #expect(error.keyPath == "fields.amount")
    }

    @Test func directoryRequiresFileNameToMatchProfileName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.base.replacingOccurrences(of: "name: t", with: "name: other").write(
            to: folder.appendingPathComponent("mine.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try MappingProfileLoader.load(directory: folder)
        } throws: { error in
            let error = try #require(error as? MappingProfileLoader.LoadError)
            return error.file == "mine.yaml" && error.keyPath == "name"
        }
    }

    @Test func pain001ProfilesMapNoFields() throws {
        let error = try #require(Self.loadError("name: p\nsource: s\nformat: pain001\nfields: {amount: x}\n"))
        #expect(error.keyPath == "fields")
    }

    @Test func profilesRoundTripThroughCodable() throws {
        for name in ["sap-f110", "kingdee", "yonyou"] {
            let profile = try IntakeFixtures.profile(name)
            let json = try JSONEncoder().encode(profile)
            #expect(try JSONDecoder().decode(MappingProfile.self, from: json) == profile)
        }
    }
}
