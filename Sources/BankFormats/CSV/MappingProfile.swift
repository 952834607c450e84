/// A declarative mapping of one ERP export onto PayHub's canonical payable or vendor.
///
/// Profiles are decoded from YAML by the services layer (`MappingProfileLoader`); every key is written in
/// snake_case as in the YAML. ``ERPFileReader/init(profile:)`` checks a profile before any file is read.
/// The YAML shape is documented with full examples in `docs/mapping-profiles.md`.
public struct MappingProfile: Sendable, Hashable, Codable {
    /// The profile's name, such as `sap-f110`; a shipped profile's file is `<name>.yaml`.
    public var name: String
    public var description: String?
    /// The ERP system the records come from, such as `sap-prod`: external ids are unique per source.
    public var source: String
    public var format: Format
    public var records: RecordKind
    public var csv: CSVOptions?
    /// Canonical field name (`amount`, `vendor.iban`…) → how to get it from a row. Unused for pain.001.
    public var fields: [String: FieldMapping]
    /// Named code tables used by `lookup` transforms, such as `countries: {德国: DE}`.
    public var lookups: [String: [String: String]]?
    public var defaults: Defaults?
    /// How a payable's amount is signed in this export; positive when absent.
    public var sign: SignConvention?

    public enum Format: String, Sendable, Hashable, Codable, CaseIterable, ProfileKeyword {
        case csv
        case pain001
    }

    public enum RecordKind: String, Sendable, Hashable, Codable, CaseIterable, ProfileKeyword {
        case payables
        case vendors
    }

    public init(
        name: String, description: String? = nil, source: String, format: Format = .csv,
        records: RecordKind = .payables, csv: CSVOptions? = nil, fields: [String: FieldMapping] = [:],
        lookups: [String: [String: String]]? = nil, defaults: Defaults? = nil, sign: SignConvention? = nil
    ) {
        self.name = name
        self.description = description
        self.source = source
        self.format = format
        self.records = records
        self.csv = csv
        self.fields = fields
        self.lookups = lookups
        self.defaults = defaults
        self.sign = sign
    }

    private enum CodingKeys: String, CodingKey {
        case name, description, source, format, records, csv, fields, lookups, defaults, sign
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        source = try container.decode(String.self, forKey: .source)
        format = try container.decodeIfPresent(Format.self, forKey: .format) ?? .csv
        records = try container.decodeIfPresent(RecordKind.self, forKey: .records) ?? .payables
        csv = try container.decodeIfPresent(CSVOptions.self, forKey: .csv)
        fields = try container.decodeIfPresent([String: FieldMapping].self, forKey: .fields) ?? [:]
        lookups = try container.decodeIfPresent([String: [String: String]].self, forKey: .lookups)
        defaults = try container.decodeIfPresent(Defaults.self, forKey: .defaults)
        sign = try container.decodeIfPresent(SignConvention.self, forKey: .sign)
    }
}

extension MappingProfile {
    /// How the CSV text is laid out. Every option has a default, so `csv:` may be left out.
    public struct CSVOptions: Sendable, Hashable, Codable {
        /// `utf8` (a BOM is allowed), `utf16` (with a BOM), `gb18030`, `windows1252` or `automatic`
        /// (UTF-16 by BOM, else UTF-8, else GB18030).
        public var encoding: Encoding
        public var delimiter: Delimiter
        /// The 1-based physical line of the header; lines before it (titles, export dates) are ignored.
        /// 0 means the file has no header and columns are named by index.
        public var headerRow: Int
        /// Rows right after the header to ignore (units lines, `-----` rulers).
        public var skipLinesAfterHeader: Int
        /// Rows that are not records, such as `合计` or `Total` footers.
        public var skipRowsWhere: [SkipRule]
        /// `.` or `,`.
        public var decimalSeparator: String
        /// `,`, `.`, ` ` (also matches no-break spaces) or `'`; none when absent.
        public var thousandsSeparator: String?

        public enum Encoding: String, Sendable, Hashable, Codable, CaseIterable, ProfileKeyword {
            case utf8, utf16, gb18030, windows1252, automatic
        }

        public enum Delimiter: String, Sendable, Hashable, Codable, CaseIterable, ProfileKeyword {
            case comma = ","
            case semicolon = ";"
            case tab = "\t"
            case pipe = "|"
            /// Whichever of the four appears most often on the header line.
            case auto
        }

        public init(
            encoding: Encoding = .automatic, delimiter: Delimiter = .comma, headerRow: Int = 1,
            skipLinesAfterHeader: Int = 0, skipRowsWhere: [SkipRule] = [], decimalSeparator: String = ".",
            thousandsSeparator: String? = nil
        ) {
            self.encoding = encoding
            self.delimiter = delimiter
            self.headerRow = headerRow
            self.skipLinesAfterHeader = skipLinesAfterHeader
            self.skipRowsWhere = skipRowsWhere
            self.decimalSeparator = decimalSeparator
            self.thousandsSeparator = thousandsSeparator
        }

