import BankFormats
import Foundation
import PayHubDomain
import Testing

/// The real MT940/MT942 files of `../shared/conformance/mt940` (there is no `expected/` oracle for
/// MT940 there; the values checked below were read off the files by hand).
enum MT940Corpus {
    static let directory: URL = {
        // Tests/BankFormatsTests/this file → the repository → ../shared/conformance/mt940.
        let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let relative = repository.deletingLastPathComponent().appendingPathComponent("shared/conformance/mt940")
        if FileManager.default.fileExists(atPath: relative.path) { return relative }
        return URL(fileURLWithPath: "/work/shared/conformance/mt940")
    }()

    /// File names in `directory` (or one of its folders), sorted.
    static func files(in folder: String? = nil) -> [String] {
        let url = folder.map { directory.appendingPathComponent($0) } ?? directory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(
                atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return exists && !isDirectory.boolValue && !name.hasPrefix(".")
        }.map { name in folder.map { "\($0)/\(name)" } ?? name }.sorted()
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func read(_ name: String) throws -> StatementDocument {
        var document = try MT940Reader.read(data(name))
        document.checkBalances()
        return document
    }
}

/// What a file gave: format, statements, entries, and warnings by code.
struct MT940Outcome: Sendable, Equatable, CustomStringConvertible {
    let format: String
    let statements: Int
    let entries: Int
    let warnings: [String: Int]

    init(_ format: String, statements: Int, entries: Int, warnings: [String: Int]) {
        self.format = format
        self.statements = statements
        self.entries = entries
        self.warnings = warnings
    }

    init(_ document: StatementDocument) {
        format = document.format
        statements = document.statements.count
        entries = document.statements.reduce(0) { $0 + $1.entries.count }
        warnings = document.warnings.reduce(into: [:]) { $0[$1.code.rawValue, default: 0] += 1 }
    }

