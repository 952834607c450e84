import Foundation
import Testing

@testable import PayHubDomain

@Suite("Invoice numbers")
struct InvoiceNumberTests {
    @Test(
        "the normalised form drops case, spacing, punctuation, width and leading zeros",
        arguments: [
            ("INV-0001", "INV1"),
            ("inv 1", "INV1"),
            ("ＩＮＶ－００１", "INV1"),
            ("  AB_12#  ", "AB12"),
            ("INV/2024/001", "INV2024001"),
            ("2024-001", "2024001"),
            ("0042", "42"),
            ("000", "0"),
            ("INV-000", "INV0"),
            ("A0B00C007", "A0B0C7"),
            ("10", "10"),
            ("INV-10", "INV10"),
            ("Nr. 7 (Kopie)", "NR7KOPIE"),
            ("№ 12", "NO12"),
            ("٣٤٥", "345"),
            ("发票　No.0012", "发票NO12"),
            ("Straße-1", "STRASSE1"),
            ("É-01", "É1"),
            ("①②", "12"),
            ("-", ""),
            ("", ""),
            ("# / .", ""),
        ])
    func normalisedForm(text: String, expected: String) {
        #expect(InvoiceNumber.normalised(text) == expected)
    }

    @Test(
        "written differently, the same number",
        arguments: [
            ("INV-0001", "inv 1"), ("ＩＮＶ－００１", "INV-1"), ("inv_2024/001", "INV 2024001"), ("RE 0815", "re-815"),
            ("ＡＢ１２３", "ab 123"), ("INV 1", "INV-01"),
        ])
    func sameNumber(first: String, second: String) {
        #expect(InvoiceNumber.normalised(first) == InvoiceNumber.normalised(second))
    }

    @Test(
        "not over-normalised: these name different documents",
        arguments: [
            ("INV-10", "INV-1"), ("INV-100", "INV-1"), ("INV-1", "RE-1"), ("CN-12", "INV-12"), ("Rechnung 5", "5"),
            ("É1", "E1"), ("2024-0001", "2024-001"), ("INV-1A", "INV-1"), ("INV-1", "INV-1-0"),
        ])
    func differentNumbers(first: String, second: String) {
        #expect(InvoiceNumber.normalised(first) != InvoiceNumber.normalised(second))
    }

    @Test("normalising twice changes nothing")
    func idempotent() {
        var random = SplitMix64(seed: 0x1D3)
        let alphabet = Array("aB0019-/ .#_ＩＮ０１发票é٣")
        for _ in 0..<3_000 {
            let text = String(
                (0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let once = InvoiceNumber.normalised(text)
            #expect(InvoiceNumber.normalised(once) == once, "text \(text.debugDescription)")
        }
    }

    @Test(
        "edit distance: insertions, deletions, substitutions and neighbour swaps count one",
        arguments: [
            ("INV1021", "INV1012", 1, 1 as Int?), ("INV1", "INV12", 1, 1), ("ABC", "ABD", 1, 1), ("AB", "AB", 1, 0),
            ("ABCD", "BADC", 2, 2), ("ABCD", "BADC", 1, nil), ("ABC", "XYZ", 2, nil), ("A", "ABCD", 2, nil),
            ("", "A", 3, nil), ("", "", 3, nil), ("INV1", "INV1", 0, 0), ("INV1", "INV2", 0, nil),
        ])
    func editDistance(first: String, second: String, maximum: Int, expected: Int?) {
        #expect(InvoiceNumber.editDistance(first, second, maximum: maximum) == expected)
        #expect(InvoiceNumber.editDistance(second, first, maximum: maximum) == expected)
    }

    @Test("the bounded edit distance agrees with the full dynamic programme")
    func editDistanceAgreesWithReference() {
        let seed: UInt64 = 0xED17
        var random = SplitMix64(seed: seed)
        let alphabet = Array("AB12")
        for iteration in 0..<5_000 {
            let first = String(
                (0..<Int.random(in: 1...9, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let second = String(
                (0..<Int.random(in: 1...9, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let maximum = Int.random(in: 0...3, using: &random)
            let reference = Self.optimalStringAlignment(Array(first), Array(second))
            let expected = reference <= maximum ? reference : nil
            let actual = InvoiceNumber.editDistance(first, second, maximum: maximum)
            #expect(actual == expected, "seed \(seed) iteration \(iteration): \(first) / \(second), maximum \(maximum)")
            if actual != expected { break }
        }
    }

    /// The textbook full-table optimal string alignment distance, as the reference.
    static func optimalStringAlignment(_ a: [Character], _ b: [Character]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
