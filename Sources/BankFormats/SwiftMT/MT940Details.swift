import PayHubDomain

/// One physical line of `:86:` text.
struct MTDetailLine: Sendable {
    let bytes: ArraySlice<UInt8>
    /// The whole line's length in characters, tag included.
    let physicalLength: Int
}

/// A keyword (German SEPA `EREF+`) or tag (Dutch `/EREF/`) of `:86:` and its value.
struct MTKeyword: Sendable, Hashable {
    let key: String
    let value: String
}

/// `:86:` "information to account owner", read in the three layouts banks use.
///
/// - **German** (DK / ZKA structured form): a three-digit GVC (Geschäftsvorfallcode), then subfields
///   `?nn` (Triodos writes `>nn`): `?00` posting text, `?10` primanota, `?20`–`?29` and `?60`–`?63`
///   purpose, `?30` bank code or BIC, `?31` account, `?32`/`?33` name, `?34` text key extension, `?38`
///   IBAN. The purpose may carry SEPA keywords: `EREF+`, `KREF+`, `MREF+`, `CRED+`, `DEBT+`, `SVWZ+`,
///   `ABWA+`, `ABWE+`, `IBAN+`, `BIC+`, `COAM+`, `OAMT+`, `PURP+`.
/// - **Dutch** (ING, Rabobank, ABN AMRO, Mollie): `/TAG/value` with `/EREF/`, `/CNTP/account/bic/name/
///   city/`, `/REMI/`, `/RTRN/` (return reason), `/NAME/`, `/IBAN/`, `/BIC/` and more.
/// - **Free text**, everything else.
///
/// Lines are joined without a separator: banks wrap at 65 characters in the middle of words and even
/// inside a `?nn` marker. Only free text is joined with a space after a line shorter than 65
/// characters, which was a deliberate line break rather than a wrap. German purpose and name subfields
/// are joined the same way at their 27-character width. Values are trimmed; names and remittance have
/// runs of blanks collapsed into one space.
struct MT940Details: Sendable, Hashable {
    enum Layout: String, Sendable, Hashable {
        case german, dutch, freeText
    }

    var layout: Layout
    /// Geschäftsvorfallcode of the German layout (`166`, `835`).
    var gvc: String?
    /// German `?00` (`GUTSCHRIFT`, `SEPA-UEBERW`).
    var postingText: String?
    /// German `?20`–`?29`, `?60`–`?63` joined, as written.
    var purpose: String?
    /// SEPA keywords (German) or tags (Dutch), in the order written.
    var keywords: [MTKeyword] = []
    var counterparty: Counterparty?
    var remittance: String?
    var endToEndIDs: [String] = []
    var returnReason: String?

    static let sepaKeywords: [[UInt8]] = [
        "EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "IBAN", "BIC", "COAM", "OAMT", "PURP",
    ].map { Array($0.utf8) }

    /// Whether a byte starts any of ``sepaKeywords``: most bytes of a purpose do not, and are passed over
    /// without comparing them with every keyword.
    static let startsSEPAKeyword: [Bool] = (0...255).map { byte in sepaKeywords.contains { $0[0] == byte } }

    static let dutchTags: Set<String> = [
        "EREF", "CREF", "MARF", "CSID", "CNTP", "REMI", "PURP", "ULTC", "ULTD", "ULTB", "BENM", "ORDP", "NAME",
        "ADDR", "ISDT", "IBAN", "BIC", "TRTP", "PREF", "RTRN", "SUM", "TRCD", "IREF", "ACCW", "BUSP", "SVCL",
        "CHGS", "EXCH", "OCMT", "COAM",
    ]

    static func parse(_ lines: [MTDetailLine]) -> MT940Details {
        var joined: [UInt8] = []
        joined.reserveCapacity(lines.reduce(0) { $0 + $1.bytes.count })
        for line in lines { joined += line.bytes }
        var start = 0
        while start < joined.count, joined[start].mtBlank { start += 1 }
        if let details = german(joined, from: start) { return details }
        if let details = dutch(joined, from: start) { return details }
        return freeText(lines, joined: joined, from: start)
    }

    // MARK: German

    /// The purpose subfields, in the order their text runs: `?20`–`?29`, then `?60`–`?63`.
    private static let purposeKeys = Array(20...29) + Array(60...63)