    var description: String { "\(format) statements \(statements) entries \(entries) warnings \(warnings)" }
}

@Suite("MT940 / MT942 reader")
struct MT940ReaderTests {
    /// Every file of the corpus that parses, and what it gives. `balance_mismatch` marks the files
    /// whose own balances do not add up (checked by hand: the sample files of jejik/mt940, the
    /// betterplace snippets and the Raiffeisen extract are cut from longer statements);
    /// `schema_deviation` marks snippets without `:20:`/`:25:`/balances, a statement cut short (SNS),
    /// closing balances without a currency (HBCI) and text outside any field; `lenient_date` is the
    /// 30 February some German banks write; `control_sum_mismatch` an MT942 whose `:90D:` disagrees
    /// with its entries.
    static let outcomes: [String: MT940Outcome] = [
        "betterplace-amount_formats.sta": MT940Outcome(
            "mt940", statements: 6, entries: 0, warnings: ["schema_deviation": 6]),
        "betterplace-colon_in_descriptor.sta": MT940Outcome(
            "mt940", statements: 1, entries: 0, warnings: ["schema_deviation": 1]),
        "betterplace-currency_in_25.sta": MT940Outcome(
            "mt940", statements: 1, entries: 0, warnings: ["schema_deviation": 1]),
        "betterplace-empty_86.sta": MT940Outcome("mt940", statements: 1, entries: 0, warnings: ["schema_deviation": 1]),
        "betterplace-empty_entry_date.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["schema_deviation": 1]),
        "betterplace-empty_line.sta": MT940Outcome(
            "mt940", statements: 1, entries: 0, warnings: ["schema_deviation": 1]),
        "betterplace-missing_crlf_at_end.sta": MT940Outcome(
            "mt940", statements: 1, entries: 0, warnings: ["schema_deviation": 1]),
        "betterplace-sepa_mt9401.sta": MT940Outcome("mt940", statements: 26, entries: 97, warnings: [:]),
        "betterplace-sepa_snippet.sta": MT940Outcome(
            "mt940", statements: 2, entries: 11, warnings: ["balance_mismatch": 1]),
        "betterplace-with_binary_character.sta": MT940Outcome("mt940", statements: 2, entries: 4, warnings: [:]),
        "fragments/wolph-cmxl-account_balance_credit.sta": MT940Outcome(
            "mt940", statements: 1, entries: 0, warnings: ["schema_deviation": 1]),
        "fragments/wolph-cmxl-account_identification_iban.sta": MT940Outcome(
            "mt940", statements: 1, entries: 0, warnings: ["schema_deviation": 1]),
        "fragments/wolph-cmxl-statement_details.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["schema_deviation": 1]),
        "fragments/wolph-cmxl-statement_line.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["schema_deviation": 1]),
        "hbci4java-test-mt940-001.sta": MT940Outcome("mt940", statements: 1, entries: 2, warnings: [:]),
        "hbci4java-test-mt940-002.sta": MT940Outcome("mt940", statements: 1, entries: 2, warnings: [:]),
        "invalid/oca-wrong-file.940": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["schema_deviation": 1]),
        "oca-ing-old.940": MT940Outcome("mt940", statements: 1, entries: 8, warnings: [:]),
        "oca-ing.940": MT940Outcome("mt940", statements: 1, entries: 8, warnings: [:]),
        "oca-mollie-voorbeeld.mt940": MT940Outcome("mt940", statements: 1, entries: 21, warnings: [:]),
        "oca-nl_rabo.swi": MT940Outcome("mt940", statements: 4, entries: 2, warnings: [:]),
        "oca-rabo.swi": MT940Outcome("mt940", statements: 4, entries: 2, warnings: [:]),
        "oca-sns.940": MT940Outcome("mt940", statements: 3, entries: 8, warnings: ["schema_deviation": 1]),
        "wolph-asnb-0708271685.940": MT940Outcome("mt940", statements: 31, entries: 8, warnings: [:]),
        "wolph-cmxl-mt940.sta": MT940Outcome("mt940", statements: 3, entries: 16, warnings: [:]),
        "wolph-jejik-abnamro.sta": MT940Outcome("mt940", statements: 2, entries: 10, warnings: ["balance_mismatch": 2]),
        "wolph-jejik-generic.sta": MT940Outcome("mt940", statements: 2, entries: 2, warnings: [:]),
        "wolph-jejik-ing.sta": MT940Outcome("mt940", statements: 1, entries: 7, warnings: ["balance_mismatch": 1]),
        "wolph-jejik-knab.sta": MT940Outcome("mt940", statements: 2, entries: 3, warnings: ["balance_mismatch": 1]),
        "wolph-jejik-postfinance.sta": MT940Outcome(
            "mt940", statements: 2, entries: 4, warnings: ["balance_mismatch": 1]),
        "wolph-jejik-rabobank-iban.sta": MT940Outcome("mt940", statements: 2, entries: 4, warnings: [:]),
        "wolph-jejik-rabobank.sta": MT940Outcome("mt940", statements: 4, entries: 5, warnings: ["balance_mismatch": 2]),
        "wolph-jejik-sns.sta": MT940Outcome("mt940", statements: 2, entries: 2, warnings: [:]),
        "wolph-jejik-triodos.sta": MT940Outcome("mt940", statements: 1, entries: 2, warnings: ["balance_mismatch": 1]),
        "wolph-mbank-mt940.sta": MT940Outcome("mt940", statements: 1, entries: 3, warnings: [:]),
        "wolph-mbank-mt942.sta": MT940Outcome("mt942", statements: 1, entries: 3, warnings: [:]),
        "wolph-mbank-with_newline_in_tnr.sta": MT940Outcome(
            "mt940", statements: 1, entries: 2, warnings: ["balance_mismatch": 1]),
        "wolph-sberbank-171011.sta": MT940Outcome("mt940", statements: 1, entries: 3, warnings: [:]),
        "wolph-self-details_60-63.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["balance_mismatch": 1]),
        "wolph-self-february_30.sta": MT940Outcome("mt940", statements: 1, entries: 1, warnings: ["lenient_date": 1]),
        "wolph-self-gv_codes.sta": MT940Outcome("mt940", statements: 1, entries: 2, warnings: ["schema_deviation": 1]),
        "wolph-self-long_statement_number.sta": MT940Outcome("mt940", statements: 1, entries: 0, warnings: [:]),
        "wolph-self-malformed_details.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["balance_mismatch": 1]),
        "wolph-self-mt942.sta": MT940Outcome("mt942", statements: 1, entries: 1, warnings: ["control_sum_mismatch": 1]),
        "wolph-self-overly_long_details.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["balance_mismatch": 1]),
        "wolph-self-raiffeisen-cmi.sta": MT940Outcome(
            "mt940", statements: 1, entries: 7, warnings: ["balance_mismatch": 1]),
        "wolph-self-raphaelm.sta": MT940Outcome("mt940", statements: 3, entries: 9, warnings: ["schema_deviation": 3]),
        "wolph-self-sparkassen.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["schema_deviation": 1]),
        "wolph-self-transaction_details_wrapped.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["lenient_date": 1]),
        "wolph-self-whitespace.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["balance_mismatch": 1]),
        "wolph-self-wrapped_timestamp.sta": MT940Outcome(
            "mt940", statements: 1, entries: 1, warnings: ["lenient_date": 1]),
    ]

    // MARK: The whole corpus

