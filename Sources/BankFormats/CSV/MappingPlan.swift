import PayHubDomain

/// A profile checked and compiled once: date patterns parsed, lookup tables attached, templates split.
/// Columns are still named as in the profile; ``RowMapper`` resolves them against a file's header.
struct MappingPlan: Sendable {
    enum Source: Sendable {
        case column(ColumnReference)
        case constant(String)
        case template([TemplatePart])
    }

    enum TemplatePart: Sendable {
        case literal(String)
        case column(String)
    }

    enum Step: Sendable {
        case trim, upper, lower, digitsOnly
        case strip(Set<Unicode.Scalar>)
        case lookup(name: String, table: [String: String])
        case date(DatePattern)
        case splitName(Transform.NamePart)
        case defaultValue(String)
    }

    struct Field: Sendable {
        var field: CanonicalField
        var source: Source
        var steps: [Step]
        /// A date field's final `date` step, applied straight to a `LocalDate` instead of via ISO text.
        var datePattern: DatePattern?
    }

    let records: MappingProfile.RecordKind
    let encoding: CSVStatementMapping.TextEncoding
    /// Nil for `auto`.
    let delimiter: Unicode.Scalar?
    let headerRow: Int
    let skipLinesAfterHeader: Int
    let skipRules: [MappingProfile.SkipRule]
    let amountFormat: AmountFormat
    let fields: [Field]
    let defaultCurrency: Currency?
    let defaultCountry: String?
    let defaultEntity: String?
    let dueDateOffsetDays: Int?
    let sign: MappingProfile.SignConvention

