import Foundation

/// How alike two counterparty names are, 0…1, tolerant of the typos and truncations banks introduce.
///
/// Jaro-Winkler (the sanctions scorer's, ``SanctionsNameScorer/jaroWinkler(_:_:)``) on a normal form (upper case, letters and digits, single spaces): a statement often
/// carries `MUELLER GMBH` for `Müller GmbH` or cuts a name at 35 characters, and Jaro-Winkler rewards a
/// common beginning. Cost O(n × m) for two names of n and m characters (names are short).
public enum CounterpartyName {
    public static func similarity(_ first: String, _ second: String) -> Double {
        SanctionsNameScorer.jaroWinkler(normalised(first), normalised(second))
    }

    /// Upper case ASCII letters and digits with single spaces; umlauts written out (`Ü` → `UE`), other
    /// diacritics dropped, so a bank's ASCII transliteration compares equal.
    static func normalised(_ name: String) -> String {
        var output: [UInt8] = []
        var pendingSpace = false
        for character in name.uppercased() {
            let replacement: String
            switch character {
            case "Ä": replacement = "AE"
            case "Ö": replacement = "OE"
            case "Ü": replacement = "UE"
            case "ß": replacement = "SS"
            default:
                replacement = String(character).folding(options: [.diacriticInsensitive], locale: nil)
            }
            for byte in replacement.utf8 {
                if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                {
                    if pendingSpace && !output.isEmpty { output.append(UInt8(ascii: " ")) }
                    pendingSpace = false
                    output.append(byte)
                } else {
                    pendingSpace = true
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
