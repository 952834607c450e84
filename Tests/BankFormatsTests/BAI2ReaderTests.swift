import BankFormats
import Foundation
import PayHubDomain
import Testing

/// The BAI2 files of the conformance corpus in `../shared/conformance/bai2`, found from this file whether
/// the test runs from the repository or from a package that links this file.
enum BAI2Conformance {
    static let root: URL = {
        let file = URL(fileURLWithPath: #filePath)
        for candidate in [file, file.resolvingSymlinksInPath()] {
            let repository = candidate.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/conformance")
            if FileManager.default.fileExists(atPath: shared.appendingPathComponent("bai2").path) { return shared }
        }
        return URL(fileURLWithPath: "/work/shared/conformance")
    }()

    static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
        return names.filter { $0.hasSuffix(".bai2") }.sorted().map { "\(folder)/\($0)" }
    }

    static let validFiles = files(in: "bai2")
    static let invalidFiles = files(in: "bai2/invalid")

    static func data(_ name: String) throws -> Data { try Data(contentsOf: root.appendingPathComponent(name)) }

    /// As `BankFileReader` reads it: the reader, then the balance check.
    static func read(_ name: String) throws -> StatementDocument {
        var document = try BAI2Reader.read(data(name))
        document.checkBalances()
        return document
    }

    static func read(text: String) throws -> StatementDocument {
        var document = try BAI2Reader.read(Data(text.utf8))
        document.checkBalances()
        return document
    }
}