    init(_ profile: MappingProfile) throws(FormatError) {
        func invalid(_ location: String, _ message: String) -> FormatError {
            FormatError(.invalidValue, at: "profile \(profile.name): \(location)", message)
        }
        guard !profile.name.isEmpty else { throw invalid("name", "a profile needs a name") }
        guard !profile.source.isEmpty else { throw invalid("source", "a profile needs the ERP source system id") }
        records = profile.records

        let csv = profile.csv ?? MappingProfile.CSVOptions()
        encoding =
            switch csv.encoding {
            case .utf8: .utf8
            case .utf16: .utf16
            case .gb18030: .gb18030
            case .windows1252: .windows1252
            case .automatic: .automatic
            }
        delimiter = csv.delimiter == .auto ? nil : Unicode.Scalar(csv.delimiter.rawValue)
        guard csv.headerRow >= 0 else { throw invalid("csv.header_row", "must be 0 (no header) or a line number") }
        guard csv.skipLinesAfterHeader >= 0 else {
            throw invalid("csv.skip_lines_after_header", "must not be negative")
        }
        headerRow = csv.headerRow
        skipLinesAfterHeader = csv.skipLinesAfterHeader
        skipRules = csv.skipRowsWhere
        for (index, rule) in skipRules.enumerated() where rule.equals == nil && rule.startsWith == nil {
            throw invalid("csv.skip_rows_where[\(index)]", "needs equals or starts_with")
        }
        guard csv.decimalSeparator == "." || csv.decimalSeparator == "," else {
            throw invalid("csv.decimal_separator", "must be \".\" or \",\"")
        }
        if let thousands = csv.thousandsSeparator {
            guard [",", ".", " ", "'"].contains(thousands), thousands != csv.decimalSeparator else {
                throw invalid(
                    "csv.thousands_separator",
                    "must be one of \",\" \".\" \" \" \"'\" and differ from the decimal separator")
            }
        }
        amountFormat = AmountFormat(
            decimalSeparator: csv.decimalSeparator.utf8.first!,
            thousandsSeparator: csv.thousandsSeparator?.utf8.first)

        let defaults = profile.defaults
        if let code = defaults?.currency {
            guard let currency = try? Currency(code: code) else {
                throw invalid("defaults.currency", "\"\(code)\" is not an ISO 4217 currency code")
            }
            defaultCurrency = currency
        } else {
            defaultCurrency = nil
        }
        if let country = defaults?.country, !TextFunctions.isCountryCode(country) {
            throw invalid("defaults.country", "\"\(country)\" is not an ISO 3166 alpha-2 country code such as DE")
        }
        defaultCountry = defaults?.country
        defaultEntity = defaults?.entity
        dueDateOffsetDays = defaults?.dueDateOffsetDays
        sign = profile.sign ?? .positive
        if case .debitCreditColumn(let column) = sign {
            guard !column.payable.isEmpty, !column.creditNote.isEmpty,
                Set(column.payable).isDisjoint(with: column.creditNote)
            else {
                throw invalid("sign", "payable and credit_note need at least one indicator each, and none in both")
            }
        }

        if profile.format == .pain001 {
            guard profile.fields.isEmpty else {
                throw invalid("fields", "a pain001 profile maps nothing: the message's own fields are used")
            }
            fields = []
            return
        }

        var compiled: [Field] = []
        for name in profile.fields.keys.sorted() {
            let mapping = profile.fields[name]!
            let location = "fields.\(name)"
            guard let field = CanonicalField(rawValue: name) else {
                let known = CanonicalField.allCases.map(\.rawValue).joined(separator: ", ")
                throw invalid(location, "\"\(name)\" is not a canonical field (\(known))")
            }
            if profile.records == .vendors && !field.isVendorField {
                throw invalid(location, "a vendors profile maps only vendor.* fields")
            }
            let source: Source
            switch mapping.source {
            case .column(let reference):
                if case .index(let index) = reference, index < 1 {
                    throw invalid(location, "column positions start at 1")
                }
                if case .header = reference, csv.headerRow == 0 {
                    throw invalid(location, "the file has no header (header_row: 0), so columns are named by position")
                }
                source = .column(reference)
            case .constant(let value):
                source = .constant(value)
            case .template(let template):
                do throws(ProfileProblem) {
                    source = .template(try Self.templateParts(template))
                } catch {
                    throw invalid(location, error.description)
                }
            }
            var steps: [Step] = []
            for (index, transform) in mapping.transforms.enumerated() {
                let stepLocation = "\(location).transforms[\(index)]"
                switch transform {
                case .trim: steps.append(.trim)
                case .upper: steps.append(.upper)
                case .lower: steps.append(.lower)
                case .digitsOnly: steps.append(.digitsOnly)
                case .strip(let characters): steps.append(.strip(Set(characters.unicodeScalars)))
                case .splitName(let part): steps.append(.splitName(part))
                case .defaultValue(let value): steps.append(.defaultValue(value))
                case .lookup(let name):
                    guard let table = profile.lookups?[name] else {
                        throw invalid(stepLocation, "lookup table \"\(name)\" is not defined under lookups")
                    }
                    steps.append(.lookup(name: name, table: table))
                case .date(let pattern):
                    do throws(ProfileProblem) {
                        steps.append(.date(try DatePattern(pattern)))
                    } catch {
                        throw invalid(stepLocation, "bad date pattern \"\(pattern)\": \(error.description)")
                    }
                }
            }
            var datePattern: DatePattern?
            if field.isDate, case .date(let pattern)? = steps.last {
                steps.removeLast()
                datePattern = pattern
            }
            compiled.append(Field(field: field, source: source, steps: steps, datePattern: datePattern))
        }
        let mapped = Set(compiled.map(\.field))
        let required =
            profile.records == .payables ? CanonicalField.requiredForPayables : CanonicalField.requiredForVendors
        for field in required where !mapped.contains(field) {
            throw invalid("fields", "\(field.rawValue) is required and not mapped")
        }
        if profile.records == .payables && !mapped.contains(.currency) && defaultCurrency == nil {
            throw invalid("fields", "currency is required: map it or set defaults.currency")
        }
        fields = compiled
    }

    /// `{Belegnummer}-{Geschäftsjahr}` → column, literal, column. `{{` and `}}` are literal braces.
    static func templateParts(_ template: String) throws(ProfileProblem) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var literal = ""
        var characters = template.makeIterator()
        var lookahead = characters.next()
        while let character = lookahead {
            lookahead = characters.next()
            if character == "{" && lookahead == "{" || character == "}" && lookahead == "}" {
                literal.append(character)
                lookahead = characters.next()
            } else if character == "{" {
                var name = ""
                while let next = lookahead, next != "}" {
                    guard next != "{" else {
                        throw ProfileProblem(description: "template \"\(template)\" has a { inside {…}")
                    }
                    name.append(next)
                    lookahead = characters.next()
                }
                guard lookahead == "}", !name.isEmpty else {
                    throw ProfileProblem(description: "template \"\(template)\" has an unclosed or empty {…}")
                }
                lookahead = characters.next()
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.column(name))
            } else if character == "}" {
                throw ProfileProblem(description: "template \"\(template)\" has a } without {; write }} for a brace")
            } else {
                literal.append(character)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard parts.contains(where: { if case .column = $0 { true } else { false } }) else {
            throw ProfileProblem(description: "template \"\(template)\" names no column; use constant")
        }
        return parts
    }
}
