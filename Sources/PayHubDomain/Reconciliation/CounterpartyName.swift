import Foundation

/// How alike two counterparty names are, 0…1, tolerant of the typos and truncations banks introduce.
///
/// Jaro-Winkler (the sanctions scorer's, ``SanctionsNameScorer/jaroWinkler(_:_:)``) on a normal form (upper
/// case, letters and digits, single spaces): a statement often carries `MUELLER GMBH` for `Müller GmbH` or
/// cuts a name at 35 characters, and Jaro-Winkler rewards a common beginning. Cost O(n × m) for two names of
/// n and m characters (names are short).
///
/// Returned in thousandths (0…1000) so that thresholds, ties and results compare exactly and nothing in the
/// reconciliation code holds a floating-point value; the floating point stays inside the sanctions scorer.
public enum CounterpartyName {
    public static func similarityPerMille(_ first: String, _ second: String) -> Int {
        similarityPerMille(normalised: normalised(first), normalised(second))
    }

    static func similarityPerMille(normalised first: String, _ second: String) -> Int {
        SanctionsNameScorer.jaroWinklerPerMille(first, second)
    }

    /// Upper case ASCII letters and digits with single spaces; umlauts written out (`Ü` → `UE`), other
    /// diacritics dropped, so a bank's ASCII transliteration compares equal.
    static func normalised(_ name: String) -> String {
        // Most names are ASCII already: transliterating costs a Foundation call, so only the others pay it.
        var text = name
        if !name.utf8.allSatisfy({ $0 < 0x80 }) {
            var written = ""
            for character in name {
                switch character {
                case "Ä", "ä": written += "AE"
                case "Ö", "ö": written += "OE"
                case "Ü", "ü": written += "UE"
                case "ß": written += "SS"
                default: written.append(character)
                }
            }
            text = written.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(upper)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(upper)
            {
                if pendingSpace && !output.isEmpty { output.append(UInt8(ascii: " ")) }
                pendingSpace = false
                output.append(upper)
            } else {
                pendingSpace = true
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
