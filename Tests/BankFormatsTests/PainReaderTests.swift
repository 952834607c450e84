import BankFormats
import Foundation
import PayHubDomain
import Testing

/// The pain.001 and pain.002 files of the conformance corpus (`../shared/conformance`) and the JSON
/// contract (`../shared/spec/format-json.md`), found from this file whether the tests run from the
/// repository or from a copy of it.
private enum PainCorpus {
    static let shared: URL = {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shared = repository.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: shared.appendingPathComponent("conformance/pain001").path) {
            return shared
        }
        return URL(fileURLWithPath: "/work/shared")
    }()

    static func directory(_ name: String) -> URL {
        shared.appendingPathComponent("conformance").appendingPathComponent(name)
    }

    static func files(_ directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.directory(directory).path)) ?? []
        return names.filter { $0.hasSuffix(".xml") }.sorted()
    }

    static func data(_ directory: String, _ name: String) throws -> Data {
        try Data(contentsOf: Self.directory(directory).appendingPathComponent(name))
    }

    static func text(_ directory: String, _ name: String) throws -> String {
        String(decoding: try data(directory, name), as: UTF8.self)
    }

    static func status(_ name: String) throws -> PaymentStatusReport {
        try Pain002Reader.read(data("pain002", name))
    }

    static func initiation(_ name: String) throws -> PaymentInitiation {
        try Pain001Reader.read(data("pain001", name))
    }
}

/// The error a reader throws, or nil when it reads the input.
private func readError<T>(_ read: () throws(FormatError) -> T) -> FormatError? {
    do throws(FormatError) {
        _ = try read()
        return nil
    } catch {
        return error
    }
}

@Suite("pain.001 and pain.002 readers")
struct PainReaderTests {
    // MARK: Every file of the corpus

    /// What each file reads as: its format and the codes of its warnings. The corpus is the truth;
    /// these are the results checked by hand against the files.
    static let expectedStatus: [String: (format: String, warnings: [FormatWarning.Code])] = [
        // No namespace at all: the version is not in the file.
        "hbci4java-pain.002.001.10-01.xml": ("pain.002", [.schemaDeviation]),
        "hbci4java-pain.002.001.10-02.xml": ("pain.002.001.10", []),
        "hbci4java-pain.002.001.10-03.xml": ("pain.002.001.10", []),
        "moov-postfinance-pain002-chdd-cor1_p_ch2909000000250094239_1110097483_0_2018031317221082.xml": (
            "pain.002.001.03.ch.02", []
        ),
        "moov-postfinance-pain002-epo_p_0_0_0_2018031510491259.xml": ("pain.002.001.03.ch.02", []),
        "moov-postfinance-pain002-epo_p_0_0_0_2018032614401842.xml": ("pain.002.001.03.ch.02", []),
        "moov-postfinance-pain002-epo_p_ch2909000000250094239_1109800799_0_2018032612092784.xml": (
            "pain.002.001.03.ch.02", []
        ),
        "moov-postfinance-pain002-epo_p_ch5109000000250092291_1110097605_0_2018031511252307.xml": (
            "pain.002.001.03.ch.02", []
        ),
        "moov-valid_pain_v11.xml": ("pain.002.001.11", []),
    ]

    static let expectedInitiation: [String: (format: String, warnings: [FormatWarning.Code])] = [
        "dvbern-pain001ExampleOutput.ch02.xml": ("pain.001.001.03.ch.02", []),
        // The Swiss 2022 rules use ISO's namespace; only the schemaLocation says ch.03.
        "dvbern-pain001TestReference.001.09.ch03.xml": ("pain.001.001.09", []),
        "dvbern-pain001TestReference.ch02.xml": ("pain.001.001.03.ch.02", []),
        // An empty CstmrCdtTrfInitn: no GrpHdr, no PmtInf.
        "hbci4java-test-pain-parse-00100103.xml": ("pain.001.001.03", [.schemaDeviation, .schemaDeviation]),
        "moov-International_payment_RUB_naujas_1.xml": ("pain.001.001.03", []),
        "moov-International_payment_USD_naujas_1.xml": ("pain.001.001.03", []),
        "moov-gistfile1.xml": ("pain.001.001.03", []),
        // NbOfTxs says 7; the file holds 8 transactions (CtrlSum 38.00 does add up).
        "moov-musterfile_pain.001_Nov2020.xml": ("pain.001.001.03.ch.02", [.recordCountMismatch]),
        "moov-sepa_payment_naujas_1.xml": ("pain.001.001.03", []),
        "sepaking-pain.001.001.03.ch.02.xml": ("pain.001.001.03.ch.02", []),
        "sepaking-pain.001.001.03.xml": ("pain.001.001.03", []),
        "sepaking-pain.001.002.03.xml": ("pain.001.002.03", []),
        "sepaking-pain.001.003.03.xml": ("pain.001.003.03", []),
    ]

    @Test("the corpus holds the pain files these tests know")
    func corpusIsThere() {
        #expect(PainCorpus.files("pain002") == Self.expectedStatus.keys.sorted())
        #expect(PainCorpus.files("pain001") == Self.expectedInitiation.keys.sorted())
    }