    private static func german(_ bytes: [UInt8], from start: Int) -> MT940Details? {
        var index = start
        var gvc: String?
        func isMarker(_ position: Int, _ separator: UInt8) -> Bool {
            position + 2 < bytes.count && bytes[position] == separator && bytes[position + 1].mtDigit
                && bytes[position + 2].mtDigit
        }
        let separator: UInt8
        if start + 5 < bytes.count, bytes[start].mtDigit, bytes[start + 1].mtDigit, bytes[start + 2].mtDigit,
            isMarker(start + 3, UInt8(ascii: "?")) || isMarker(start + 3, UInt8(ascii: ">"))
        {
            gvc = MTText.string(bytes[start..<(start + 3)])
            separator = bytes[start + 3]
            index = start + 3
        } else if isMarker(start, UInt8(ascii: "?")) {
            separator = UInt8(ascii: "?")
        } else {
            return nil
        }
        var ranges: [(key: Int, range: Range<Int>)] = []
        ranges.reserveCapacity(16)
        while index < bytes.count, isMarker(index, separator) {
            let key = Int(bytes[index + 1] - 0x30) * 10 + Int(bytes[index + 2] - 0x30)
            index += 3
            let valueStart = index
            while index < bytes.count, !isMarker(index, separator) { index += 1 }
            ranges.append((key, valueStart..<index))
        }
        /// A subfield's text; a repeated subfield continues the first.
        // A slice of the field, copied only when the subfield repeats (which is rare).
        func subfield(_ key: Int) -> ArraySlice<UInt8>? {
            var value: ArraySlice<UInt8>?
            for entry in ranges where entry.key == key {
                if let earlier = value { value = (Array(earlier) + bytes[entry.range])[...] } else { value = bytes[entry.range] }
            }
            return value
        }
        var details = MT940Details(layout: .german, gvc: gvc)
        details.postingText = subfield(0).flatMap { MTText.collapsed($0) }
        // A purpose subfield holds 27 characters. SEPA text (after `SVWZ+` and the other keywords) is
        // cut into subfields wherever it reaches the limit, often inside a word, so it is joined
        // without a separator. In other purposes a subfield shorter than 27 characters ended where its
        // line of text ended, and a space follows it; a reference keyword's value ends there too.
        var joined: [UInt8] = []
        var spaced: [UInt8] = []
        var lineEnds: [Int] = []
        var previousWasFull = true
        for key in Self.purposeKeys {
            guard let value = subfield(key) else { continue }
            if !joined.isEmpty, !previousWasFull {
                lineEnds.append(joined.count)
                spaced.append(0x20)
            }
            joined += value
            spaced += value
            previousWasFull = characterCount(value) >= 27
        }
        let (_, keywords) = sepaKeywords(in: joined, lineEnds: lineEnds)
        details.purpose = keywords.isEmpty ? MTText.nonEmpty(spaced[...]) : MTText.nonEmpty(joined[...])
        details.keywords = keywords
        details.endToEndIDs = endToEndIDs(keywords.filter { $0.key == "EREF" }.map(\.value))
        if let svwz = keywords.first(where: { $0.key == "SVWZ" }) {
            details.remittance = MTText.collapsed(svwz.value)
        } else {
            details.remittance = MTText.collapsed(spaced)
        }

        var nameBytes = Array(subfield(32) ?? [])
        if let more = subfield(33) {
            if !nameBytes.isEmpty, characterCount(nameBytes) < 27 { nameBytes.append(0x20) }
            nameBytes += more
        }
        let name = MTText.collapsed(nameBytes)
        // `?31` account; `?38` is the IBAN in Polish and other variants, preferred over a national number.
        let national = subfield(31).flatMap(withoutBlanks)
        let iban38 = subfield(38).flatMap(withoutBlanks).flatMap { MTText.hasIBANShape($0) ? $0 : nil }
        var account = national.flatMap { MTText.hasIBANShape($0) ? $0 : nil } ?? iban38 ?? national
        if account == nil, let iban = keywords.first(where: { $0.key == "IBAN" }) {
            account = withoutBlanks(Array(iban.value.utf8))
        }
        var code = subfield(30).flatMap { MTText.nonEmpty($0) }
        if code == nil, let bic = keywords.first(where: { $0.key == "BIC" }) { code = MTText.collapsed(bic.value) }
        var bic: String?
        if let code {
            if MTText.isBIC(code) {
                bic = code
            } else if let number = account, !MTText.hasIBANShape(number), code.utf8.allSatisfy(\.mtDigit) {
                // A German bank code (BLZ) and account number, kept together as `:25:` writes them.
                account = code + "/" + number
            }
        }
        if name != nil || account != nil || bic != nil {
            details.counterparty = Counterparty(name: name, account: account, bic: bic)
        }
        return details
    }

