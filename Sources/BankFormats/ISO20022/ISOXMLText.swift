/// A small indented XML text builder for the ISO 20022 writers; every text value is escaped.
struct ISOXMLText {
    var text = ""

    init() { text.reserveCapacity(4096) }

    mutating func raw(_ string: String) { text += string }

    mutating func indent(_ level: Int) {
        for _ in 0..<level { text += "  " }
    }

    mutating func open(_ tag: String, _ level: Int) {
        indent(level)
        text += "<" + tag + ">\n"
    }

    mutating func close(_ tag: String, _ level: Int) {
        indent(level)
        text += "</" + tag + ">\n"
    }

    mutating func leaf(_ tag: String, _ value: String, _ level: Int, attributes: String = "") {
        indent(level)
        text += "<" + tag + attributes + ">"
        escape(value)
        text += "</" + tag + ">\n"
    }

    mutating func escape(_ value: String) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case ">": text += "&gt;"
            case "\"": text += "&quot;"
            case "'": text += "&apos;"
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    /// Four capital letters or digits: an ISO external code (`AC01`, `AM04`).
    static func isISOCode(_ value: String) -> Bool {
        value.unicodeScalars.count == 4
            && value.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    /// No character XML 1.0 cannot carry (controls other than tab/newline are refused too, as in pain.001).
    static func isXMLText(_ value: String) -> Bool {
        !value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0xFFFE...0xFFFF).contains($0.value) }
    }

    /// `text` cut at spaces into pieces of at most `max` characters that joined by one space give `text`
    /// back; nil when a piece cannot be made (a word longer than `max`, or a space at a cut's edge).
    static func split(_ text: String, max: Int) -> [String]? {
        guard text.count > max else { return [text] }
        var pieces: [String] = []
        var rest = Substring(text)
        while rest.count > max {
            let window = rest.prefix(max + 1)
            guard let space = window.lastIndex(of: " ") else { return nil }
            let piece = rest[..<space]
            rest = rest[rest.index(after: space)...]
            guard !piece.isEmpty, !piece.hasPrefix(" "), !piece.hasSuffix(" ") else { return nil }
            pieces.append(String(piece))
        }
        guard !rest.isEmpty, !rest.hasPrefix(" ") else { return nil }
        pieces.append(String(rest))
        return pieces
    }
}
