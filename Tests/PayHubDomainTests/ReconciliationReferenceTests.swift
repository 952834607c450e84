import Foundation
import Testing

@testable import PayHubDomain

@Suite("Reconciliation references")
struct ReconciliationReferenceTests {
    /// Valid examples from ISO 11649 and the EPC guidance, printed and electronic.
    @Test(arguments: [
        ("RF18 5390 0754 7034", "RF18539007547034"),
        ("RF18000000000539007547034", "RF18000000000539007547034"),
        ("rf45 g72u ur", "RF45G72UUR"),
        ("RF6518K5", "RF6518K5"),
        ("RF471234567890", "RF471234567890"),
    ])
    func validCreditorReferences(text: String, electronic: String) {
        #expect(CreditorReference.validated(text) == electronic)
    }

    @Test(arguments: [
        "RF19539007547034",  // wrong check digits
        "RF18539007547035",  // body changed
        "RF35C4",
        "RF18",  // no body
        "XX18539007547034",
        "RF18-5390-0754-7034",  // only spaces may separate the groups
        "RF18539007547034539007547034",  // longer than 25
    ])
    func invalidCreditorReferences(text: String) {
        #expect(CreditorReference.validated(text) == nil)
    }

    @Test func creditorReferenceCheckDigitsAreComputed() {
        #expect(CreditorReference.withCheckDigits(body: "539007547034") == "RF18539007547034")
        #expect(CreditorReference.withCheckDigits(body: "G72UUR") == "RF45G72UUR")
        #expect(CreditorReference.withCheckDigits(body: "") == nil)
        #expect(CreditorReference.withCheckDigits(body: "A-1") == nil)
    }

    @Test func creditorReferencesAreFoundInFreeText() {
        let text = "Zahlung RF18 5390 0754 7034, Rechnung 12; also rf45g72uur and RF19 5390 0754 7034 (wrong)"
        #expect(CreditorReference.references(in: text) == ["RF18539007547034", "RF45G72UUR"])
        #expect(CreditorReference.references(in: "RFID tag 123").isEmpty)
        // RF064512598THANKYOU passes the check by chance: only printed groups are joined.
        #expect(CreditorReference.validated("RF064512598THANKYOU") != nil)
        #expect(CreditorReference.references(in: "Payment RF06 4512 598 thank you") == ["RF064512598"])
    }

    /// The QR-bill example of the Swiss Implementation Guidelines, and its neighbours.
    @Test(arguments: [
        ("21 00000 00003 13947 14300 09017", true),
        ("210000000003139471430009017", true),
        ("120000000000234478943216899", true),
        ("000000000000000000000000000", true),
        ("210000000003139471430009018", false),
        ("21000000000313947143000901", false),  // 26 digits
        ("21000000000313947143000901A", false),
    ])
    func swissQRReferences(text: String, isValid: Bool) {
        #expect((SwissQRReference.validated(text) != nil) == isValid)
    }

    @Test func swissQRCheckDigitAndExtraction() {
        #expect(SwissQRReference.checkDigit(of: "21000000000313947143000901") == 7)
        #expect(SwissQRReference.withCheckDigit("21000000000313947143000901") == "210000000003139471430009017")
        #expect(
            SwissQRReference.references(in: "QR-Rechnung 21 00000 00003 13947 14300 09017 danke")
                == ["210000000003139471430009017"])
        #expect(SwissQRReference.references(in: "21 00000 00003 13947 14300 09018").isEmpty)
    }

    @Test func counterpartyNamesCompareTransliteratedAndTyped() {
        #expect(CounterpartyName.similarityPerMille("Müller Maschinenbau GmbH", "MUELLER MASCHINENBAU GMBH") == 1000)
        #expect(CounterpartyName.similarityPerMille("Müller Maschinenbau GmbH", "MUELLER MASCHXNENBAU GMBH") > 900)
        #expect(CounterpartyName.similarityPerMille("Müller Maschinenbau GmbH", "Okafor Foods Ltd") < 700)
        #expect(CounterpartyName.normalised("Société Générale, S.A.") == "SOCIETE GENERALE S A")
        #expect(CounterpartyName.normalised("Straße & Söhne") == "STRASSE SOEHNE")
        #expect(CounterpartyName.normalised("  -- ") == "")
    }
}