private func decimal(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

@Suite("BAI2 reader")
struct BAI2ReaderTests {
    // MARK: - The conformance corpus

    @Test("the corpus is there")
    func corpusFound() {
        #expect(BAI2Conformance.validFiles.count >= 9, "BAI2 files under \(BAI2Conformance.root.path)")
        #expect(!BAI2Conformance.invalidFiles.isEmpty)
    }

    @Test("every conformance file parses, and adds up or says it does not", arguments: BAI2Conformance.validFiles)
    func conformanceFile(_ name: String) throws {
        let document = try BAI2Conformance.read(name)
        #expect(document.format == "bai2")
        #expect(!document.statements.isEmpty)
        for (index, statement) in document.statements.enumerated() {
            #expect(statement.account.number?.isEmpty == false)
            for entry in statement.entries {
                #expect(entry.status == .booked)
                #expect(entry.detailsCount == 1)
                #expect(entry.transactionCode?.count == 3)
            }
            guard let opening = statement.openingBalance?.amount, let closing = statement.closingBalance?.amount else {
                continue
            }
            let total = statement.entries.reduce(opening) { $0.adding($1.amount)! }
            let flagged = document.warnings.contains { $0.statement == index && $0.code == .balanceMismatch }
            #expect(total.isEqual(to: closing) != flagged, "statement \(index) of \(name)")
        }
        // The normalised JSON renders.
        #expect(document.json.rendered().hasPrefix(#"{"kind":"statement","format":"bai2""#))
    }

    @Test("an invalid file is an error naming its line", arguments: BAI2Conformance.invalidFiles)
    func invalidFile(_ name: String) throws {
        let error = #expect(throws: FormatError.self) { try BAI2Reader.read(BAI2Conformance.data(name)) }
        #expect(error?.location == "line 1")
        #expect(error?.description.contains("01") == true)
    }

    // MARK: - Spot checks on the real files

    @Test("Citi: header, balances, V funds type, references, 88 text lines")
    func citi() throws {
        let document = try BAI2Conformance.read("bai2/moj-citi_example.bai2")
        #expect(document.messageID == "00131100")
        #expect(document.createdAt == "2015-07-16T07:13:00")
        let statement = try #require(document.statements.first)
        #expect(document.statements.count == 1)
        #expect(statement.account.number == "77777777")
        #expect(statement.currency == "GBP")
        #expect(statement.openingBalance == StatementBalance(amount: decimal("100.00"), date: "2015-07-15"))
        #expect(statement.closingBalance == StatementBalance(amount: decimal("100.00"), date: "2015-07-15"))
        let entry = try #require(statement.entries.first)
        #expect(entry.amount.isEqual(to: decimal("0.01")))
        #expect(entry.transactionCode == "191")
        #expect(entry.bookingDate == "2015-07-15")
        #expect(entry.valueDate == "2015-07-15")
        #expect(entry.bankReference == "1234567890")
        #expect(entry.customerReference == "RP12312312312312")
        #expect(entry.remittance?.hasPrefix("FR:FP SIP INCOMING ENDT:20150715 TRID:RP12312312312312") == true)
        #expect(entry.remittance?.hasSuffix("BO:11111111 BO1:DOE JO") == true)
        // The trailers add up; the balances do not (100.00 + 0.01 != 100.00), and that is reported.
        #expect(document.warnings.map(\.code) == [.balanceMismatch])
    }

    @Test("NatWest: 88 continuations of 03 fields and of text wrapped at 80 characters; debits negative")
    func natWest() throws {
        let document = try BAI2Conformance.read("bai2/moj-nwb_example.bai2")
        #expect(document.createdAt == "2010-02-15T14:59:35")
        let statement = try #require(document.statements.first)
        #expect(statement.account.number == "88888888 600004")
        #expect(statement.openingBalance?.amount == decimal("365.21"))
        #expect(statement.closingBalance?.amount == decimal("338.45"))
        #expect(statement.openingBalance?.date == "2009-12-16")
        #expect(statement.entries.map(\.amount.description) == ["-9.71", "-1.00", "-1.23", "-15.71", "0.89"])
        #expect(statement.entries.map(\.transactionCode) == ["699", "699", "699", "699", "399"])
        #expect(
            statement.entries.last?.remittance
                == "TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTERNATIONAL-5373 CLIENT SECCY AC TFR")
        #expect(document.warnings.isEmpty)
    }

    @Test("SVB: two groups, one statement each; a last record without slash or newline")
    func svb() throws {
        let document = try BAI2Conformance.read("bai2/moj-svb_us_example.bai2")
        #expect(document.statements.count == 2)
        #expect(document.statements.map(\.openingBalance?.date) == ["2022-02-01", "2022-02-02"])
        #expect(document.statements[1].openingBalance?.amount == decimal("352171.75"))
        #expect(document.statements[1].closingBalance?.amount == decimal("361229.75"))
        let entry = try #require(document.statements[0].entries.first)
        #expect(entry.amount == decimal("4901.96"))
        #expect(entry.bankReference == "172629")
        #expect(entry.customerReference == nil)
        #expect(entry.remittance == "SOME PAYMENT ACH OFFSET")
        #expect(document.warnings.isEmpty, "control totals, record counts and balances all agree")
    }

    @Test("moov sample 1: CAD, 2 accounts, V value dates, signed totals, trailing blanks in text")
    func moovSample1() throws {
        let document = try BAI2Conformance.read("bai2/moov-sample1.bai2")
        #expect(document.statements.count == 2)
        #expect(document.statements.map(\.entries.count) == [11, 6])
        let first = try #require(document.statements[0].entries.first)
        #expect(first.amount == decimal("-25.00"))
        #expect(first.currency == nil && document.statements[0].currency == "CAD")
        #expect(first.bookingDate == "2006-03-17")
        #expect(first.valueDate == "2006-03-16")
        #expect(first.remittance == "RETURNED CHEQUE")
        #expect(document.statements[0].entries[3].amount == decimal("2035.00"))
        #expect(document.statements[0].openingBalance == nil, "040/045 are available balances, not 010/015")
        #expect(document.warnings.isEmpty)
    }

    @Test("moov sample 2: funds types S, V and D, 03 continued over 88 records, no currency")
    func moovSample2() throws {
        let document = try BAI2Conformance.read("bai2/moov-sample2.bai2")
        #expect(document.statements.count == 5)
        #expect(document.statements.allSatisfy { $0.currency == nil })
        #expect(document.statements.map(\.openingBalance?.amount.description) == [
            "43500.00", "-5000.00", "100000.00", "5000.00", "8000.00",
        ])
        let withS = try #require(document.statements[0].entries.first)
        #expect(withS.amount == decimal("4500.00") && withS.transactionCode == "115" && withS.remittance == nil)
        let withV = try #require(document.statements[2].entries.first)
        #expect(withV.valueDate == "2004-06-22")
        #expect(withV.bankReference == "SP4738")
        #expect(withV.customerReference == "YRC065321")
        #expect(withV.remittance == "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO")
        #expect(document.statements[1].entries.first?.remittance == "LOCK BOX NO.68751")
        #expect(document.warnings.isEmpty, "the D distributions and S amounts are not in the control totals")
    }

    @Test("moov sample 3: several records on a line, text continued on a bare line, 15 accounts")
    func moovSample3() throws {
        let document = try BAI2Conformance.read("bai2/moov-sample3.bai2")
        #expect(document.statements.count == 15)
        let first = document.statements[0]
        #expect(first.openingBalance?.amount == decimal("-35.00"))
        #expect(first.closingBalance?.amount == decimal("-36.00"))
        #expect(first.entries.map(\.amount.description) == ["25.00", "5.00", "1.00", "-25.00", "-6.00", "-1.00"])
        #expect(first.entries[1].remittance == "TRANSFER   MSPBNA BANK        PPD")
        let bare = try #require(document.statements[7].entries.first?.remittance)
        #expect(bare.hasSuffix("1111111111 111111111111111                1111111111"))
        #expect(document.warnings.isEmpty)
    }

    @Test("moov samples 4 and 5: newline-ended records, commas and slashes in fields, trailers that do not add up")
    func moovSamples4And5() throws {
        let four = try BAI2Conformance.read("bai2/moov-sample4-continuations-newline-delimited.bai2")
        #expect(four.statements.count == 5)
        let entry = try #require(four.statements[1].entries.first)
        #expect(entry.amount == decimal("-600.00"))
        #expect(entry.bankReference == "SPB2322984714570")
        #expect(entry.customerReference == "1111")
        #expect(
            entry.remittance
                == "ACH Credit Payment,Entry Description: EXP; -, SEC: CCD, Client Ref ID: 1111, GS ID: SPB2322984714570 EREF: 1111 DBNM: TEST INC CACT: ACHCONTROLOUTUSD01"
        )
        // The file's 49 trailer says 26 records and a control total the amounts do not make.
        let controls = four.warnings.filter { $0.code == .controlSumMismatch }
        #expect(controls.contains { $0.statement == 1 && $0.message.hasPrefix("line 22: account trailer (49)") })
        #expect(four.warnings.contains { $0.code == .recordCountMismatch && $0.message.contains("line 22") })

        let five = try BAI2Conformance.read("bai2/moov-sample5-issue113.bai2")
        #expect(five.statements[1].entries[2].customerReference == "AB/GS/RPFILERP0001/RPBA0001")
        let wire = try #require(five.statements[2].entries.first { $0.bankReference == "GI2323300009168" })
        #expect(wire.remittance?.contains(#"Remittance Info: "08/18/23 Invoice - Sample""#) == true)
        #expect(wire.amount == decimal("-300000.00"))
        #expect(five.warnings.contains { $0.code == .schemaDeviation && $0.message.contains("'88:'") })
        let fees = try #require(five.statements[2].entries.first { $0.transactionCode == "698" })
        #expect(fees.amount == decimal("-4634.62"))
    }

    @Test("an account trailer with its control total left blank")
    func blankTrailerAmount() throws {
        let document = try BAI2Conformance.read("bai2/moj-account_trailer_amount_blank_example.bai2")
        #expect(document.statements.map(\.account.number) == ["12345", "54321"])
        #expect(document.statements.allSatisfy { $0.entries.isEmpty })
        #expect(document.warnings.isEmpty)
        #expect(document.createdAt == "2021-01-01T01:01:00")
    }

    // MARK: - Rules, on small files

    static let header = "01,SENDER,RECEIVER,240131,1200,FILE1,,,2/\n02,RECEIVER,BANK,1,240131,,USD,2/\n"

    @Test("a control total or record count that does not match is a warning naming the record")
    func controlTotals() throws {
        let text = Self.header + """
            03,123,,010,1000,,,015,1500,,/
            16,195,500,,REF,,PAYMENT/
            49,2999,3/
            98,3000,1,6/
            99,3000,1,8/
            """
        let document = try BAI2Conformance.read(text: text)
        #expect(document.statements[0].entries[0].amount == decimal("5.00"))
        let warnings = document.warnings.map { "\($0.code.rawValue) \($0.message)" }
        #expect(
            warnings == [
                "control_sum_mismatch line 5: account trailer (49) control total 2999 != 3000, the sum of the amounts read",
                "record_count_mismatch line 6: group trailer (98) record count 6 != 5 counted",
                "record_count_mismatch line 7: file trailer (99) record count 8 != 7 counted",
            ])
        #expect(document.warnings[0].statement == 0)
    }

    @Test("implied decimals follow the currency: JPY none, KWD three, unknown two")
    func impliedDecimals() throws {
        let text = """
            01,S,R,240131,1200,F,,,2/
            02,R,B,1,240131,,JPY,2/
            03,1,,010,1000,,,015,1500,,/
            16,195,500,,,,/
            49,3000,3/
            03,2,KWD,010,1000,,,015,1500,,/
            16,195,500,,,,/
            49,3000,3/
            03,3,XXQ,010,1000,,/
            49,1000,2/
            98,7000,3,10/
            99,7000,1,12/
            """
        let document = try BAI2Conformance.read(text: text)
        #expect(document.statements.map(\.currency) == ["JPY", "KWD", "XXQ"])
        #expect(document.statements[0].closingBalance?.amount.description == "1500")
        #expect(document.statements[1].entries[0].amount.description == "0.500")
        #expect(document.statements[2].openingBalance?.amount.description == "10.00")
        #expect(document.warnings.isEmpty)
        let json = document.json.rendered()
        #expect(json.contains(#""amount":"1000","date":"2024-01-31""#))
        #expect(json.contains(#""amount":"1.000""#))
    }

    @Test("signs by type code: credits, debits, loan and custom ranges, and codes that say neither")
    func signs() throws {
        let text = Self.header + """
            03,1,,010,0,,/
            16,108,100,,,,/
            16,475,100,,,,/
            16,722,100,,,,/
            16,760,100,,,,/
            16,925,100,,,,/
            16,965,100,,,,/
            16,890,0,,,,INFO ONLY/
            16,701,100,,,,/
            49,700,10/
            98,700,1,12/
            99,700,1,14/
            """
        let document = try BAI2Conformance.read(text: text)
        #expect(
            document.statements[0].entries.map(\.amount.description) == [
                "1.00", "-1.00", "1.00", "-1.00", "1.00", "-1.00", "0.00", "1.00",
            ])
        #expect(document.statements[0].entries[6].remittance == "INFO ONLY")
        #expect(document.warnings.map(\.code) == [.schemaDeviation], "only 701 with an amount: 890 is zero")
        #expect(document.warnings.first?.message.hasPrefix("line 11: type code 701") == true)
    }

    @Test("funds types: D distributions and V value date in a detail, text with commas and slashes")
    func fundsTypes() throws {
        let text = Self.header + """
            03,1,USD,010,10000,,,015,9000,,/
            16,495,1000,D,2,0,600,1,400,BANKREF,CUSTREF,WIRE TO A/B, INVOICE 1/2/
            16,195,,V,20240201,0930,,,/
            49,20000,4/
            98,20000,1,6/
            99,20000,1,8/
            """
        let document = try BAI2Conformance.read(text: text)
        let entries = document.statements[0].entries
        #expect(entries[0].amount == decimal("-10.00"))
        #expect(entries[0].bankReference == "BANKREF")
        #expect(entries[0].customerReference == "CUSTREF")
        #expect(entries[0].remittance == "WIRE TO A/B, INVOICE 1/2")
        #expect(entries[1].amount.isZero)
        #expect(entries[1].valueDate == "2024-02-01", "the YYYYMMDD some banks write")
        #expect(document.warnings.isEmpty)
    }

    @Test("file creation times: HHMM, HH:MM:SS, 2400 as the next day's midnight")
    func creationTimes() throws {
        func created(_ date: String, _ time: String) throws -> String? {
            try BAI2Reader.read(Data("01,S,R,\(date),\(time),F,,,2/\n99,0,0,2/\n".utf8)).createdAt
        }
        #expect(try created("240131", "0915") == "2024-01-31T09:15:00")
        #expect(try created("240131", "09:15:30") == "2024-01-31T09:15:30")
        #expect(try created("240131", "2400") == "2024-02-01T00:00:00")
        #expect(try created("231231", "2400") == "2024-01-01T00:00:00")
        #expect(try created("240229", "") == "2024-02-29")
    }

    @Test("a file cut short parses with warnings about the missing trailers")
    func missingTrailers() throws {
        let document = try BAI2Conformance.read(text: Self.header + "03,1,,010,100,,/\n16,195,100,,,,/\n")
        #expect(document.statements[0].entries.count == 1)
        #expect(document.warnings.filter { $0.code == .recordCountMismatch }.count == 3)
    }

    @Test(
        "unreadable input is an error naming the line",
        arguments: [
            ("01,S,R,240131,1200,F,,,2/\n02,R,B,1,240131,,USD,2/\n03,1,,010,12X4,,/\n", "line 3"),
            ("01,S,R,240131,1200,F,,,2/\n02,R,B,1,240231,,USD,2/\n", "line 2"),
            ("01,S,R,240131,1200,F,,,2/\n02,R,B,1,240131,,USD,2/\n16,195,100,,,,/\n", "line 3"),
            ("01,S,R,240131,1200,F,,,2/\n02,R,B,1,240131,,USD,2/\n03,1,,010,100,,/\n16,195,100,Q,,,/\n", "line 4"),
            ("88,MORE/\n01,S,R,240131,1200,F,,,2/\n", "line 1"),
            ("01,S,R,240131,1200,F,,,2/\nHELLO\n", "line 2"),
            ("01,S,R,240131,1200,F,,,2/\n99,0,0,2/\n02,R,B,1,240131,,USD,2/\n", "line 3"),
            ("\n\n16,195,100,,,,/\n", "line 3"),
            ("", "line 1"),
        ])
    func unreadable(_ text: String, _ location: String) {
        let error = #expect(throws: FormatError.self) { try BAI2Reader.read(Data(text.utf8)) }
        #expect(error?.location == location, "\(error?.description ?? "")")
    }

    // MARK: - Robustness

    @Test("random truncations, byte flips, insertions and deletions never trap", arguments: BAI2Conformance.validFiles)
    func mutations(_ name: String) throws {
        let original = [UInt8](try BAI2Conformance.data(name))
        var random = SplitMix64(seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        let alphabet = Array("0123456789,/+-VSDZ\n 88".utf8)
        for round in 0..<400 {
            var bytes = original
            switch round % 4 {
            case 0:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            case 1:
                for _ in 0..<Int.random(in: 1...8, using: &random) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            case 2:
                for _ in 0..<Int.random(in: 1...8, using: &random) {
                    bytes.insert(
                        alphabet.randomElement(using: &random)!, at: Int.random(in: 0...bytes.count, using: &random))
                }
            default:
                for _ in 0..<Int.random(in: 1...8, using: &random) where !bytes.isEmpty {
                    bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
                }
            }
            do {
                var document = try BAI2Reader.read(Data(bytes))
                document.checkBalances()
                _ = document.json.rendered()
            } catch {
                #expect(error.location?.hasPrefix("line ") == true, "\(error)")
            }
        }
    }
}
