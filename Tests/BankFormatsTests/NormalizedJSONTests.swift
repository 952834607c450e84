import BankFormats
import Foundation
import PayHubDomain
import Testing

@Suite("Normalised JSON")
struct NormalizedJSONTests {
    func statement(opening: String, entries: [String], closing: String) -> StatementDocument {
        StatementDocument(
            format: "camt.053.001.08", messageID: "MSG-1",
            statements: [
                Statement(
                    id: "STMT-1", account: StatementAccount(iban: "DE89370400440532013000"), currency: "EUR",
                    openingBalance: StatementBalance(amount: ExactDecimal(opening)!, date: "2024-01-01"),
                    closingBalance: StatementBalance(amount: ExactDecimal(closing)!, date: "2024-01-02"),
                    entries: entries.map { StatementEntry(amount: ExactDecimal($0)!, endToEndIDs: ["E2E-1"]) })
            ])
    }

    @Test("a statement renders every key of format-json.md, in order, with explicit nulls")
    func statementShape() throws {
        var document = statement(opening: "1234.56", entries: ["-100", "0.12345"], closing: "1134.68345")
        document.checkBalances()
        #expect(document.warnings.isEmpty)
        let text = document.json.rendered()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["kind", "format", "message_id", "created_at", "statements", "warnings"])
        #expect(text.hasPrefix(#"{"kind":"statement","format":"camt.053.001.08","message_id":"MSG-1","created_at":null"#))
        let entry = try #require(((object["statements"] as? [[String: Any]])?.first?["entries"] as? [[String: Any]])?.first)
        #expect(
            Set(entry.keys) == [
                "amount", "currency", "booking_date", "value_date", "status", "reversal", "bank_reference",
                "customer_reference", "end_to_end_ids", "counterparty", "remittance", "transaction_code",
                "return_reason", "details_count",
            ])
        #expect(entry["amount"] as? String == "-100.00", "the currency's places at least")
        #expect(text.contains(#""amount":"0.12345""#), "more places when the file has them")
        #expect(entry["currency"] as? String == "EUR", "an entry inherits the statement's currency")
    }

    @Test("balances that do not add up are reported, not hidden")
    func balanceMismatch() {
        var document = statement(opening: "100.00", entries: ["25.00"], closing: "130.00")
        document.checkBalances()
        #expect(document.warnings.count == 1)
        #expect(document.warnings.first?.code == .balanceMismatch && document.warnings.first?.statement == 0)
        #expect(document.warnings.first?.message == "opening 100.00 + entries 25.00 != closing 130.00")
    }

    @Test("strings are escaped, including control characters and quotes")
    func escaping() {
        let value = JSONValue.object([("text", .string("a\"b\\c\n\u{01}中文"))])
        #expect(value.rendered() == #"{"text":"a\"b\\c\n\u0001中文"}"#)
        #expect(JSONValue.array([]).rendered(pretty: true) == "[]")
    }
}