    @Test("every pain.002 file of the corpus parses", arguments: PainCorpus.files("pain002"))
    func everyStatusFile(name: String) throws {
        let report = try PainCorpus.status(name)
        let expected = try #require(Self.expectedStatus[name])
        #expect(report.format == expected.format)
        #expect(report.warnings.map(\.code) == expected.warnings, "\(report.warnings)")
        #expect(report.messageID != nil && report.createdAt != nil && report.originalMessageID != nil)
        let text = report.json.rendered()
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil)
    }

    @Test("every pain.001 file of the corpus parses", arguments: PainCorpus.files("pain001"))
    func everyInitiationFile(name: String) throws {
        let initiation = try PainCorpus.initiation(name)
        let expected = try #require(Self.expectedInitiation[name])
        #expect(initiation.format == expected.format)
        #expect(initiation.warnings.map(\.code) == expected.warnings, "\(initiation.warnings)")
        let text = initiation.json.rendered()
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil)
    }

    // MARK: pain.002 values

    @Test("a transaction rejected with AC01 under a partly accepted payment (Swiss ch.02)")
    func transactionRejection() throws {
        let report = try PainCorpus.status(
            "moov-postfinance-pain002-epo_p_ch5109000000250092291_1110097605_0_2018031511252307.xml")
        #expect(report.messageID == "20180315375204222822452")
        #expect(report.createdAt == "2018-03-15T11:25:12")
        #expect(report.originalMessageID == "MsgId-001")
        #expect(report.groupStatus == nil)
        #expect(
            report.payments == [
                PaymentStatus(
                    originalPaymentID: "PmtInfId-001-03", status: "PART",
                    transactions: [
                        TransactionStatus(
                            originalEndToEndID: "EndToEndId-001-03-04", originalInstructionID: "InstrId-001-03-04",
                            status: "RJCT", reason: "AC01", additionalInfo: "1301813;Konto ungültig")
                    ])
            ])
    }

    @Test("a group rejected with a reason and no transactions keeps its reason in a line without ids")
    func groupRejection() throws {
        let report = try PainCorpus.status("moov-postfinance-pain002-epo_p_0_0_0_2018032614401842.xml")
        #expect(report.originalMessageID == "MsgId-005")
        #expect(report.groupStatus == "RJCT")
        #expect(
            report.payments == [
                PaymentStatus(
                    originalPaymentID: nil, status: "RJCT",
                    transactions: [
                        TransactionStatus(status: "RJCT", reason: "AM10", additionalInfo: "904114;ControlSum fehlerhaft")
                    ])
            ])
    }

    @Test("a payment rejected with its own reason, and its transaction with another")
    func paymentRejection() throws {
        let report = try PainCorpus.status(
            "moov-postfinance-pain002-epo_p_ch2909000000250094239_1109800799_0_2018032612092784.xml")
        let payment = try #require(report.payments.first)
        #expect(report.payments.count == 1)
        #expect(payment.originalPaymentID == "PmtInfId-006-01" && payment.status == "RJCT")
        #expect(
            payment.transactions == [
                TransactionStatus(
                    status: "RJCT", reason: "NARR", additionalInfo: "1297193;Sammelauftrag ohne ausführbaren Einzelauftrag"),
                TransactionStatus(
                    originalEndToEndID: "EndToEndId-006-01-01", originalInstructionID: "InstrId-006-01-01", status: "RJCT",
                    reason: "AC01", additionalInfo: "1301813;Konto ungültig"),
            ])
    }

    @Test("group status alone, and payment status alone")
    func statusesWithoutReasons() throws {
        let accepted = try PainCorpus.status("moov-postfinance-pain002-epo_p_0_0_0_2018031510491259.xml")
        #expect(accepted.groupStatus == "ACTC" && accepted.payments.isEmpty && accepted.originalMessageID == "MsgId-001")
        let directDebit = try PainCorpus.status(
            "moov-postfinance-pain002-chdd-cor1_p_ch2909000000250094239_1110097483_0_2018031317221082.xml")
        #expect(directDebit.groupStatus == nil)
        #expect(directDebit.payments == [PaymentStatus(originalPaymentID: "PmtInfId-CHDD-1", status: "ACCP")])
        let minimal = try PainCorpus.status("moov-valid_pain_v11.xml")
        #expect(minimal.messageID == "MsgId" && minimal.groupStatus == nil && minimal.payments.isEmpty)
    }

    @Test("pain.002.001.10 verification of payee: additional lines joined by a space, NOTPROVIDED kept")
    func verificationOfPayee() throws {
        let report = try PainCorpus.status("hbci4java-pain.002.001.10-03.xml")
        #expect(report.createdAt == "2025-11-02T18:33:13.303+01:00")
        #expect(report.groupStatus == "RCVC")
        #expect(
            report.payments == [
                PaymentStatus(
                    status: "RCVC",
                    transactions: [
                        TransactionStatus(
                            status: "RCVC",
                            additionalInfo:
                                "RCVC Der angegebene Empfaengername stimmt mit dem Namen des Kontoinhabers ueberein. RCVC Hier besteht kein Handlungsbedarf."
                        )
                    ]),
                PaymentStatus(originalPaymentID: "2025-11-02T18:33:03:0287", status: "RCVC"),
            ])

        let mismatch = try PainCorpus.status("hbci4java-pain.002.001.10-02.xml")
        #expect(mismatch.groupStatus == "RVMC")
        let info = try #require(mismatch.payments.first?.transactions.first?.additionalInfo)
        #expect(info.hasPrefix("RVNM Der Name des Empfaengers") && info.hasSuffix("ueberwiesen RVNM wird."))
        #expect(
            mismatch.payments.last?.transactions == [
                TransactionStatus(originalEndToEndID: "NOTPROVIDED", status: "RVNM")
            ])
        // The same report without a namespace reads the same, its version unknown.
        let bare = try PainCorpus.status("hbci4java-pain.002.001.10-01.xml")
        #expect(bare.payments == mismatch.payments && bare.format == "pain.002")
    }

    @Test("pain.002.001.14 in an AppHdr envelope: no group status, Prtry reasons, loose TxInfAndSts")
    func envelopeAndNewerVersion() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <BizMsgEnvlp xmlns="urn:iso:std:iso:20022:tech:xsd:envelope">
              <AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">
                <MsgDefIdr>pain.002.001.14</MsgDefIdr>
              </AppHdr>
              <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.14">
                <CstmrPmtStsRpt>
                  <GrpHdr><MsgId>STATUS-1</MsgId><CreDtTm>2024-01-02T10:00:00Z</CreDtTm></GrpHdr>
                  <OrgnlGrpInfAndSts>
                    <OrgnlMsgId>MSG-1</OrgnlMsgId>
                    <OrgnlMsgNmId>pain.001.001.12</OrgnlMsgNmId>
                    <StsRsnInf><Rsn><Prtry>X123</Prtry></Rsn><AddtlInf>first</AddtlInf></StsRsnInf>
                    <StsRsnInf><Rsn><Cd>AM05</Cd></Rsn><AddtlInf>second</AddtlInf></StsRsnInf>
                  </OrgnlGrpInfAndSts>
                  <OrgnlPmtInfAndSts>
                    <OrgnlPmtInfId>PMTINF-1</OrgnlPmtInfId>
                    <PmtInfSts>PART</PmtInfSts>
                    <TxInfAndSts>
                      <OrgnlInstrId>I-1</OrgnlInstrId>
                      <OrgnlEndToEndId>E2E-1</OrgnlEndToEndId>
                      <TxSts>RJCT</TxSts>
                      <StsRsnInf>
                        <Rsn><Cd>AM04</Cd></Rsn>
                        <AddtlInf>Insufficient</AddtlInf>
                        <AddtlInf>  funds  </AddtlInf>
                      </StsRsnInf>
                    </TxInfAndSts>
                    <TxInfAndSts><OrgnlEndToEndId>E2E-2</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
                  </OrgnlPmtInfAndSts>
                  <TxInfAndSts><OrgnlEndToEndId>E2E-9</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts>
                </CstmrPmtStsRpt>
              </Document>
            </BizMsgEnvlp>
            """
        let report = try Pain002Reader.read(Data(xml.utf8))
        #expect(report.format == "pain.002.001.14")
        #expect(report.messageID == "STATUS-1" && report.createdAt == "2024-01-02T10:00:00Z")
        #expect(report.originalMessageID == "MSG-1" && report.groupStatus == nil)
        #expect(
            report.payments == [
                PaymentStatus(
                    transactions: [TransactionStatus(reason: "X123", additionalInfo: "first second")]),
                PaymentStatus(
                    originalPaymentID: "PMTINF-1", status: "PART",
                    transactions: [
                        TransactionStatus(
                            originalEndToEndID: "E2E-1", originalInstructionID: "I-1", status: "RJCT", reason: "AM04",
                            additionalInfo: "Insufficient funds"),
                        TransactionStatus(originalEndToEndID: "E2E-2", status: "ACSC"),
                    ]),
                PaymentStatus(transactions: [TransactionStatus(originalEndToEndID: "E2E-9", status: "ACCP")]),
            ])
        #expect(report.warnings.map(\.code) == [.schemaDeviation])
        #expect(report.warnings.first?.message.contains("TxInfAndSts directly under CstmrPmtStsRpt") == true)

        // A Document without a namespace in the envelope: the version comes from the AppHdr, with a warning.
        let bareDocument = xml.replacingOccurrences(
            of: #"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.14">"#, with: "<Document>")
        let fromHeader = try Pain002Reader.read(Data(bareDocument.utf8))
        #expect(fromHeader.format == "pain.002.001.14" && fromHeader.payments == report.payments)
        #expect(fromHeader.warnings.map(\.code) == [.schemaDeviation, .schemaDeviation])

        // Without the envelope, the message element as the root, the version from the AppHdr is gone.
        let bare = try Pain002Reader.read(
            Data("<CstmrPmtStsRpt><GrpHdr><MsgId>M</MsgId></GrpHdr></CstmrPmtStsRpt>".utf8))
        #expect(bare.format == "pain.002" && bare.messageID == "M")
        #expect(bare.warnings.map(\.code) == [.schemaDeviation, .schemaDeviation])
    }

    @Test("a version PayHub does not know is read, with a warning")
    func unknownVersion() throws {
        let xml = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.15"><CstmrPmtStsRpt>
            <GrpHdr><MsgId>M</MsgId><CreDtTm>2024-01-02T10:00:00</CreDtTm></GrpHdr>
            <OrgnlGrpInfAndSts><OrgnlMsgId>O</OrgnlMsgId><GrpSts>ACSC</GrpSts></OrgnlGrpInfAndSts>
            </CstmrPmtStsRpt></Document>
            """
        let report = try Pain002Reader.read(Data(xml.utf8))
        #expect(report.format == "pain.002.001.15" && report.groupStatus == "ACSC")
        #expect(report.warnings.map(\.code) == [.schemaDeviation])
    }

    // MARK: pain.001 values

    @Test("Swiss ch.02: Othr/Id accounts, creditor country, structured references, CtrlSum")
    func swissInitiation() throws {
        let initiation = try PainCorpus.initiation("sepaking-pain.001.001.03.ch.02.xml")
        #expect(initiation.messageID == "MSG-01" && initiation.createdAt == "2010-02-15T07:30:00")
        #expect(initiation.numberOfTransactions == 3)
        #expect(initiation.controlSum == ExactDecimal("15850.00"))
        #expect(initiation.initiatingParty == "MUSTER AG")
        #expect(initiation.payments.map(\.id) == ["PMTINF-01", "PMTINF-02"])
        #expect(initiation.payments.map(\.requestedExecutionDate) == ["2010-02-22", "2010-02-18"])
        let first = try #require(initiation.payments.first)
        #expect(first.batchBooking == true)
        #expect(first.debtor == InitiationParty(name: "MUSTER AG", iban: "CH5481230000001998736", bic: "RAIFCH22"))
        #expect(
            first.transactions == [
                InitiationTransaction(
                    endToEndID: "ENDTOENDID-001", instructionID: "INSTRID-01-01", amount: ExactDecimal("3949.75")!,
                    currency: "CHF", creditor: InitiationParty(account: "01-39139-1"),
                    remittance: "210000000003139471430009017")
            ])
        let second = initiation.payments[1].transactions
        #expect(
            second.first?.creditor == InitiationParty(name: "Robert Scheider SA", account: "25-9034-2", country: "CH"))
        #expect(second.first?.remittance == "Rechnung Nr. 408")
        #expect(
            second.last
                == InitiationTransaction(
                    endToEndID: "ENDTOENDID-003", instructionID: "INSTRID-02-02", amount: ExactDecimal("3421.00")!,
                    currency: "EUR",
                    creditor: InitiationParty(name: "Peter Haller", iban: "DE62007620110623852957", bic: "DEUTDEFF"),
                    remittance: "RF712348231"))
    }

    @Test("pain.001.001.09 (Swiss 2022): ReqdExctnDt/Dt, BICFI, creditor agent absent")
    func version09() throws {
        let initiation = try PainCorpus.initiation("dvbern-pain001TestReference.001.09.ch03.xml")
        let payment = try #require(initiation.payments.first)
        #expect(payment.requestedExecutionDate == "2026-08-28")
        #expect(payment.debtor.bic == "ZKBKCHZZ80A" && payment.debtor.iban == "CH9300762011623852957")
        #expect(payment.transactions.map(\.creditor.bic) == ["ZKBKCHZZ80A", nil, "POFICHBEXXX", nil])
        #expect(payment.transactions.map(\.creditor.country) == ["CH", "CH", "CH", nil])
        #expect(payment.transactions.map(\.amount) == ["10", "1000", "1000", "2000"].map { ExactDecimal($0)! })
        #expect(payment.transactions.last?.remittance == "Auszahlung Without address, Monat Aug..2026")
        #expect(initiation.controlSum == ExactDecimal("4010"))
        #expect(initiation.json.rendered().contains(#""control_sum":"4010.00""#))
    }

    @Test("an xs:date with a time zone is the date; a clearing-member agent has no BIC")
    func dateWithTimeZone() throws {
        let initiation = try PainCorpus.initiation("dvbern-pain001TestReference.ch02.xml")
        #expect(initiation.payments.first?.requestedExecutionDate == "2017-06-30")
        #expect(initiation.payments.first?.debtor.bic == "POFICHBEXXX")
        #expect(initiation.payments.first?.transactions.map(\.creditor.bic) == [nil, nil])
        #expect(initiation.warnings.isEmpty)
    }

    @Test("several currencies, Othr/Id debtor account, no BtchBookg, structured remittance without a reference")
    func internationalInitiations() throws {
        let gist = try PainCorpus.initiation("moov-gistfile1.xml")
        let payment = try #require(gist.payments.first)
        #expect(payment.batchBooking == false)
        #expect(payment.debtor == InitiationParty(name: "ABC Corporation", account: "00125574999", bic: "BBBBUS33"))
        #expect(payment.transactions.map(\.currency) == ["JPY", "EUR", "USD"])
        #expect(payment.transactions.map(\.amount) == ["10000000", "500000", "1000000"].map { ExactDecimal($0)! })
        // Only AdrLine lines (the last one "GB"): no country is invented.
        #expect(payment.transactions.map(\.creditor.country) == [nil, nil, "US"])
        #expect(payment.transactions.map(\.remittance) == [nil, nil, nil])
        #expect(gist.controlSum == ExactDecimal("11500000") && gist.warnings.isEmpty)
        #expect(gist.json.rendered().contains(#""amount":"10000000","currency":"JPY""#))

        let rubles = try PainCorpus.initiation("moov-International_payment_RUB_naujas_1.xml")
        let transfer = try #require(rubles.payments.first?.transactions.first)
        #expect(rubles.payments.first?.batchBooking == nil)
        #expect(transfer.amount == ExactDecimal("1000.00") && transfer.currency == "RUB")
        #expect(transfer.creditor == InitiationParty(name: "COMPANY Z", account: "1234567890"))
        #expect(transfer.instructionID == "Payment-1" && transfer.remittance == "PREPAYMENT RUB 1000,00")
    }

    @Test("PostFinance sample: EqvtAmt, QR and SCOR references, a NbOfTxs that does not match")
    func postFinanceSample() throws {
        let initiation = try PainCorpus.initiation("moov-musterfile_pain.001_Nov2020.xml")
        let transactions = initiation.payments.flatMap(\.transactions)
        #expect(transactions.count == 8 && initiation.numberOfTransactions == 7)
        #expect(
            initiation.warnings == [
                FormatWarning(code: .recordCountMismatch, message: "GrpHdr NbOfTxs 7 != 8 transactions")
            ])
        let equivalent = try #require(transactions.first { $0.endToEndID == "EndToEndId-04-01" })
        #expect(equivalent.amount == ExactDecimal("1") && equivalent.currency == "CHF")
        #expect(equivalent.creditor.bic == "AABBCCDDXXX")
        #expect(transactions.suffix(2).map(\.remittance) == ["976471818744726494745968140", "RF18539007547034"])
        #expect(initiation.payments.first?.transactions.first?.creditor.country == nil)
    }

    @Test("German DK variants, payment-level control sums, an empty initiation in ISO-8859-1")
    func germanVariants() throws {
        for name in ["sepaking-pain.001.002.03.xml", "sepaking-pain.001.003.03.xml", "sepaking-pain.001.001.03.xml"] {
            let initiation = try PainCorpus.initiation(name)
            #expect(initiation.controlSum == nil && initiation.numberOfTransactions == 2)
            #expect(initiation.warnings.isEmpty, "the PmtInf CtrlSum 6655.86 adds up")
            let payment = try #require(initiation.payments.first)
            #expect(payment.transactions.map(\.instructionID) == [nil, nil])
            #expect(payment.transactions.map(\.endToEndID) == ["OriginatorID1234", "OriginatorID1235"])
            #expect(payment.transactions.first?.creditor.bic == "SPUEDE2UXXX")
        }
        let empty = try PainCorpus.initiation("hbci4java-test-pain-parse-00100103.xml")
        #expect(empty.payments.isEmpty && empty.messageID == nil && empty.numberOfTransactions == nil)
    }

    // MARK: The JSON contract

    /// The keys of an example in format-json.md (the first ```json block after `heading`), in the order
    /// the text gives them, nested keys included.
    static func specKeys(after heading: String) throws -> [String] {
        let spec = try String(
            contentsOf: PainCorpus.shared.appendingPathComponent("spec/format-json.md"), encoding: .utf8)
        let section = try #require(spec.range(of: heading))
        let start = try #require(spec.range(of: "```json", range: section.upperBound..<spec.endIndex))
        let end = try #require(spec.range(of: "```", range: start.upperBound..<spec.endIndex))
        return keys(in: String(spec[start.upperBound..<end.lowerBound]))
    }

    static func keys(in text: String) -> [String] {
        text.matches(of: #/"([a-z_]+)"\s*:/#).map { String($0.output.1) }
    }

    @Test("a status report renders exactly the keys of format-json.md, in order, with explicit nulls")
    func statusJSON() throws {
        let report = try PainCorpus.status(
            "moov-postfinance-pain002-epo_p_ch5109000000250092291_1110097605_0_2018031511252307.xml")
        let text = report.json.rendered()
        #expect(
            text
                == #"{"kind":"payment_status","format":"pain.002.001.03.ch.02","message_id":"20180315375204222822452","#
                + #""created_at":"2018-03-15T11:25:12","original_message_id":"MsgId-001","group_status":null,"#
                + #""payments":[{"original_payment_id":"PmtInfId-001-03","status":"PART","transactions":[{"#
                + #""original_end_to_end_id":"EndToEndId-001-03-04","original_instruction_id":"InstrId-001-03-04","#
                + #""status":"RJCT","reason":"AC01","additional_info":"1301813;Konto ungültig"}]}],"warnings":[]}"#)
        #expect(Self.keys(in: text) == (try Self.specKeys(after: "## Payment status")) + ["warnings"])
    }

    @Test("an initiation renders exactly the keys of format-json.md, in order, with explicit nulls")
    func initiationJSON() throws {
        let initiation = try PainCorpus.initiation("moov-International_payment_USD_naujas_1.xml")
        let text = initiation.json.rendered()
        #expect(
            text
                == #"{"kind":"payment_initiation","format":"pain.001.001.03","message_id":"MSGID0002","#
                + #""created_at":"2015-09-28T10:00:00","number_of_transactions":1,"control_sum":"111.11","#
                + #""initiating_party":"IMONE X","payments":[{"id":"201509280002","requested_execution_date":"2015-09-28","#
                + #""batch_booking":null,"debtor":{"name":"IMONE X","iban":"LT007180000000000000","account":null,"#
                + #""bic":"CBSBLT26XXX"},"transactions":[{"end_to_end_id":"EndToEndId0002","instruction_id":null,"#
                + #""amount":"111.11","currency":"USD","creditor":{"name":"COMPANY Z","iban":null,"account":"1234567890","#
                + #""bic":"BKTRUS33","country":null},"remittance":"Payment details"}]}],"warnings":[]}"#)
        #expect(Self.keys(in: text) == (try Self.specKeys(after: "## Payment initiation")) + ["warnings"])
    }

    // MARK: Files that do not add up

    @Test("a CtrlSum or NbOfTxs that does not match the transactions is a warning, not an error")
    func controlSumMismatch() throws {
        let original = try PainCorpus.text("pain001", "moov-sepa_payment_naujas_1.xml")
        #expect(try Pain001Reader.read(Data(original.utf8)).warnings.isEmpty)

        let wrongSum = original.replacingOccurrences(of: "<CtrlSum>99.99</CtrlSum>", with: "<CtrlSum>100.00</CtrlSum>")
        let summed = try Pain001Reader.read(Data(wrongSum.utf8))
        #expect(
            summed.warnings == [
                FormatWarning(
                    code: .controlSumMismatch, message: "PmtInf 1 (201708230001) CtrlSum 100.00 != sum of the 1 transaction amounts 99.99"),
                FormatWarning(code: .controlSumMismatch, message: "GrpHdr CtrlSum 100.00 != sum of the 1 transaction amounts 99.99"),
            ])
        #expect(summed.controlSum == ExactDecimal("100.00"), "the file is reported as it is")
        #expect(summed.json.rendered().contains(#""code":"control_sum_mismatch""#))

        // Only the group header wrong, in its count.
        let wrongCount = original.replacingOccurrences(
            of: "<NbOfTxs>1</NbOfTxs>\n      <CtrlSum>99.99</CtrlSum>\n      <InitgPty>",
            with: "<NbOfTxs>2</NbOfTxs>\n      <CtrlSum>99.99</CtrlSum>\n      <InitgPty>")
        #expect(wrongCount != original)
        let counted = try Pain001Reader.read(Data(wrongCount.utf8))
        #expect(counted.warnings == [FormatWarning(code: .recordCountMismatch, message: "GrpHdr NbOfTxs 2 != 1 transactions")])
        #expect(counted.numberOfTransactions == 2)

        // 1.5 and 1.50000 are the same control sum.
        let scaled = original.replacingOccurrences(of: "<CtrlSum>99.99</CtrlSum>", with: "<CtrlSum>99.990000000000</CtrlSum>")
        #expect(try Pain001Reader.read(Data(scaled.utf8)).warnings.isEmpty)
    }

    // MARK: Unreadable input

    @Test("input that is not a pain message, or not XML, is a FormatError with a location")
    func notAPainMessage() throws {
        let camt = #"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt/></Document>"#
        let camtError = try #require(readError { () throws(FormatError) in try Pain002Reader.read(Data(camt.utf8)) })
        #expect(camtError.code == .unknownFormat && camtError.location == "Document")
        #expect(camtError.message.contains("BkToCstmrStmt") && camtError.message.contains("line 1"))

        let initiation = try PainCorpus.data("pain001", "sepaking-pain.001.001.03.xml")
        let swapped = try #require(readError { () throws(FormatError) in try Pain002Reader.read(initiation) })
        #expect(swapped.code == .unknownFormat && swapped.location == "Document")
        #expect(swapped.message.contains("pain.001"))
        let status = try PainCorpus.data("pain002", "moov-valid_pain_v11.xml")
        let reversed = try #require(readError { () throws(FormatError) in try Pain001Reader.read(status) })
        #expect(reversed.code == .unknownFormat && reversed.message.contains("CstmrPmtStsRpt"))

        let other = try #require(readError { () throws(FormatError) in try Pain001Reader.read(Data("<html><body/></html>".utf8)) })
        #expect(other.code == .unknownFormat && other.location == "html")

        for input in ["", "not xml at all", "MSG-1;100.00;EUR\n", "<Document><CstmrCdtTrfInitn>"] {
            let error = try #require(readError { () throws(FormatError) in try Pain001Reader.read(Data(input.utf8)) })
            #expect(error.code == .malformed, "\(input)")
            #expect(error.location?.hasPrefix("line ") == true, "\(input)")
        }
    }

    @Test("a truncated file is malformed, with its line")
    func truncated() throws {
        let data = try PainCorpus.data("pain002", "hbci4java-pain.002.001.10-03.xml")
        let error = try #require(readError { () throws(FormatError) in try Pain002Reader.read(data.prefix(data.count / 2)) })
        #expect(error.code == .malformed)
        let line = try #require(error.location.flatMap { Int($0.dropFirst("line ".count)) })
        #expect(line > 10)
    }

    @Test("a file cut off after an end tag, with a mismatched end tag or with content after the document is malformed")
    func brokenStructure() throws {
        let text = try PainCorpus.text("pain002", "moov-valid_pain_v11.xml")
        let cutAt = try #require(text.range(of: "</GrpHdr>"))
        for broken in [
            String(text[..<cutAt.upperBound]),
            text.replacingOccurrences(of: "</MsgId>", with: "</MsgIdX>"),
            text + "<Document/>",
            text + "\ntrailing text",
            text.replacingOccurrences(of: "<MsgId>MsgId", with: "<MsgId>Msg&Id"),
        ] {
            let data = Data(broken.utf8)
            let error = try #require(readError { () throws(FormatError) in try Pain002Reader.read(data) })
            #expect(error.code == .malformed && error.location?.hasPrefix("line ") == true, "\(error)")
        }
        #expect(try Pain002Reader.read(Data((text + "\n<!-- end -->\n").utf8)).messageID == "MsgId")
    }

    @Test("bytes that are not UTF-8 in a UTF-8 file are refused, never trap (a Latin-1 ö in a comment)")
    func invalidUTF8() throws {
        var bytes = [UInt8](try PainCorpus.data("pain001", "sepaking-pain.001.001.03.ch.02.xml"))
        let umlaut: [UInt8] = [0xC3, 0xB6]
        let offset = try #require(bytes.indices.first { bytes[$0...].starts(with: umlaut) })
        bytes.replaceSubrange(offset..<(offset + 2), with: [0xF6])
        let line = bytes.prefix(offset).filter { $0 == 0x0A }.count + 1
        let error = try #require(readError { () throws(FormatError) in try Pain001Reader.read(Data(bytes)) })
        #expect(error.code == .unsupportedEncoding && error.location == "line \(line)")
    }

    @Test("a DTD or a misplaced XML declaration is refused with its line; processing instructions are read past")
    func unsafeMarkup() throws {
        let text = try PainCorpus.text("pain002", "moov-valid_pain_v11.xml")
        for insert in [
            "<!DOCTYPE Document [<!NOTATION n SYSTEM \"x\">]>\n",
            "<!DOCTYPE Document [<!ATTLIST Document a CDATA #IMPLIED>]>\n",
        ] {
            let data = Data((insert + text).utf8)
            let error = try #require(readError { () throws(FormatError) in try Pain002Reader.read(data) })
            #expect(error.code == .malformed && error.location == "line 1", "\(error)")
        }
        // The XML declaration must open the file: after anything else it is an error where it stands.
        let late = try #require(
            readError { () throws(FormatError) in
                try Pain002Reader.read(Data(("<?pi?>\n<?xml version=\"1.0\"?>\n" + text).utf8))
            })
        #expect(late.code == .malformed && late.location == "line 2" && late.message.contains("declaration"), "\(late)")
        // Processing instructions, with data or without, are read past.
        let inside = Data(text.replacingOccurrences(of: "<GrpHdr>", with: "<GrpHdr><?pi?>").utf8)
        #expect(try Pain002Reader.read(inside).messageID == "MsgId")
        let stylesheet = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet href=\"a.xsl\"?>\n" + text
        #expect(try Pain002Reader.read(Data(stylesheet.utf8)).messageID == "MsgId")
    }

    @Test("an ISO-8859-1 file is read; an encoding PayHub does not read is refused with a location")
    func encodings() throws {
        let text = try PainCorpus.text("pain001", "sepaking-pain.001.001.03.xml")
        func variant(_ encoding: String, name: String) -> String {
            text.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"\(encoding)\"")
                .replacingOccurrences(of: "<Nm>Creditor Name</Nm>", with: "<Nm>\(name)</Nm>")
        }
        let latin1 = try #require(variant("ISO-8859-1", name: "Müller Söhne").data(using: .isoLatin1))
        let initiation = try Pain001Reader.read(latin1)
        #expect(initiation.payments.first?.transactions.first?.creditor.name == "Müller Söhne")
        #expect(initiation.warnings.isEmpty)

        let ebcdic = Data(variant("EBCDIC-US", name: "X").utf8)
        let refused = try #require(readError { () throws(FormatError) in try Pain001Reader.read(ebcdic) })
        #expect(refused.code == .unsupportedEncoding && refused.location == "line 1")
    }

    /// `sepaking-pain.001.001.03.xml` with its first `old` replaced by `new`.
    static func edited(_ old: String, _ new: String) throws -> Data {
        var text = try PainCorpus.text("pain001", "sepaking-pain.001.001.03.xml")
        let range = try #require(text.range(of: old), "\(old) is in the file")
        text.replaceSubrange(range, with: new)
        return Data(text.utf8)
    }

    @Test(
        "unreadable values are errors naming the element and line",
        arguments: [
            (
                "<Amt>\n          <InstdAmt Ccy=\"EUR\">112.72</InstdAmt>\n        </Amt>", "", FormatError.Code.missingField,
                "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]"
            ),
            ("<InstdAmt Ccy=\"EUR\">112.72</InstdAmt>", "<Foo>1</Foo>", .missingField, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt"),
            ("112.72", "112,72", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt/InstdAmt"),
            ("112.72", "-112.72", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt/InstdAmt"),
            ("112.72", "112.720001", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt/InstdAmt"),
            ("112.72", "1e3", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt/InstdAmt"),
            ("112.72", "1234567890123456789", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt/InstdAmt"),
            ("112.72", "", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt/InstdAmt"),
            ("Ccy=\"EUR\">112", "Ccy=\"euro\">112", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[2]/Amt/InstdAmt"),
            ("2010-11-25", "2010-02-30", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/ReqdExctnDt"),
            ("2010-11-25", "25.11.2010", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/ReqdExctnDt"),
            ("<BtchBookg>true", "<BtchBookg>yes", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/BtchBookg"),
            ("<NbOfTxs>2", "<NbOfTxs>two", .invalidValue, "Document/CstmrCdtTrfInitn/GrpHdr/NbOfTxs"),
            ("<CtrlSum>6655.86", "<CtrlSum>6.655,86", .invalidValue, "Document/CstmrCdtTrfInitn/PmtInf/CtrlSum"),
        ] as [(String, String, FormatError.Code, String)])
    func unreadableValue(old: String, new: String, code: FormatError.Code, location: String) throws {
        let data = try Self.edited(old, new)
        let error = try #require(readError { () throws(FormatError) in try Pain001Reader.read(data) })
        #expect(error.code == code)
        #expect(error.location == location)
        #expect(error.message.contains("(line "), "\(error)")
    }

    @Test("ReqdExctnDt of 001.09 with a DtTm is its date; a date-time where a date belongs is read, noted")
    func dateChoices() throws {
        let dateTime = try Self.edited("<ReqdExctnDt>2010-11-25</ReqdExctnDt>", "<ReqdExctnDt><DtTm>2010-11-25T08:00:00+01:00</DtTm></ReqdExctnDt>")
        let read = try Pain001Reader.read(dateTime)
        #expect(read.payments.first?.requestedExecutionDate == "2010-11-25" && read.warnings.isEmpty)
        let deviating = try Pain001Reader.read(Self.edited("2010-11-25", "2010-11-25T08:00:00"))
        #expect(deviating.payments.first?.requestedExecutionDate == "2010-11-25")
        #expect(deviating.warnings.map(\.code) == [.schemaDeviation])
        let wrongChildData = try Self.edited("<ReqdExctnDt>2010-11-25<", "<ReqdExctnDt><Day>2010-11-25</Day><")
        let wrongChild = readError { () throws(FormatError) in try Pain001Reader.read(wrongChildData) }
        #expect(wrongChild?.location == "Document/CstmrCdtTrfInitn/PmtInf/ReqdExctnDt/Day")
    }

    // MARK: Never trap

    @Test("random truncations and byte flips of every file give a report or a located FormatError, never a trap")
    func mutationsNeverTrap() throws {
        var generator = SplitMix64(seed: 0x5041_494E)
        var parsed = 0
        var refused = 0
        for directory in ["pain001", "pain002"] {
            for name in PainCorpus.files(directory) {
                let original = [UInt8](try PainCorpus.data(directory, name))
                for round in 0..<120 {
                    var bytes = original
                    if round % 3 == 0 {
                        bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
                    } else {
                        for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
                            let index = Int.random(in: 0..<bytes.count, using: &generator)
                            bytes[index] = round % 3 == 1 ? UInt8.random(in: 0...255, using: &generator) : bytes[index] ^ 0x20
                        }
                    }
                    let data = Data(bytes)
                    for readsInitiation in [true, false] {
                        do throws(FormatError) {
                            let json: JSONValue =
                                readsInitiation ? try Pain001Reader.read(data).json : try Pain002Reader.read(data).json
                            _ = json.rendered()
                            parsed += 1
                        } catch {
                            refused += 1
                            #expect(error.location != nil, "\(name) round \(round): \(error)")
                        }
                    }
                }
            }
        }
        #expect(parsed > 0 && refused > 0)
    }

    @Test("amounts and control sums at the schema's limits neither trap nor lose a digit")
    func extremeAmounts() throws {
        let big = try Pain001Reader.read(Self.edited("6543.14", "9999999999999.99999"))
        #expect(big.payments.first?.transactions.first?.amount == ExactDecimal("9999999999999.99999"))
        #expect(big.payments.first?.transactions.first.map { $0.amount.formatted(minimumScale: 2) } == "9999999999999.99999")
        // The PmtInf CtrlSum (6655.86) no longer matches: a warning, computed without overflow.
        #expect(big.warnings.map(\.code) == [.controlSumMismatch])
        let manyPlaces = try Pain001Reader.read(Self.edited("<CtrlSum>6655.86", "<CtrlSum>-999999.999999999999"))
        #expect(manyPlaces.warnings.map(\.code) == [.controlSumMismatch])
        let tooManyPlacesData = try Self.edited("<CtrlSum>6655.86", "<CtrlSum>1.0000000000001")
        let tooManyPlaces = readError { () throws(FormatError) in try Pain001Reader.read(tooManyPlacesData) }
        #expect(tooManyPlaces?.code == .invalidValue)
    }
}
