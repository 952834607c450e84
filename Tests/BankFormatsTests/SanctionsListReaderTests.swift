import BankFormats
import Foundation
import PayHubDomain
import Testing

/// The synthetic lists in `samples/sanctions`, found from this file whether the test runs from the
/// repository or from a scratch package that links this folder in.
enum SanctionsSamples {
    static let folder: URL = {
        let file = URL(fileURLWithPath: #filePath)
        let roots = [file.resolvingSymlinksInPath(), file].map {
            $0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        let repository =
            roots.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("samples/sanctions").path) }
            ?? roots[0]
        return repository.appendingPathComponent("samples/sanctions")
    }()

    static func data(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    static func ofac(version: String? = nil) throws -> SanctionsList {
        try OFACSDNReader.read(
            sdn: data("SDN.CSV"), alternateNames: data("ALT.CSV"), addresses: data("ADD.CSV"), version: version)
    }

    static func eu() throws -> SanctionsList { try EUConsolidatedListReader.read(data("eu-consolidated.xml")) }
}

extension SanctionsList {
    func entry(_ id: String) throws -> SanctionsListEntry { try #require(entries.first { $0.id == id }, "entry \(id)") }
}

@Suite("OFAC SDN CSV reader")
struct OFACSDNReaderTests {
    @Test("the sample list: every entry, of every type, in file order")
    func entries() throws {
        let list = try SanctionsSamples.ofac()
        #expect(list.source == .ofacSDN)
        #expect(list.entries.count == 32)
        #expect(list.entries.first?.id == "10001")
        #expect(list.entries.last?.id == "10032")
        let types = Dictionary(grouping: list.entries, by: \.entityType).mapValues(\.count)
        #expect(types == [.individual: 13, .organisation: 17, .vessel: 1, .unknown: 1])
        #expect(list.entries.reduce(0) { $0 + $1.aliases.count } == 20)
    }

    @Test("an individual: LAST, First kept as written, its aliases from ALT.CSV and its country from ADD.CSV")
    func individual() throws {
        let entry = try SanctionsSamples.ofac().entry("10003")
        #expect(entry.primaryName == "PETROV, Aleksandr Ivanovich")
        #expect(entry.aliases == ["PETROV, Alexander", "PETROFF, Aleksandr"])
        #expect(entry.entityType == .individual)
        #expect(entry.programmes == ["RUSSIA-EO14024"])
        #expect(entry.countries == ["RU"])
        #expect(entry.reference == nil)
    }

    @Test("quoted commas stay in the value; `-0- ` is no value; programmes are split")
    func quotingAndEmptyValues() throws {
        let list = try SanctionsSamples.ofac()
        let acme = try list.entry("10005")
        #expect(acme.primaryName == "ACME TRADING CO., LTD.")
        #expect(acme.entityType == .organisation)  // SDN_Type `-0- `
        #expect(acme.programmes == ["NPWMD", "IFSR"])
        #expect(acme.countries == ["HK"])  // the address `"Room 1201, Tower A, 88 Example Road"` has a comma too
        #expect(try list.entry("10029").primaryName == "TIERRA ROJA AGRICOLA, S.A. DE C.V.")
        // ADD.CSV's row for 10024 has `-0- ` for its country: no country at all.
        #expect(try list.entry("10024").countries == [])
        #expect(try list.entry("10024").entityType == .unknown)  // an aircraft
        #expect(try list.entry("10012").aliases == ["CHOSON SUNRISE TRADING CORPORATION"])
    }

    @Test("countries: OFAC names as alpha-2 codes, a vessel's flag too, unknown names kept as written")
    func countries() throws {
        let list = try SanctionsSamples.ofac()
        #expect(try list.entry("10002").countries == ["RU", "LV"])
        #expect(try list.entry("10011").countries == ["KP"])
        #expect(try list.entry("10012").countries == ["KP", "CN"])
        #expect(try list.entry("10014").countries == ["AE"])
        #expect(try list.entry("10022").countries == ["BA"])
        #expect(try list.entry("10006").countries == ["PA"])
        #expect(try list.entry("10006").entityType == .vessel)
        #expect(try list.entry("10025").countries == ["Region: Crimea"])
    }

    @Test("UTF-8 names keep their letters; a file that is not UTF-8 is read as ISO 8859-1")
    func encodings() throws {
        #expect(try SanctionsSamples.ofac().entry("10031").primaryName == "MÜLLER INDUSTRIEANLAGEN GMBH")
        var latin1 = Data("1,\"M".utf8)
        latin1.append(0xDC)
        latin1.append(contentsOf: Array("LLER GMBH\",-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n".utf8))
        #expect(try OFACSDNReader.read(sdn: latin1, version: "v").entries.first?.primaryName == "MÜLLER GMBH")
    }