        private enum CodingKeys: String, CodingKey {
            case encoding, delimiter
            case headerRow = "header_row"
            case skipLinesAfterHeader = "skip_lines_after_header"
            case skipRowsWhere = "skip_rows_where"
            case decimalSeparator = "decimal_separator"
            case thousandsSeparator = "thousands_separator"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = CSVOptions()
            encoding = try container.decodeIfPresent(Encoding.self, forKey: .encoding) ?? defaults.encoding
            delimiter = try container.decodeIfPresent(Delimiter.self, forKey: .delimiter) ?? defaults.delimiter
            headerRow = try container.decodeIfPresent(Int.self, forKey: .headerRow) ?? defaults.headerRow
            skipLinesAfterHeader =
                try container.decodeIfPresent(Int.self, forKey: .skipLinesAfterHeader) ?? defaults.skipLinesAfterHeader
            skipRowsWhere = try container.decodeIfPresent([SkipRule].self, forKey: .skipRowsWhere) ?? []
            decimalSeparator =
                try container.decodeIfPresent(String.self, forKey: .decimalSeparator) ?? defaults.decimalSeparator
            thousandsSeparator = try container.decodeIfPresent(String.self, forKey: .thousandsSeparator)
        }
    }

    /// A row is skipped when the column's value (trimmed) equals `equals` or starts with `startsWith`.
    public struct SkipRule: Sendable, Hashable, Codable {
        public var column: ColumnReference
        public var equals: String?
        public var startsWith: String?

        public init(column: ColumnReference, equals: String? = nil, startsWith: String? = nil) {
            self.column = column
            self.equals = equals
            self.startsWith = startsWith
        }

        private enum CodingKeys: String, CodingKey {
            case column, equals
            case startsWith = "starts_with"
        }
    }

    /// Values used when a row has none.
    public struct Defaults: Sendable, Hashable, Codable {
        public var currency: String?
        public var country: String?
        /// Due date = invoice date + this many days when the row has no due date; else the invoice date.
        public var dueDateOffsetDays: Int?
        public var entity: String?

        public init(
            currency: String? = nil, country: String? = nil, dueDateOffsetDays: Int? = nil, entity: String? = nil
        ) {
            self.currency = currency
            self.country = country
            self.dueDateOffsetDays = dueDateOffsetDays
            self.entity = entity
        }

        private enum CodingKeys: String, CodingKey {
            case currency, country, entity
            case dueDateOffsetDays = "due_date_offset_days"
        }
    }

    /// How the export signs what PayHub must pay.
    ///
    /// YAML: `sign: positive`, `sign: negative`, or
    /// `sign: {debit_credit_column: "S/H", payable: [H], credit_note: [S]}`.
    public enum SignConvention: Sendable, Hashable, Codable {
        /// A payable is a positive amount (the default).
        case positive
        /// A payable is a negative amount, as SAP shows a vendor's open items.
        case negative
        /// The amount is unsigned and a column says which way it goes.
        case debitCreditColumn(DebitCreditColumn)

        public struct DebitCreditColumn: Sendable, Hashable, Codable {
            public var column: ColumnReference
            /// Indicators of an amount owed to the vendor (`H`, `C`, `贷`).
            public var payable: [String]
            /// Indicators of an amount the vendor owes (`S`, `D`, `借`): such rows are `not_a_payable`.
            public var creditNote: [String]

            public init(column: ColumnReference, payable: [String], creditNote: [String]) {
                self.column = column
                self.payable = payable
                self.creditNote = creditNote
            }

            private enum CodingKeys: String, CodingKey {
                case column = "debit_credit_column"
                case payable
                case creditNote = "credit_note"
            }
        }

        public init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer(), let word = try? single.decode(String.self) {
                switch word {
                case "positive": self = .positive
                case "negative": self = .negative
                default:
                    throw DecodingError.dataCorruptedError(
                        in: single,
                        debugDescription:
                            "unknown sign convention \"\(word)\" (positive, negative or {debit_credit_column: …})")
                }
                return
            }
            self = .debitCreditColumn(try DebitCreditColumn(from: decoder))
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .positive:
                var single = encoder.singleValueContainer()
                try single.encode("positive")
            case .negative:
                var single = encoder.singleValueContainer()
                try single.encode("negative")
            case .debitCreditColumn(let column):
                try column.encode(to: encoder)
            }
        }
    }
}

/// A column named by its header text or by its 1-based position. YAML: `"Belegnummer"` or `3`.
public enum ColumnReference: Sendable, Hashable, Codable, CustomStringConvertible {
    case header(String)
    case index(Int)

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let index = try? single.decode(Int.self) {
            self = .index(index)
        } else {
            self = .header(try single.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .header(let name): try single.encode(name)
        case .index(let index): try single.encode(index)
        }
    }

    public var description: String {
        switch self {
        case .header(let name): "\"\(name)\""
        case .index(let index): "column \(index)"
        }
    }
}

