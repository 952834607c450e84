import Foundation

/// How invoice numbers are compared when looking for duplicate payments.
///
/// The same invoice reaches PayHub written differently: re-keyed by a clerk as `inv 1` instead of
/// `INV-0001`, exported by a Chinese ERP in full-width characters (`ＩＮＶ－００１`), or padded to a fixed
/// width by one ERP and not by another. ``normalised(_:)`` removes exactly those differences and no more.
///
/// What it deliberately does **not** do, because each would merge numbers that name different documents:
/// - strip prefixes such as `INV`, `RE` or `Rechnung`: a vendor's `CN-12` (credit note) and `INV-12` are
///   two documents, and a prefix can be indistinguishable from a meaningful part of the number;
/// - remove zeros inside a number (`INV-10` is not `INV-1`) or at the end;
/// - remove diacritics (`É` stays distinct from `E`) or translate between scripts.
///
/// Numbers that differ by those things, or by a typo, are still found by the detector's weaker match on
/// vendor, amount and date (see ``DuplicatePolicy``), with ``editDistance(_:_:maximum:)`` as the measure.
public enum InvoiceNumber {
    /// The comparison form of an invoice number: equal forms mean "the same number, written differently".
    ///
    /// Step by step:
    /// 1. Unicode compatibility normalisation (NFKC): full-width `ＩＮＶ００１` becomes `INV001`, the ideographic
    ///    space a space, `①` a `1`. Other scripts' decimal digits (Arabic-Indic `٣`, Devanagari `३`) become
    ///    ASCII digits.
    /// 2. Letters are upper-cased (`inv` and `INV` compare equal; `ß` becomes `SS`).
    /// 3. Everything that is not a letter, a combining mark or a digit is dropped: spaces, `-`, `/`, `.`,
    ///    `_`, `#`, `:`, brackets, `№`, symbols.
    /// 4. Leading zeros are dropped from each run of digits *of the result*, keeping one `0` for a run of
    ///    zeros only: `INV-0001` → `INV1`, `0042` → `42`, `000` → `0`.
    ///
    /// Runs of digits are counted after step 3 on purpose: removing punctuation must not change what
    /// counts as a leading zero, so that `2024-001` and `2024001` (the same number, once with and once
    /// without its separator) stay equal. The price is that `2024-0001` and `2024-001` differ: zeros in
    /// the middle of a number are significant. The weak match on vendor, amount and date still finds them.
    ///
    /// Returns the empty string when the text has no letters or digits at all (`"-"`, `"#"`): such a
    /// number carries no information and never matches another.
    public static func normalised(_ text: String) -> String {
        var output = NormalisedBuilder()
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // The common case, byte by byte: normalisation runs for every candidate put into an index.
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): output.appendDigit(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): output.appendLetter(Unicode.Scalar(byte))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): output.appendLetter(Unicode.Scalar(byte - 32))
                default: continue
                }
            }
            return output.finish()
        }
        for scalar in text.precomposedStringWithCompatibilityMapping.unicodeScalars {
            let properties = scalar.properties
            if properties.numericType == .decimal, let value = properties.numericValue, (0...9).contains(value) {
                output.appendDigit(UInt8(value))
                continue
            }
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                for upper in properties.uppercaseMapping.unicodeScalars { output.appendLetter(upper) }
            case .nonspacingMark, .spacingMark, .enclosingMark:
                // Part of the letter before it in many scripts (Devanagari vowel signs); dropping it would
                // merge different words.
                output.appendLetter(scalar)
            default:
                continue
            }
        }
        return output.finish()
    }

    /// The optimal-string-alignment distance between two normalised numbers (insertions, deletions,
    /// substitutions and swaps of two neighbouring characters each count one), or nil when it is greater
    /// than `maximum`.
    ///
    /// Bounded on purpose: only cells within `maximum` of the diagonal are computed, so the cost is
    /// proportional to the length times `maximum`, whatever the lengths. Empty strings have no distance
    /// (nil): an empty normalised number carries no information.
    public static func editDistance(_ first: String, _ second: String, maximum: Int) -> Int? {
        guard maximum >= 0, !first.isEmpty, !second.isEmpty else { return nil }
        let a = Array(first.unicodeScalars)
        let b = Array(second.unicodeScalars)
        guard abs(a.count - b.count) <= maximum else { return nil }
        if a == b { return 0 }
        let beyond = maximum + 1
        // Three rows of the dynamic programme: two back (for swaps), previous, current.
        var twoBack = [Int](repeating: beyond, count: b.count + 1)
        var previous = [Int](repeating: beyond, count: b.count + 1)
        var current = [Int](repeating: beyond, count: b.count + 1)
        for column in 0...min(b.count, maximum) { previous[column] = column }
        for row in 1...a.count {
            for index in current.indices { current[index] = beyond }
            if row <= maximum { current[0] = row }
            let low = max(1, row - maximum)
            let high = min(b.count, row + maximum)
            var rowMinimum = current[0]
            if low <= high {
                for column in low...high {
                    let cost = a[row - 1] == b[column - 1] ? 0 : 1
                    var best = min(previous[column - 1] + cost, previous[column] + 1, current[column - 1] + 1)
                    if row > 1, column > 1, a[row - 1] == b[column - 2], a[row - 2] == b[column - 1] {
                        best = min(best, twoBack[column - 2] + 1)
                    }
                    current[column] = min(best, beyond)
                    rowMinimum = min(rowMinimum, current[column])
                }
            }
            // Every later row is at least this row's minimum: stop as soon as the bound is passed.
            if rowMinimum > maximum { return nil }
            swap(&twoBack, &previous)
            swap(&previous, &current)
        }
        let distance = previous[b.count]
        return distance <= maximum ? distance : nil
    }
}

/// Builds a normalised number scalar by scalar, dropping the leading zeros of each run of digits.
private struct NormalisedBuilder {
    private var scalars = String.UnicodeScalarView()
    /// Whether the run of digits being read has had a non-zero digit yet.
    private var inSignificantDigits = false
    /// Whether the current run of digits began with zeros that were dropped.
    private var droppedZero = false

    mutating func appendDigit(_ value: UInt8) {
        if !inSignificantDigits && value == 0 {
            droppedZero = true
            return
        }
        inSignificantDigits = true
        scalars.append(Unicode.Scalar(UInt8(ascii: "0") + value))
    }

    mutating func appendLetter(_ scalar: Unicode.Scalar) {
        endDigitRun()
        scalars.append(scalar)
    }

    mutating func finish() -> String {
        endDigitRun()
        return String(scalars)
    }

    /// A run made only of zeros keeps one: `INV-000` is `INV0`, not `INV`.
    private mutating func endDigitRun() {
        if droppedZero && !inSignificantDigits { scalars.append("0") }
        inSignificantDigits = false
        droppedZero = false
    }
}