    @Test(
        "every real file parses, and where both balances exist they add up or a balance_mismatch says so",
        arguments: MT940Corpus.files())
    func realFileParses(_ file: String) throws {
        let document = try MT940Corpus.read(file)
        #expect(!document.statements.isEmpty)
        for (index, statement) in document.statements.enumerated() {
            guard let opening = statement.openingBalance?.amount, let closing = statement.closingBalance?.amount
            else { continue }
            let total = statement.entries.reduce(Optional(opening)) { $0?.adding($1.amount) }
            let adds = total.map { $0.isEqual(to: closing) } ?? false
            let warned = document.warnings.contains { $0.statement == index && $0.code == .balanceMismatch }
            #expect(adds != warned, "\(file) statement \(index): adds up \(adds), balance_mismatch \(warned)")
        }
        // The JSON renders and is valid JSON.
        let json = Data(document.json.rendered().utf8)
        #expect((try? JSONSerialization.jsonObject(with: json)) != nil)
    }

    @Test(
        "every file gives what it gave when it was checked by hand",
        arguments: MT940Corpus.files() + MT940Corpus.files(in: "fragments") + ["invalid/oca-wrong-file.940"])
    func outcome(_ file: String) throws {
        let expected = try #require(Self.outcomes[file], "no recorded outcome for \(file)")
        #expect(MT940Outcome(try MT940Corpus.read(file)) == expected)
    }

    @Test("the corpus has every file this suite knows, and nothing unknown")
    func corpusIsComplete() {
        let present = Set(MT940Corpus.files() + MT940Corpus.files(in: "fragments") + ["invalid/oca-wrong-file.940"])
        #expect(present == Set(Self.outcomes.keys))
        #expect(MT940Corpus.files(in: "invalid").count == 4)
    }

    // MARK: Spot checks on real files