/// Where one canonical field comes from, and what is done to it on the way.
///
/// YAML, shortest first:
/// ```yaml
/// invoice_number: Referenz                      # a column by header
/// vendor.name: 4                                # a column by 1-based position
/// invoice_date: {column: Belegdatum, transforms: [{date: dd.MM.yyyy}]}
/// currency: {constant: EUR}
/// external_id: {template: "{Buchungskreis}-{Belegnummer}-{Geschäftsjahr}"}
/// ```
public struct FieldMapping: Sendable, Hashable, Codable {
    public var source: Source
    /// Applied in order to the value (after column values are trimmed of surrounding whitespace).
    public var transforms: [Transform]

    public enum Source: Sendable, Hashable {
        case column(ColumnReference)
        case constant(String)
        /// `{Header}` is the trimmed value of that column; `{{` and `}}` are literal braces.
        case template(String)
    }

    public init(_ source: Source, transforms: [Transform] = []) {
        self.source = source
        self.transforms = transforms
    }

    public static func column(_ header: String, _ transforms: Transform...) -> FieldMapping {
        FieldMapping(.column(.header(header)), transforms: transforms)
    }

    private enum CodingKeys: String, CodingKey {
        case column, constant, template, transforms
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let reference = try? single.decode(ColumnReference.self) {
            self.init(.column(reference))
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let column = try container.decodeIfPresent(ColumnReference.self, forKey: .column)
        let constant = try container.decodeIfPresent(String.self, forKey: .constant)
        let template = try container.decodeIfPresent(String.self, forKey: .template)
        let sources = [column.map(Source.column), constant.map(Source.constant), template.map(Source.template)]
            .compactMap { $0 }
        guard sources.count == 1, let source = sources.first else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "a field needs exactly one of column, constant or template"))
        }
        self.init(source, transforms: try container.decodeIfPresent([Transform].self, forKey: .transforms) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch source {
        case .column(let reference): try container.encode(reference, forKey: .column)
        case .constant(let value): try container.encode(value, forKey: .constant)
        case .template(let template): try container.encode(template, forKey: .template)
        }
        if !transforms.isEmpty { try container.encode(transforms, forKey: .transforms) }
    }
}

/// One step applied to a field's value. YAML: a word (`trim`) or a one-key map (`lookup: countries`).
public enum Transform: Sendable, Hashable, Codable {
    case trim
    case upper
    case lower
    /// Removes every space, dash, dot and other non-digit (account numbers written `6222 0210 …`).
    case digitsOnly
    /// Removes every one of these characters.
    case strip(String)
    /// Replaces the value by its entry in the named lookup table; a value not in it rejects the row.
    case lookup(String)
    /// Reads a date written in this pattern (`dd.MM.yyyy`, `yyyyMMdd`, `yyyy年M月d日`, `dd-MMM-yyyy`…) and
    /// continues with it as `yyyy-MM-dd`.
    case date(String)
    /// One part of a full name: `last` is the family name, `first` the rest.
    case splitName(NamePart)
    /// The value to use when the value is empty at this step.
    case defaultValue(String)

    public enum NamePart: String, Sendable, Hashable, Codable, CaseIterable, ProfileKeyword {
        case first, last
    }

    private enum Key: String, CodingKey {
        case lookup, date, strip, splitName = "split_name", defaultValue = "default"
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let word = try? single.decode(String.self) {
            switch word {
            case "trim": self = .trim
            case "upper": self = .upper
            case "lower": self = .lower
            case "digits_only": self = .digitsOnly
            default:
                throw DecodingError.dataCorruptedError(
                    in: single,
                    debugDescription:
                        "unknown transform \"\(word)\" (trim, upper, lower, digits_only, or one of lookup, date, strip, split_name, default with a value)"
                )
            }
            return
        }
        let container = try decoder.container(keyedBy: Key.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "a transform is one word or a map with one key: lookup, date, strip, split_name or default"))
        }
        switch key {
        case .lookup: self = .lookup(try container.decode(String.self, forKey: key))
        case .date: self = .date(try container.decode(String.self, forKey: key))
        case .strip: self = .strip(try container.decode(String.self, forKey: key))
        case .splitName: self = .splitName(try container.decode(NamePart.self, forKey: key))
        case .defaultValue: self = .defaultValue(try container.decode(String.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .trim, .upper, .lower, .digitsOnly:
            var single = encoder.singleValueContainer()
            let word =
                switch self {
                case .trim: "trim"
                case .upper: "upper"
                case .lower: "lower"
                default: "digits_only"
                }
            try single.encode(word)
        case .lookup(let table):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(table, forKey: .lookup)
        case .date(let pattern):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(pattern, forKey: .date)
        case .strip(let characters):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(characters, forKey: .strip)
        case .splitName(let part):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(part, forKey: .splitName)
        case .defaultValue(let value):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(value, forKey: .defaultValue)
        }
    }
}

/// A word with a fixed set of spellings in a profile; a wrong one is reported with the right ones, which
/// is what a person editing YAML needs ("delimiter: \"#\"" → `one of ",", ";", "\t", "|", "auto"`).
public protocol ProfileKeyword: RawRepresentable<String>, CaseIterable, Decodable {}

extension ProfileKeyword {
    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        let word = try single.decode(String.self)
        guard let value = Self(rawValue: word) else {
            let allowed = Self.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                in: single, debugDescription: "\"\(word)\" is not one of \(allowed)")
        }
        self = value
    }
}