    @Test("without ALT.CSV and ADD.CSV the entries have no aliases and only vessel flags as countries")
    func sdnOnly() throws {
        let list = try OFACSDNReader.read(sdn: SanctionsSamples.data("SDN.CSV"))
        #expect(list.entries.count == 32)
        #expect(list.entries.allSatisfy { $0.aliases.isEmpty })
        #expect(list.entries.filter { !$0.countries.isEmpty }.map(\.id) == ["10006"])
    }

    @Test("the version is the caller's, or else a fingerprint of all three files' bytes")
    func version() throws {
        #expect(try SanctionsSamples.ofac(version: "2026-03-02").version == "2026-03-02")
        let fingerprint = try SanctionsSamples.ofac().version
        #expect(fingerprint.hasPrefix("fnv1a64:"))
        #expect(fingerprint.count == "fnv1a64:".count + 16)
        #expect(try SanctionsSamples.ofac().version == fingerprint)
        var changed = try SanctionsSamples.data("ADD.CSV")
        changed[changed.startIndex] = UInt8(ascii: "1")  // "10001" is "10001" still: the byte is the same
        #expect(
            try OFACSDNReader.read(
                sdn: SanctionsSamples.data("SDN.CSV"), alternateNames: SanctionsSamples.data("ALT.CSV"),
                addresses: changed
            ).version == fingerprint)
        let withoutAddresses = try OFACSDNReader.read(
            sdn: SanctionsSamples.data("SDN.CSV"), alternateNames: SanctionsSamples.data("ALT.CSV"))
        #expect(withoutAddresses.version != fingerprint)
        let other = try OFACSDNReader.read(
            sdn: SanctionsSamples.data("SDN.CSV"), alternateNames: SanctionsSamples.data("ALT.CSV"),
            addresses: SanctionsSamples.data("ADD.CSV").dropLast(3))
        #expect(other.version != fingerprint)
    }

    @Test("FNV-1a 64 is the published function")
    func fnv() {
        // Test vectors of the FNV reference (Fowler, Noll, Vo): FNV-1a 64 of "" and of "a".
        var empty = Data()
        #expect(Self.fnv1a64(empty) == 0xcbf2_9ce4_8422_2325)
        empty.append(UInt8(ascii: "a"))
        #expect(Self.fnv1a64(empty) == 0xaf63_dc4c_8601_ec8c)
        // The fingerprint of one file is the function over a presence byte, the length and the bytes.
        var framed = Data([1])
        framed.append(contentsOf: [1, 0, 0, 0, 0, 0, 0, 0])
        framed.append(UInt8(ascii: "a"))
        #expect(SanctionsListFingerprint.of(Data("a".utf8)) == "fnv1a64:" + Self.hex(Self.fnv1a64(framed)))
    }

    /// An independent FNV-1a 64, written from the specification.
    static func fnv1a64(_ data: Data) -> UInt64 {
        data.reduce(14_695_981_039_346_656_037 as UInt64) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    // MARK: - Malformed files

    static let row = "-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"

    @Test(
        "malformed files are refused with the file, the line and a code, never with a name",
        arguments: [
            (
                "10,\"ZORRO SECRETO\"," + row + "11,\"ZORRO SECRETO\",-0- ,\"SDGT\"\r\n", nil, "SDN.CSV line 2",
                FormatError.Code.malformed
            ),
            ("10,\"ZORRO SECRETO\"," + row + "11,\"ZORRO SECRETO," + row, nil, "SDN.CSV line 2", .malformed),
            ("x10,\"ZORRO SECRETO\"," + row, nil, "SDN.CSV line 1", .invalidValue),
            ("10,\"ZORRO SECRETO\"," + row + "10,\"ZORRO SECRETO\"," + row, nil, "SDN.CSV line 2", .invalidValue),
            ("10,-0- ," + row, nil, "SDN.CSV line 1", .missingField),
            ("\u{1A}\r\n", nil, "SDN.CSV line 1", .missingField),
            (
                "10,\"ZORRO SECRETO\"," + row,
                "10,1,\"a.k.a.\",\"ZORRO SECRETO\",-0- \r\n11,2,\"a.k.a.\",\"ZORRO\",-0- \r\n", "ALT.CSV line 2",
                .invalidValue
            ),
            ("10,\"ZORRO SECRETO\"," + row, "10,1,\"a.k.a.\",-0- ,-0- \r\n", "ALT.CSV line 1", .missingField),
            ("10,\"ZORRO SECRETO\"," + row, "\r\n10,1,\"a.k.a.\",\"ZORRO SECRETO\"\r\n", "ALT.CSV line 2", .malformed),
        ] as [(String, String?, String, FormatError.Code)])
    func malformed(sdn: String, alternateNames: String?, location: String, code: FormatError.Code) {
        do {
            _ = try OFACSDNReader.read(sdn: Data(sdn.utf8), alternateNames: alternateNames.map { Data($0.utf8) })
            Issue.record("read a malformed file")
        } catch {
            #expect(error.location == location)
            #expect(error.code == code)
            #expect(!error.description.contains("ZORRO"), "\(error.description)")
        }
    }

    @Test("an address of an entry SDN.CSV does not list is refused with its line")
    func orphanAddress() {
        #expect {
            try OFACSDNReader.read(
                sdn: Data(("10,\"ZORRO SECRETO\"," + Self.row).utf8),
                addresses: Data("10,1,-0- ,\"Havana\",\"Cuba\",-0- \r\n12,2,-0- ,-0- ,\"Cuba\",-0- \r\n".utf8))
        } throws: { error in
            (error as? FormatError)?.location == "ADD.CSV line 2" && (error as? FormatError)?.code == .invalidValue
        }
    }
}

@Suite("EU consolidated list reader")
struct EUConsolidatedListReaderTests {
    @Test("the sample list: every entity, its generationDate as the version")
    func entries() throws {
        let list = try SanctionsSamples.eu()
        #expect(list.source == .euConsolidated)
        #expect(list.version == "2026-03-02T17:45:12.512+01:00")
        #expect(list.entries.count == 22)
        let types = Dictionary(grouping: list.entries, by: \.entityType).mapValues(\.count)
        #expect(types == [.individual: 11, .organisation: 11])
    }