    @Test("German ?xx layout: purpose ?20, name ?32/?33, account ?31, BIC ?30, EREF+ and SVWZ+")
    func germanSubfields() throws {
        let document = try MT940Corpus.read("betterplace-sepa_snippet.sta")
        let statement = try #require(document.statements.first)
        #expect(statement.id == "T089414086000001/00004/00001")
        #expect(statement.account == StatementAccount(number: "50880050/0194787400888"))
        #expect(statement.currency == "EUR")
        #expect(statement.openingBalance == StatementBalance(amount: ExactDecimal("766656.49")!, date: "2007-09-03"))
        #expect(statement.closingBalance == StatementBalance(amount: ExactDecimal("1125250.4")!, date: "2007-09-04"))
        let entry = try #require(statement.entries.first)
        #expect(entry.amount == ExactDecimal("50990.05")!)
        #expect(entry.valueDate == "2007-09-07")
        #expect(entry.bookingDate == "2007-09-04")
        #expect(entry.status == .booked)
        #expect(entry.reversal == false)
        #expect(entry.transactionCode == "NTRF")
        #expect(entry.customerReference == "NONREF")
        #expect(entry.bankReference == "0724710333343453")
        #expect(entry.endToEndIDs == ["EndToEndId TFNR 22 004 00001"])
        #expect(entry.remittance == "Verw CTSc-01 BC-PPP TFNr 22 004")
        #expect(
            entry.counterparty
                == Counterparty(name: "KARL KAUFMANN", account: "DE14508800500194785000", bic: "DRESDEFF508"))
        #expect(entry.detailsCount == 1)
        // A SEPA return: the end-to-end id ends where its purpose line ends; no SVWZ+, so the whole
        // purpose is the remittance.
        let returned = try #require(document.statements.last?.entries.first)
        #expect(returned.endToEndIDs == ["TFNR 40001 00005"])
        #expect(
            returned.remittance
                == "EREF+TFNR 40001 00005 MTLG:Grund nicht spezifiziert Reject aus SEPA-Ueberweisungsauftrag")
        #expect(returned.customerReference == "TFNr 40001 MSGID")
    }

    @Test("German purpose without SEPA keywords: ?20 lines and a bank code with its account")
    func germanPurpose() throws {
        let document = try MT940Corpus.read("hbci4java-test-mt940-001.sta")
        let statement = try #require(document.statements.first)
        #expect(statement.id == "STARTUMS/1")
        #expect(statement.entries.map(\.remittance) == ["Test 1", "Test 2"])
        #expect(statement.entries.map { $0.counterparty?.name } == ["Max Mustermann", "Max Mustermann"])
        #expect(statement.entries.first?.customerReference == "2023-02-09-08.37.18.054696")

        let binary = try MT940Corpus.read("betterplace-with_binary_character.sta")
        let paypal = try #require(binary.statements.first?.entries.first)
        #expect(paypal.remittance == "QQW53T2245ZGY46J ABBUCHUNG VOM PAYPAL-KONTO 100318P3TX1433EV")
        #expect(paypal.counterparty == Counterparty(name: "PAYPAL", account: "50070010/0175526300", bic: nil))
        #expect(paypal.customerReference == "100323-03-100323")
        #expect(paypal.bankReference == "32-P1-TCS49518")
    }

    @Test("RC marks a reversed credit: negative, reversal true, and the statement still balances")
    func reversal() throws {
        let document = try MT940Corpus.read("betterplace-sepa_mt9401.sta")
        let statement = try #require(document.statements.first)
        let reversed = try #require(statement.entries.first { $0.reversal })
        #expect(reversed.amount == ExactDecimal("-204.88")!)
        #expect(reversed.transactionCode == "NRTI")
        #expect(statement.openingBalance?.amount == ExactDecimal("-1234718.36")!)
        #expect(statement.closingBalance?.amount == ExactDecimal("-1237628.23")!)
        #expect(document.warnings.isEmpty)
        #expect(document.statements.flatMap(\.entries).filter(\.reversal).count == 2)
    }

    @Test("Dutch /TAG/ layout: /EREF/, /CNTP/, /REMI/ and /RTRN/ inside a FIN envelope")
    func dutchTags() throws {
        let document = try MT940Corpus.read("oca-ing.940")
        #expect(document.format == "mt940")
        #expect(document.warnings.isEmpty)
        let statement = try #require(document.statements.first)
        #expect(statement.account == StatementAccount(iban: "NL77INGB0574908765"), "the trailing EUR is dropped")
        #expect(statement.id == "P140220000000001/00000", "`:28C:0000` wrapped before its last digit")
        let first = try #require(statement.entries.first)
        #expect(first.amount == ExactDecimal("1.56")!)
        #expect(first.endToEndIDs == ["EV12341REP1231456T1234"])
        #expect(
            first.counterparty
                == Counterparty(name: "ING BANK NV INZAKE WEB", account: "NL32INGB0000012345", bic: "INGBNL2A"))
        #expect(first.remittance == "EV10001REP1000000T1000")
        #expect(first.customerReference == "EREF")
        #expect(first.bankReference == "00000000001")
        let returned = statement.entries[2]
        #expect(returned.returnReason == "MS03")
        #expect(returned.remittance == "Factuurnr 123456 Klantnr 00123")
        #expect(returned.counterparty?.name == "J.Janssen")
        // A `:86:` wrapped so that a line is just `-`: it is text, not the end of the message.
        let wrapped = statement.entries[3]
        #expect(wrapped.endToEndIDs == ["EV123REP123412T1234"])
        #expect(wrapped.counterparty?.name == "ING Bank N.V. inzake WeB")
        // /REMI/STRD/CUR/…: the structured creditor reference.
        #expect(statement.entries[6].remittance == "9001123412341234")
    }

    @Test("Dutch layouts of Rabobank and Mollie: /NAME/, the counterparty IBAN on the :61: line, NOTPROVIDED")
    func dutchVariants() throws {
        let rabo = try MT940Corpus.read("oca-rabo.swi")
        #expect(rabo.warnings.isEmpty, "Rabobank's `:940:` header line is expected")
        #expect(rabo.statements.map(\.id) == ["940S140102/0", "940S140103/0", "940S140106/0", "940S140107/0"])
        let smith = try #require(rabo.statements.first?.entries.first)
        #expect(smith.counterparty == Counterparty(name: "R. SMITH", account: "NL66RABO0160878799", bic: nil))
        #expect(smith.remittance == "Test money paid by other partner:")
        #expect(smith.bookingDate == nil, "no entry date in the file")
        #expect(smith.valueDate == "2014-01-02")

        let mollie = try MT940Corpus.read("oca-mollie-voorbeeld.mt940")
        let entries = try #require(mollie.statements.first?.entries)
        #expect(entries.first?.endToEndIDs == ["tr_XXXXXXXXX"])
        #expect(
            entries.first?.counterparty
                == Counterparty(name: "V. Oornaam", account: "NL30ABNA000000000000", bic: "RABONL2U"))
        #expect(entries.last?.endToEndIDs == [], "NOTPROVIDED is left out")
        #expect(entries.last?.counterparty?.name == "Mollie B.V.", "a name wrapped after its first letter")
        #expect(entries.last?.remittance == "Factuurnummer 2016.00000")
    }

    @Test("free text wrapped at 65 columns, padded with blanks, in FIN envelopes")
    func freeText() throws {
        let sns = try MT940Corpus.read("oca-sns.940")
        let entry = try #require(sns.statements.first?.entries.first)
        #expect(entry.remittance == "NL49RABO0166416932 gerrits glas en schilderwerk Factuur 17227/248/20")
        #expect(entry.customerReference == "NL49RABO0166416932")
        #expect(entry.counterparty == nil)
        let incasso = try #require(sns.statements.first?.entries[2])
        #expect(incasso.remittance?.contains("VNKlantnr 00000000000") == true, "a word wrapped at column 65")
        #expect(incasso.remittance?.contains("NL84ZZZ050695810000") == true)

        let asn = try MT940Corpus.read("wolph-asnb-0708271685.940")
        #expect(asn.statements.count == 31, "31 FIN messages in one file")
        #expect(Set(asn.statements.compactMap(\.id)).count == 31, ":20: repeats; :20: with :28C: does not")
        #expect(asn.statements.allSatisfy { $0.account.iban == "NL81ASNB9999999999" })

        let knab = try MT940Corpus.read("wolph-jejik-knab.sta")
        #expect(
            knab.statements.first?.entries.first?.remittance
                == "HIER EEN MOOIE OMSCHRIJVING IN HOOFDLETTERS WANT DAT IS ZOALS DE NEDERLANDSE BANKEN COMMUNICEREN")
        #expect(knab.statements.last?.entries.last?.amount == ExactDecimal("500")!, "an amount without a comma")
    }

    @Test("ISO-8859-1 files read like their UTF-8 twins; umlauts decoded")
    func latin1() throws {
        let utf8 = try MT940Corpus.data("betterplace-with_binary_character.sta")
        let text = try #require(String(data: utf8, encoding: .utf8))
        let latin1 = try #require(text.data(using: .isoLatin1))
        #expect(latin1 != utf8)
        let fromUTF8 = try MT940Reader.read(utf8)
        let fromLatin1 = try MT940Reader.read(latin1)
        #expect(fromLatin1 == fromUTF8)
        #expect(fromUTF8.statements.first?.id == "STAR1ÜTßUMS/00027/00001")
        #expect(fromLatin1.statements.last?.entries.first?.remittance?.contains("Überweisung:19.03.2010") == true)

        // A real file in a single-byte code page: read, never refused, no C1 controls.
        let raiffeisen = try MT940Corpus.read("wolph-self-raiffeisen-cmi.sta")
        let texts = raiffeisen.statements.flatMap(\.entries).compactMap(\.remittance)
        #expect(texts.count == 7)
        #expect(texts.allSatisfy { !$0.unicodeScalars.contains { (0x80...0x9F).contains($0.value) } })
        #expect(raiffeisen.statements.first?.account == StatementAccount(number: "UBRTHUHB/123456789150ABCDEF002"))
    }

    @Test("a time stamp wrapped before `:26:37` is text, not a field; 30 February is read leniently")
    func wrappedTimestamp() throws {
        let document = try MT940Corpus.read("wolph-self-wrapped_timestamp.sta")
        let entry = try #require(document.statements.first?.entries.first)
        #expect(entry.remittance?.contains("/PL 12-09-2014T16:26:37 Fo") == true, "\(entry.remittance ?? "")")
        #expect(entry.endToEndIDs == ["VZ0000000000000000"])
        #expect(entry.valueDate == "2016-02-29")
        #expect(entry.bookingDate == "2016-03-01")
        #expect(document.warnings.map(\.code) == [.lenientDate])
        #expect(document.warnings.first?.message.contains("line 5") == true)

        let other = try MT940Corpus.read("wolph-self-transaction_details_wrapped.sta")
        #expect(other.statements.first?.entries.first?.remittance == "Pauschalen 2017-01-01T13:12:11")
    }

    @Test("no line break after the last line")
    func missingFinalNewline() throws {
        let document = try MT940Corpus.read("betterplace-missing_crlf_at_end.sta")
        #expect(
            document.statements.first?.closingBalance
                == StatementBalance(amount: ExactDecimal("42570.04")!, date: "2010-03-23"))
        let gv = try MT940Corpus.read("wolph-self-gv_codes.sta")
        #expect(gv.statements.first?.entries.last?.amount == ExactDecimal("-24.30")!)
        #expect(gv.statements.first?.entries.first?.counterparty?.name == "PayPal (Europe) S.a.r.l. et")
    }

    @Test("MT942: floor limit, :13D: as created_at, no balances, :90D:/:90C: checked")
    func mt942() throws {
        let mbank = try MT940Corpus.read("wolph-mbank-mt942.sta")
        #expect(mbank.format == "mt942")
        #expect(mbank.createdAt == "2017-01-19T18:15:00+01:00")
        #expect(mbank.warnings.isEmpty)
        let statement = try #require(mbank.statements.first)
        #expect(statement.openingBalance == nil)
        #expect(statement.closingBalance == nil)
        #expect(statement.currency == "PLN")
        #expect(statement.account.iban == "PL29114010810000267002001002")
        #expect(statement.entries.map(\.amount) == Array(repeating: ExactDecimal("0.01")!, count: 3))
        #expect(statement.entries.first?.bankReference == "MB170119012058")
        #expect(mbank.json.rendered().contains(#""opening_balance":null,"closing_balance":null"#))

        let own = try MT940Corpus.read("wolph-self-mt942.sta")
        #expect(own.format == "mt942")
        #expect(own.createdAt == "2016-10-30T17:30:00+00:00")
        #expect(own.warnings.map(\.code) == [.controlSumMismatch], ":90D: says 2.30, the entry is 0.42")
        let entry = try #require(own.statements.first?.entries.first)
        #expect(entry.transactionCode == "MCI0")
        #expect(entry.remittance == "REMIT:Costs to MT940 Parsing. This is Somuchfun.")
    }

    @Test("amount formats: decimal comma, no decimals, leading zeros")
    func amountFormats() throws {
        let document = try MT940Corpus.read("betterplace-amount_formats.sta")
        #expect(
            document.statements.compactMap { $0.openingBalance?.amount.description }
                == ["380115.12", "380115.1", "380115", "0.12", "0.12", "1.12"])
        #expect(document.json.rendered().contains(#""amount":"380115.10""#))
    }

    @Test("odd but real: HBCI :NS: fields, balances without currency, Sparkasse line breaks, Triodos `>`")
    func oddities() throws {
        let raphael = try MT940Corpus.read("wolph-self-raphaelm.sta")
        #expect(
            raphael.statements.map { $0.closingBalance?.amount.description } == ["105000.00", "145000.00", "95000.00"])
        #expect(raphael.statements.map(\.currency) == ["DEM", "DEM", "DEM"])
        #expect(raphael.statements.first?.entries.first?.transactionCode == "S051")
        #expect(raphael.statements.first?.entries.first?.customerReference == "68790452")

        let sparkasse = try MT940Corpus.read("wolph-self-sparkassen.sta")
        let entry = try #require(sparkasse.statements.first?.entries.first)
        #expect(entry.amount == ExactDecimal("30.00")!)
        #expect(entry.transactionCode == "N062")
        #expect(entry.remittance == "Test")

        let triodos = try MT940Corpus.read("wolph-jejik-triodos.sta")
        #expect(
            triodos.statements.first?.entries.first?.remittance
                == "ALGEMENE TUSSENREKENING KOSTEN VAN 01-10-2010 TOT EN MET 31-12-2010")

        let abnamro = try MT940Corpus.read("wolph-jejik-abnamro.sta")
        #expect(!abnamro.warnings.contains { $0.code == .schemaDeviation }, "ABN AMRO's header lines are expected")
        #expect(abnamro.statements.last?.openingBalance?.amount == ExactDecimal("2876.84")!, ":60M:")
        #expect(abnamro.statements.last?.closingBalance?.amount == ExactDecimal("1849.75")!, ":62M:")

        let cmxl = try MT940Corpus.read("wolph-cmxl-mt940.sta")
        let polish = try #require(cmxl.statements.last?.entries.first)
        #expect(polish.counterparty?.account == "PL08106000760000777777777777", "?38 IBAN preferred")
        #expect(cmxl.statements.last?.account == StatementAccount(number: "BPHKPLPK/320000546101"))

        let currencyIn25 = try MT940Corpus.read("betterplace-currency_in_25.sta")
        #expect(currencyIn25.statements.first?.account == StatementAccount(number: "51210600/9223382012"))
    }

    // MARK: fragments/ and invalid/

    /// The four fragments are single well-formed fields cut out of statements. Like the top-level
    /// betterplace snippets they parse, each into one statement with a `schema_deviation` warning
    /// naming what the statement lacks: refusing a well-formed field would help nobody.
    @Test("fragments parse, with a schema_deviation warning", arguments: MT940Corpus.files(in: "fragments"))
    func fragment(_ file: String) throws {
        let document = try MT940Corpus.read(file)
        #expect(document.statements.count == 1)
        #expect(document.warnings.map(\.code) == [.schemaDeviation])
        #expect(document.warnings.first?.message.contains(":20: reference") == true)
    }

    @Test("fragment values")
    func fragmentValues() throws {
        let balance = try MT940Corpus.read("fragments/wolph-cmxl-account_balance_credit.sta")
        #expect(
            balance.statements.first?.openingBalance
                == StatementBalance(amount: ExactDecimal("147.64")!, date: "2014-08-29"))
        let iban = try MT940Corpus.read("fragments/wolph-cmxl-account_identification_iban.sta")
        #expect(iban.statements.first?.account == StatementAccount(iban: "PL25106000760000888888888888"))
        let details = try MT940Corpus.read("fragments/wolph-cmxl-statement_details.sta")
        let entry = try #require(details.statements.first?.entries.first)
        #expect(entry.amount == ExactDecimal("-1.62")!)
        #expect(entry.valueDate == "2014-09-01")
        #expect(entry.bookingDate == "2014-09-02")
        #expect(entry.customerReference == "0000549855700010")
        #expect(entry.bankReference == "025498557/000001")
        #expect(entry.endToEndIDs == ["TRX-0A4A47C3-F846-4729-8A1B-5DF620F"])
        #expect(entry.remittance == "FOO TRX-0A4A47C3-F846-4729-8A1B-5DF620F")
        #expect(entry.counterparty?.name == "Peter Pan")
        #expect(entry.counterparty?.bic == "HYVEDEMMXXX")
    }

    @Test(
        "invalid files: a clear error naming the line",
        arguments: [
            ("invalid/betterplace-sepa_snippet_broken.sta", FormatError.Code.malformed, "line 6", "a second :25:"),
            ("invalid/wolph-self-empty_non_swift.sta", .malformed, "line 1", "no MT940 or MT942 statement field"),
            ("invalid/wolph-self-invalid_statement.sta", .malformed, "line 1", "no MT940 or MT942 statement field"),
        ])
    func invalid(_ file: String, _ code: FormatError.Code, _ location: String, _ message: String) throws {
        let data = try MT940Corpus.data(file)
        let error = try #require(throws: FormatError.self) { try MT940Reader.read(data) }
        #expect(error.code == code)
        #expect(error.location == location)
        #expect(error.message.contains(message), "\(error)")
    }

    /// `invalid/oca-wrong-file.940` is a Rabobank statement whose first line reads `:9401:` instead of
    /// Rabobank's `:940:` header: OCA's Rabobank importer refuses it for that. The statement itself is
    /// complete and balances, and banks put all sorts of transmission headers before MT940 data (ING,
    /// ABN AMRO), so it is read, with a `schema_deviation` warning naming the skipped line.
    @Test("invalid/oca-wrong-file.940 parses with a warning about its header line")
    func wrongHeader() throws {
        let document = try MT940Corpus.read("invalid/oca-wrong-file.940")
        #expect(document.warnings.map(\.code) == [.schemaDeviation])
        #expect(document.warnings.first?.message.contains("line 1") == true)
        #expect(document.warnings.first?.statement == nil)
        #expect(document.statements.first?.closingBalance?.amount == ExactDecimal("4833.52")!)
    }

    // MARK: Made-up files for what the corpus lacks

    static func read(_ text: String) throws(FormatError) -> StatementDocument {
        var document = try MT940Reader.read(Data(text.utf8))
        document.checkBalances()
        return document
    }

    static let minimal = """
        :20:REF1
        :25:DE89370400440532013000
        :28C:7/1
        :60F:C231228EUR100,00
        :61:2312290102C25,50NTRFREF-A//BANK-A
        /ISDT/2023-12-29
        :86:/EREF/E2E-A//CNTP/GB29NWBK60161331926819/NWBKGB2L/Supplier Ltd/London//REMI/USTD//Invoice 1/
        :61:2401021229D5,50NMSCNONREF
        :62F:C240102EUR120,00
        -
        """

    @Test("an entry date in January for a December value date is in the next year, and the reverse")
    func yearEnd() throws {
        let statement = try #require(try Self.read(Self.minimal).statements.first)
        #expect(statement.entries.map(\.valueDate) == ["2023-12-29", "2024-01-02"])
        #expect(statement.entries.map(\.bookingDate) == ["2024-01-02", "2023-12-29"])
        #expect(statement.id == "REF1/7/1")
        #expect(statement.account == StatementAccount(iban: "DE89370400440532013000"))
        let entry = try #require(statement.entries.first)
        #expect(
            entry.counterparty == Counterparty(name: "Supplier Ltd", account: "GB29NWBK60161331926819", bic: "NWBKGB2L")
        )
        #expect(entry.remittance == "Invoice 1")
        #expect(entry.endToEndIDs == ["E2E-A"])
        #expect(entry.customerReference == "REF-A")
        #expect(entry.bankReference == "BANK-A")
    }

    @Test("CRLF, LF and CR, blank lines, surrounding whitespace and a missing final newline read the same")
    func lineEndings() throws {
        let reference = try Self.read(Self.minimal)
        #expect(reference.warnings.isEmpty)
        for variant in [
            Self.minimal.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n",
            Self.minimal.replacingOccurrences(of: "\n", with: "\r"),
            "\u{FEFF}\n\n   \n" + Self.minimal.replacingOccurrences(of: "\n:", with: "\n\n:") + "\n\n  \n",
            "\u{01}\r\n" + Self.minimal + "\u{03}",
        ] {
            #expect(try Self.read(variant) == reference)
        }
    }

    @Test("FIN envelopes: several messages, block 4 on the header line, `-}{5:}` trailers, MT942 by block 2")
    func envelopes() throws {
        let body = Self.minimal.replacingOccurrences(of: "\n-", with: "")
        let text = """
            {1:F01BANKDEFFAXXX0000000000}{2:O940BANKDEFFXXXXN}{3:{108:ABC}}{4:
            \(body)
            -}{5:{CHK:123456789ABC}}
            {1:F01BANKDEFFAXXX0000000000}{2:O940BANKDEFFXXXXN}{4:
            \(body.replacingOccurrences(of: ":28C:7/1", with: ":28C:8/1"))
            -}{5:}{1:F01BANKDEFFAXXX0000000000}{2:I942BANKDEFFXXXXN}{4:
            :20:INTRADAY
            :25:DE89370400440532013000
            :28C:9
            :34F:EURD0,
            :13D:2401021230+0100
            :61:240102D1,NTRFNONREF
            :90D:1EUR1,00
            -}
            """
        let document = try Self.read(text)
        #expect(document.format == "mt942")
        #expect(document.statements.map(\.id) == ["REF1/7/1", "REF1/8/1", "INTRADAY/9"])
        #expect(document.createdAt == "2024-01-02T12:30:00+01:00")
        #expect(document.warnings.isEmpty, "\(document.warnings)")
        #expect(document.statements.last?.currency == "EUR")

        let payment = "{1:F01BANKDEFFAXXX0000000000}{2:O103BANKDEFFXXXXN}{4:\n:20:X\n-}"
        let error = try #require(throws: FormatError.self) { try Self.read(payment) }
        #expect(error.code == .unknownFormat)
        #expect(error.location == "line 1")
    }

    @Test(
        "unreadable values give an error naming the line and the field",
        arguments: [
            (":61:2313290102C25,50NTRF", "line 5", ":61: value date"),
            (":61:2312290102X25,50NTRF", "line 5", "C, D, RC or RD"),
            (":61:2312290102C25,5,0NTRF", "line 5", ":61: amount"),
            (":61:2312290102CNTRF", "line 5", "no amount"),
            (":61:2312290102C25,50/TRF", "line 5", "transaction type"),
            (":61:2312291302C25,50NTRF", "line 5", ":61: entry date"),
            (":61:23", "line 5", "value date"),
            (":64:X231229EUR1,00", "line 5", ":64:"),
            (":90D:EUR1,00", "line 5", ":90D:"),
            (":13D:2401021299+0100", "line 5", ":13D:"),
            (":34F:12", "line 5", ":34F:"),
            (":62F:C231229EUR", "line 5", "no amount"),
            (":25:ANOTHER", "line 5", "a second :25:"),
        ])
    func unreadable(_ line: String, _ location: String, _ message: String) throws {
        let text = ":20:X\n:25:DE89370400440532013000\n:28C:1\n:60F:C231228EUR100,00\n\(line)\n:62F:C231229EUR100,00\n"
        let error = try #require(throws: FormatError.self) { try Self.read(text) }
        #expect(error.location == location, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test(
        "nothing that is no MT940 is taken for one",
        arguments: ["", "   \n\n", "hello\nworld", "{1:F01}", "%PDF-1.4\u{0}\u{1}"])
    func notMT940(_ text: String) {
        #expect(throws: FormatError.self) { try Self.read(text) }
    }

    @Test("the German `:86:` text of betterplace-colon_in_descriptor.sta, where a line starts with `: ?70`")
    func colonInDescriptor() throws {
        let fragment = try #require(
            String(data: try MT940Corpus.data("betterplace-colon_in_descriptor.sta"), encoding: .utf8))
        let text =
            ":20:X\r\n:25:1\r\n:28C:1\r\n:60F:C100101EUR0,\r\n:61:100101C1,NTRFNONREF\r\n" + fragment
            + ":62F:C100101EUR1,\r\n"
        let document = try Self.read(text)
        #expect(document.warnings.isEmpty)
        let entry = try #require(document.statements.first?.entries.first)
        #expect(entry.counterparty?.name == "Abcdefg Hijklmnop")
        #expect(entry.counterparty?.account == "DE12345678912345789012")
        #expect(entry.counterparty?.bic == "ABCDEFGH")
        #expect(entry.remittance == "Spende abcdefghijklmnopqrstuvwxyzabcde Verwendungszweck:")
    }

    // MARK: Robustness

    @Test("random truncations and byte flips of every real file never trap; errors name a line")
    func mutations() throws {
        var generator = SplitMix64(seed: 0x4D54_3934_30)
        let interesting: [UInt8] = Array(":?/-{}\r\n,CDR0123456789NS ".utf8) + [0x00, 0x01, 0xC3, 0xFF, 0x80]
        let files = MT940Corpus.files() + MT940Corpus.files(in: "fragments") + MT940Corpus.files(in: "invalid")
        var parsed = 0
        var refused = 0
        for file in files {
            let original = [UInt8](try MT940Corpus.data(file))
            guard !original.isEmpty else { continue }
            for round in 0..<80 {
                var bytes = original
                if round % 2 == 0 {
                    bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
                } else {
                    for _ in 0..<Int.random(in: 1...4, using: &generator) {
                        let index = Int.random(in: 0..<bytes.count, using: &generator)
                        bytes[index] =
                            Bool.random(using: &generator)
                            ? interesting[Int.random(in: 0..<interesting.count, using: &generator)]
                            : UInt8.random(in: 0...255, using: &generator)
                    }
                }
                do throws(FormatError) {
                    var document = try MT940Reader.read(Data(bytes))
                    document.checkBalances()
                    _ = document.json.rendered()
                    parsed += 1
                } catch {
                    refused += 1
                    #expect(error.location?.hasPrefix("line ") == true, "\(file): \(error)")
                }
            }
        }
        #expect(parsed > 0)
        #expect(refused > 0)
    }
}
