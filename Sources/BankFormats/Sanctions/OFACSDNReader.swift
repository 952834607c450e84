import Foundation
import PayHubDomain

/// Reads OFAC's Specially Designated Nationals list in its legacy CSV layout into a ``SanctionsList``.
///
/// The list is three files without header rows, written as OFAC writes them: fields separated by commas,
/// text in double quotes (`"ANGLO-CARIBBEAN CO., LTD."`), and an empty value written `-0- `. The legacy
/// files end with a line holding only the DOS end-of-file character (0x1A), which is skipped, as are
/// blank lines.
///
/// - `SDN.CSV`, one row per entry: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type,
///   Tonnage, GRT, Vess_flag, Vess_owner, Remarks. Individuals are written `LAST, First`. SDN_Type is
///   `individual`, `vessel`, `aircraft` (read as ``SanctionsListEntry/EntityType/unknown``) or empty for
///   an organisation. Programs are written `SDGT] [IRGC`.
/// - `ALT.CSV`, the aliases: ent_num, alt_num, alt_type, alt_name, alt_remarks.
/// - `ADD.CSV`, the addresses: ent_num, add_num, address, city/state/postal, country, add_remarks.
///
/// Countries (address countries, and a vessel's flag) become ISO 3166-1 alpha-2 codes where the name is a
/// common one, and are kept as written otherwise. The text is UTF-8, or ISO 8859-1 when it is not valid
/// UTF-8. Errors name the file and line (`ALT.CSV line 7`) and never repeat a name.
public enum OFACSDNReader {
    /// Reads the list from `SDN.CSV` and, when given, `ALT.CSV` and `ADD.CSV`.
    ///
    /// - Parameter version: the list's version (OFAC publishes a date with each update). Without one the
    ///   version is ``SanctionsListFingerprint`` of the files' bytes.
    public static func read(
        sdn: Data, alternateNames: Data? = nil, addresses: Data? = nil, version: String? = nil
    ) throws(FormatError) -> SanctionsList {
        var entries: [SanctionsListEntry] = []
        var entryIndex: [String: (index: Int, line: Int)] = [:]
        for row in try rows(of: sdn, file: "SDN.CSV", columns: 12) {
            let location = "SDN.CSV line \(row.line)"
            let id = try entryNumber(row.cells[0], column: "ent_num", at: location)
            if let first = entryIndex[id] {
                throw FormatError(
                    .invalidValue, at: location, "ent_num \(id) is listed twice (first on line \(first.line))")
            }
            guard let name = value(row.cells[1]) else {
                throw FormatError(.missingField, at: location, "the entry has no SDN_Name")
            }
            var countries: [String] = []
            if let flag = value(row.cells[9]) { countries.append(OFACCountryNames.code(for: flag) ?? flag) }
            entryIndex[id] = (entries.count, row.line)
            entries.append(
                SanctionsListEntry(
                    id: id, primaryName: name, entityType: entityType(value(row.cells[2])),
                    programmes: programmes(value(row.cells[3])), countries: countries))
        }
        guard !entries.isEmpty else {
            // An empty list would clear every vendor; it is far more likely a truncated download.
            throw FormatError(.missingField, at: "SDN.CSV line 1", "the file lists no entries")
        }
        if let alternateNames {
            for row in try rows(of: alternateNames, file: "ALT.CSV", columns: 5) {
                let location = "ALT.CSV line \(row.line)"
                let index = try entry(row.cells[0], in: entryIndex, at: location)
                guard let alias = value(row.cells[3]) else {
                    throw FormatError(.missingField, at: location, "the alias has no alt_name")
                }
                if alias != entries[index].primaryName && !entries[index].aliases.contains(alias) {
                    entries[index].aliases.append(alias)
                }
            }
        }
        if let addresses {
            for row in try rows(of: addresses, file: "ADD.CSV", columns: 6) {
                let index = try entry(row.cells[0], in: entryIndex, at: "ADD.CSV line \(row.line)")
                guard let country = value(row.cells[4]) else { continue }
                let code = OFACCountryNames.code(for: country) ?? country
                if !entries[index].countries.contains(code) { entries[index].countries.append(code) }
            }
        }
        return SanctionsList(
            source: .ofacSDN, version: version ?? SanctionsListFingerprint.of([sdn, alternateNames, addresses]),
            entries: entries)
    }

    // MARK: - Rows and values

    /// The file's rows of exactly `columns` cells, without blank lines and the end-of-file line.
    static func rows(of data: Data, file: String, columns: Int) throws(FormatError) -> [CSVTokenizer.Row] {
        let rows: [CSVTokenizer.Row]
        do {
            rows = try CSVTokenizer.rows(text(of: data), separator: ",")
        } catch {
            throw FormatError(error.code, at: "\(file) \(error.location ?? "line 1")", error.message)
        }
        var kept: [CSVTokenizer.Row] = []
        kept.reserveCapacity(rows.count)
        for row in rows where !row.cells.allSatisfy(isBlank) {
            guard row.cells.count == columns else {
                throw FormatError(
                    .malformed, at: "\(file) line \(row.line)",
                    "the row has \(row.cells.count) columns; \(file) rows have \(columns)")
            }
            kept.append(row)
        }
        return kept
    }

    private static func text(of data: Data) -> String {
        let bytes = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        // ISO 8859-1: every byte is the code point of the same number.
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    private static func isBlank(_ cell: String) -> Bool {
        cell.unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\u{1A}" }
    }

    /// The cell's text without the blanks around it; nil for OFAC's empty value `-0-` and for nothing.
    static func value(_ cell: String) -> String? {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed == "-0-" ? nil : trimmed
    }

    private static func entryNumber(_ cell: String, column: String, at location: String) throws(FormatError) -> String {
        guard let text = value(cell), text.utf8.count <= 18,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw FormatError(.invalidValue, at: location, "\(column) is not a whole number")
        }
        return text
    }

    private static func entry(
        _ cell: String, in entries: [String: (index: Int, line: Int)], at location: String
    ) throws(FormatError) -> Int {
        let id = try entryNumber(cell, column: "ent_num", at: location)
        guard let entry = entries[id] else {
            throw FormatError(.invalidValue, at: location, "ent_num \(id) is not in SDN.CSV")
        }
        return entry.index
    }

    private static func entityType(_ type: String?) -> SanctionsListEntry.EntityType {
        switch type?.lowercased() {
        case nil: .organisation
        case "individual": .individual
        case "vessel": .vessel
        default: .unknown
        }
    }

    /// `SDGT] [IRGC` (the brackets of `[SDGT] [IRGC]` the first and last of which the CSV export drops).
    private static func programmes(_ text: String?) -> [String] {
        guard let text else { return [] }
        var found: [String] = []
        for part in text.split(whereSeparator: { $0 == "[" || $0 == "]" }) {
            let programme = part.trimmingCharacters(in: .whitespaces)
            if !programme.isEmpty && !found.contains(programme) { found.append(programme) }
        }
        return found
    }
}