    @Test("a person: logicalId, reference, every nameAlias in order, citizenship and address countries")
    func person() throws {
        let entry = try SanctionsSamples.eu().entry("1001")
        #expect(entry.reference == "EU.1001.11")
        #expect(entry.primaryName == "Aleksandr Ivanovich Petrov")
        #expect(entry.aliases == ["Александр Иванович Петров", "Alexander Petrov"])
        #expect(entry.entityType == .individual)
        #expect(entry.programmes == ["UKR"])
        #expect(entry.countries == ["RU"])
    }

    @Test("names, entities and countries as the file writes them")
    func details() throws {
        let list = try SanctionsSamples.eu()
        // The EU's `00` (unknown) is left out.
        #expect(try list.entry("1003").countries == ["DE"])
        #expect(try list.entry("1021").countries == [])
        // A nameAlias without wholeName is named by its parts.
        #expect(try list.entry("1007").primaryName == "Chol Su Kim")
        #expect(try list.entry("1010").primaryName == "Société Générale d'Import-Export Dupont & Fils S.A.R.L.")
        #expect(try list.entry("1005").primaryName == "深圳光明未来电子有限公司")
        #expect(try list.entry("1005").aliases == ["Shenzhen Bright Future Electronics Co., Ltd."])
        #expect(try list.entry("1012").programmes == ["RUS", "UKR"])
        #expect(try list.entry("1008").countries == ["KP", "CN"])
        #expect(try list.entry("1014").countries == ["DK", "PA"])
    }

    static func document(_ entities: String, root: String = "export generationDate=\"2026-01-01\"") -> Data {
        Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(root)>\n\(entities)</export>\n".utf8)
    }

    static let entity = """
          <sanctionEntity logicalId="1"><subjectType code="person"/><nameAlias wholeName="Zorro Secreto"/></sanctionEntity>

        """

    @Test("without generationDate the caller's version is used, else a fingerprint")
    func version() throws {
        let data = Self.document(Self.entity, root: "export xmlns=\"http://eu.europa.ec/fpi/fsd/export\"")
        #expect(try EUConsolidatedListReader.read(data, version: "caller").version == "caller")
        #expect(try EUConsolidatedListReader.read(data).version == SanctionsListFingerprint.of(data))
        #expect(
            try EUConsolidatedListReader.read(Self.document(Self.entity), version: "caller").version == "2026-01-01")
    }