    /// The keywords whose values are references (at most 35 characters): they end at the end of a
    /// purpose line as well as at the next keyword. Text values (`SVWZ+`, `ABWA+`…) run on to the next
    /// keyword.
    static let referenceKeywords: Set<String> = ["EREF", "KREF", "MREF", "CRED", "DEBT"]

    /// ``sepaKeywords`` as strings, and whether each is a reference, by position: looked up per match.
    static let sepaKeywordNames = sepaKeywords.map { MTText.string($0) }
    static let isReferenceKeyword = sepaKeywordNames.map { referenceKeywords.contains($0) }

    /// Splits a German purpose at its SEPA keywords: the text before the first one, then each keyword
    /// with its value (trimmed). `lineEnds` are the offsets where a purpose line ended before its
    /// 27-character width (see ``referenceKeywords``).
    static func sepaKeywords(in bytes: [UInt8], lineEnds: [Int] = []) -> (prefix: String?, keywords: [MTKeyword]) {
        var found: [(keyword: Int, start: Int, valueStart: Int)] = []
        var index = 0
        while index < bytes.count {
            guard startsSEPAKeyword[Int(bytes[index])] else {
                index += 1
                continue
            }
            var matched = false
            for (number, keyword) in sepaKeywords.enumerated() where bytes[index] == keyword[0] {
                let plus = index + keyword.count
                guard plus < bytes.count, bytes[plus] == UInt8(ascii: "+"),
                    bytes[index..<plus].elementsEqual(keyword)
                else { continue }
                found.append((number, index, plus + 1))
                index = plus + 1
                matched = true
                break
            }
            if !matched { index += 1 }
        }
        guard let first = found.first else { return (MTText.nonEmpty(bytes[...]), []) }
        var keywords: [MTKeyword] = []
        for (position, match) in found.enumerated() {
            var end = position + 1 < found.count ? found[position + 1].start : bytes.count
            if isReferenceKeyword[match.keyword],
                let lineEnd = lineEnds.first(where: {
                    $0 > match.valueStart && $0 < end && !MTText.trimmed(bytes[match.valueStart..<$0]).isEmpty
                })
            {
                end = lineEnd
            }
            keywords.append(
                MTKeyword(
                    key: sepaKeywordNames[match.keyword], value: MTText.string(MTText.trimmed(bytes[match.valueStart..<end]))))
        }
        return (MTText.nonEmpty(bytes[0..<first.start]), keywords)
    }

    private static func endToEndIDs(_ values: [String]) -> [String] {
        values.compactMap { value in
            let trimmed = MTText.nonEmpty(Array(value.utf8)[...])
            guard let trimmed, !isNotProvided(trimmed) else { return nil }
            return trimmed
        }
    }

    /// `NOTPROVIDED` in any letter case, compared as ASCII bytes.
    private static func isNotProvided(_ text: String) -> Bool {
        text.utf8.count == 11 && zip(text.utf8, "NOTPROVIDED".utf8).allSatisfy { ($0 & 0xDF) == $1 }
    }

