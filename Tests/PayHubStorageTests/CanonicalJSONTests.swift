import Foundation
import PayHubDomain
import PayHubStorage
import PayHubTesting
import Testing

/// The hand-written JSON and timestamps of the hot path give exactly the bytes Foundation's encoders give.
@Suite("Canonical JSON")
struct CanonicalJSONTests {
    /// Text with everything JSON must escape, and what it must leave alone.
    static let awkward = [
        "plain", "Müller & Söhne GmbH", "上海浦东发展银行", "quote \" inside", "back\\slash", "a/b/c", "line\nbreak",
        "tab\there", "bell\u{07}", "nul\u{00}", "emoji 💶", "CR\r", "\u{1F}", "",
    ]

    @Test("a payable's JSON is byte for byte what JSONEncoder writes, whatever its text")
    func payableJSONMatchesEncoder() throws {
        var generator = SeededGenerator(seed: 20261129)
        var fixtures = Fixtures()
        let entity = fixtures.entity()
        let vendor = fixtures.vendor(of: entity)
        for round in 0..<500 {
            let text = { (generator: inout SeededGenerator) in
                Self.awkward[Int(generator.next() % UInt64(Self.awkward.count))]
                    + Self.awkward[Int(generator.next() % UInt64(Self.awkward.count))]
            }
            var payable = fixtures.payable(
                of: vendor, amount: "\(generator.next() % 10_000_000).\(generator.next() % 100)",
                source: "sap" + text(&generator), externalID: "X" + text(&generator) + String(round))
            payable.invoiceNumber = String(("I" + text(&generator)).prefix(60))
            payable.createdAt = Date(timeIntervalSince1970: Double(generator.next() % 4_000_000_000_000) / 1000)
            #expect(PayableResource.canonicalJSON(payable) == CanonicalJSON.string(PayableResource(payable)))
            #expect(
                AuditSnapshot.of(payable)
                    == CanonicalJSON.object([
                        "id": payable.id.rawValue, "entity_id": payable.entityID.rawValue,
                        "vendor_id": payable.vendorID.rawValue, "invoice_number": payable.invoiceNumber,
                        "invoice_date": payable.invoiceDate.iso8601, "due_date": payable.dueDate.iso8601,
                        "amount": payable.amount.decimalString, "currency": payable.amount.currency.code,
                        "source": payable.source.system, "external_id": payable.source.externalID,
                        "state": payable.state.rawValue,
                    ]))
        }
    }

    @Test("timestamps match Foundation's ISO 8601 style, and a stored millisecond reads back as itself")
    func timestampsMatchFoundation() {
        var generator = SeededGenerator(seed: 42)
        var milliseconds: [Int64] = [0, 1, 999, 1000, 86_399_999, 951_782_400_000, 4_102_444_799_999, -1, -86_400_001]
        for _ in 0..<2000 { milliseconds.append(Int64(generator.next() % 8_000_000_000_000) - 1_000_000_000_000) }
        for value in milliseconds {
            // Half a millisecond in, where no floating-point rounding can tip the millisecond either way.
            let inside = Date(timeIntervalSince1970: (Double(value) + 0.5) / 1000)
            #expect(
                Timestamp.iso8601(inside) == inside.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                "\(value)")
            // A time read from the database is whole milliseconds over 1000, often a hair below the exact
            // value; Foundation's style then shows the millisecond before. PayHub's shows the stored one.
            let stored = Timestamp.iso8601(StoredTime.date(value))
            #expect(StoredTime.milliseconds(StoredTime.date(value)) == value)
            let expectedMillis = String(format: "%03lld", ((value % 1000) + 1000) % 1000)
            #expect(stored.hasSuffix(".\(expectedMillis)Z"), "\(value): \(stored)")
        }
    }
}