    @Test(
        "malformed lists are refused with the element's path and line and a code, never with a name",
        arguments: [
            (
                Self.entity + "  <sanctionEntity><nameAlias wholeName=\"Zorro Secreto\"/></sanctionEntity>\n",
                "export/sanctionEntity[2]", "line 4", FormatError.Code.missingField
            ),
            (
                Self.entity
                    + "  <sanctionEntity logicalId=\"2\">\n    <nameAlias wholeName=\"Zorro Secreto\"/>\n    <nameAlias wholeName=\"\" firstName=\" \"/>\n  </sanctionEntity>\n",
                "export/sanctionEntity[2]/nameAlias[2]", "line 6", .missingField
            ),
            (
                Self.entity + "  <sanctionEntity logicalId=\"3\"><subjectType code=\"person\"/></sanctionEntity>\n",
                "export/sanctionEntity[2]", "line 4", .missingField
            ),
            (Self.entity + Self.entity, "export/sanctionEntity[2]", "line 4", .invalidValue),
            ("", "export", nil, .missingField),
            (
                Self.entity
                    + "  <sanctionEntity logicalId=\"4\"><nameAlias wholeName=\"Zorro Secreto\"></sanctionEntity>\n",
                "line 4", nil, .malformed
            ),
        ] as [(String, String, String?, FormatError.Code)])
    func malformed(entities: String, location: String, line: String?, code: FormatError.Code) {
        do {
            _ = try EUConsolidatedListReader.read(Self.document(entities))
            Issue.record("read a malformed list")
        } catch {
            #expect(error.location == location)
            if let line { #expect(error.message.contains("(\(line))"), "\(error.message)") }
            #expect(error.code == code)
            #expect(!error.description.contains("Zorro"), "\(error.description)")
        }
    }

    @Test("a document that is not the EU list is refused")
    func otherRoot() {
        let data = Data("<?xml version=\"1.0\"?><Document><BkToCstmrStmt/></Document>".utf8)
        #expect(throws: FormatError.self) { try EUConsolidatedListReader.read(data) }
        #expect((try? EUConsolidatedListReader.read(data)) == nil)
        do {
            _ = try EUConsolidatedListReader.read(data)
        } catch {
            #expect(error.code == .unknownFormat)
        }
    }
}

@Suite("Screening against the sample lists")
struct SanctionsSampleScreeningTests {
    @Test(
        "vendors resembling listed names are potential matches of the right entry",
        arguments: [
            ("Jon Smyth", "GB", "10004", "SMYTH, Jon"),
            ("Acme Trading LLC", "HK", "10005", "ACME TRADING CO., LTD."),
            ("Alexander Petrov", "RU", "10003", "PETROV, Alexander"),
            ("Hans Jürgen Müller", "DE", "10007", "MULLER, Hans Jurgen"),
            ("Baltic Horizon Trading Ltd", "LV", "10002", "BALTIC HORIZON TRADING, LLC"),
            ("Northern Star Metals Limited", "RU", "10009", "NORTHERN STAR METALS OOO"),
            ("Golden Crescent Money Exchange Co.", "AF", "10021", "GOLDEN CRESCENT MONEY EXCHANGE"),
            ("José Pedro Ramírez", "VE", "10032", "RAMÍREZ, José Pedro"),
        ])
    func ofacHits(vendor: String, country: String, entryID: String, matchedName: String) throws {
        let screener = SanctionsScreener(list: try SanctionsSamples.ofac(version: "2026-03-02"), options: try .init())
        let decision = screener.screen(name: vendor, countryCode: country)
        #expect(decision.outcome == .potentialMatch)
        #expect(decision.listVersion == "2026-03-02")
        let hit = try #require(decision.hits.first)
        #expect(hit.entryID == entryID, "\(vendor)")
        #expect(hit.matchedName == matchedName, "\(vendor)")
        #expect(hit.countryMatched, "\(vendor)")
    }

    @Test(
        "vendors in Cyrillic, Chinese or with diacritics match the EU list's other scripts and spellings",
        arguments: [
            ("Александр Петров", "1001"),
            ("ООО «Северная Звезда Металлы»", "1002"),
            ("Hans-Juergen Mueller", "1003"),
            ("深圳光明未来电子股份有限公司", "1005"),
            ("Harbin Polar Machinery Group Company Limited", "1020"),
            ("Lukasz Wisniewski", "1015"),
            ("Ostfjord Shipping AS", "1014"),
            ("Dupont et Fils Société Générale d'Import Export", "1010"),
        ])
    func euHits(vendor: String, entryID: String) throws {
        let screener = SanctionsScreener(list: try SanctionsSamples.eu(), options: try .init())
        let decision = screener.screen(name: vendor, countryCode: nil)
        #expect(decision.hits.first?.entryID == entryID, "\(vendor): \(decision.hits)")
        #expect(decision.listVersion == "2026-03-02T17:45:12.512+01:00")
    }

    @Test(
        "ordinary vendors are clear against both lists",
        arguments: [
            "Northwind Office Supplies GmbH", "Müller Bäckerei", "Smith & Partners Accountants LLP",
            "Shenzhen Hardware Co., Ltd.",
            "Garcia Consulting S.L.", "Blue Ocean Logistics", "Ivanov Software OOO", "华为技术有限公司",
        ])
    func clear(vendor: String) throws {
        for list in [try SanctionsSamples.ofac(), try SanctionsSamples.eu()] {
            let decision = SanctionsScreener(list: list, options: try .init()).screen(name: vendor, countryCode: "DE")
            #expect(decision.outcome == .clear, "\(vendor) against \(list.source): \(decision.hits)")
        }
    }
}