    private static func characterCount(_ bytes: some Collection<UInt8>) -> Int {
        bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    private static func withoutBlanks(_ bytes: some Collection<UInt8>) -> String? {
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        for byte in bytes where !byte.mtBlank { kept.append(byte) }
        return kept.isEmpty ? nil : MTText.string(kept)
    }

    // MARK: Dutch

    private static func dutch(_ bytes: [UInt8], from start: Int) -> MT940Details? {
        var found: [(tag: String, start: Int, valueStart: Int)] = []
        var index = start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "/") {
                var end = index + 1
                while end < bytes.count, end - index <= 5, bytes[end].mtUpper { end += 1 }
                if end < bytes.count, bytes[end] == UInt8(ascii: "/"), end - index - 1 >= 3 {
                    let tag = MTText.string(bytes[(index + 1)..<end])
                    if dutchTags.contains(tag) {
                        found.append((tag, index, end + 1))
                        index = end + 1
                        continue
                    }
                }
            }
            if found.isEmpty { return nil }  // the text must start with a tag
            index += 1
        }
        guard !found.isEmpty else { return nil }
        var tags: [MTKeyword] = []
        for (position, match) in found.enumerated() {
            let end = position + 1 < found.count ? found[position + 1].start : bytes.count
            tags.append(MTKeyword(key: match.tag, value: MTText.string(bytes[match.valueStart..<end])))
        }
        var details = MT940Details(layout: .dutch, keywords: tags)
        func value(_ tag: String) -> String? {
            tags.first(where: { $0.key == tag }).flatMap { simple($0.value) }
        }
        details.endToEndIDs = endToEndIDs(tags.filter { $0.key == "EREF" }.compactMap { simple($0.value) })
        details.returnReason = value("RTRN")
        if let remittance = tags.first(where: { $0.key == "REMI" }) {
            details.remittance = remittanceText(remittance.value)
        }
        var name = value("NAME").flatMap { MTText.collapsed($0) }
        var account = value("IBAN").flatMap { withoutBlanks(Array($0.utf8)) }
        var bic = value("BIC")
        if let counterparty = tags.first(where: { $0.key == "CNTP" }) {
            // /CNTP/account/BIC/name/city/
            let parts = counterparty.value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count > 0, let text = withoutBlanks(Array(parts[0].utf8)) { account = text }
            if parts.count > 1, let text = MTText.collapsed(parts[1]) { bic = text }
            if parts.count > 2, let text = MTText.collapsed(parts[2]) { name = text }
        }
        if name != nil || account != nil || bic != nil {
            details.counterparty = Counterparty(name: name, account: account, bic: bic)
        }
        return details
    }

    /// A value without its closing slashes and surrounding blanks.
    private static func simple(_ value: String) -> String? {
        var bytes = Array(value.utf8)[...]
        while let last = bytes.last, last == UInt8(ascii: "/") || last.mtBlank { bytes = bytes.dropLast() }
        return MTText.nonEmpty(bytes)
    }

    /// `/REMI/USTD//text/` (unstructured), `/REMI/STRD/CUR/reference/` (structured), or plain text.
    private static func remittanceText(_ value: String) -> String? {
        var text = Substring(value)
        if text.hasPrefix("USTD/") {
            text = text.dropFirst(5)
            if text.hasPrefix("/") { text = text.dropFirst() }
        } else if text.hasPrefix("STRD/") {
            text = text.dropFirst(5)
            for issuer in ["CUR/", "ISO/"] where text.hasPrefix(issuer) { text = text.dropFirst(issuer.count) }
        }
        return simple(String(text)).flatMap { MTText.collapsed($0) }
    }

    // MARK: Free text

    private static func freeText(_ lines: [MTDetailLine], joined: [UInt8], from start: Int) -> MT940Details {
        var details = MT940Details(layout: .freeText)
        // Text that starts with a SEPA keyword is keyword text without the German subfields.
        let startsWithKeyword = sepaKeywords.contains { keyword in
            start + keyword.count < joined.count && joined[start + keyword.count] == UInt8(ascii: "+")
                && joined[start..<(start + keyword.count)].elementsEqual(keyword)
        }
        if startsWithKeyword {
            let (_, keywords) = sepaKeywords(in: Array(joined[start...]))
            details.keywords = keywords
            details.endToEndIDs = endToEndIDs(keywords.filter { $0.key == "EREF" }.map(\.value))
            if let svwz = keywords.first(where: { $0.key == "SVWZ" }) {
                details.remittance = MTText.collapsed(svwz.value)
                return details
            }
        }
        var text: [UInt8] = []
        text.reserveCapacity(joined.count + lines.count)
        for (index, line) in lines.enumerated() {
            if index > 0, lines[index - 1].physicalLength < 65 { text.append(0x20) }
            text += line.bytes
        }
        details.remittance = MTText.collapsed(text)
        return details
    }
}
