import PayHubDomain

/// Maps the cells of one CSV row through a ``MappingPlan`` whose columns have been resolved against the
/// file's header. One mapper serves a whole file and reuses its buffers, since it runs for every row.
struct RowMapper {
    enum Outcome {
        case payable(ERPPayableRecord)
        case vendor(ERPVendorRecord)
        case rejected([FieldError])
    }

    private enum Source {
        case column(Int)
        case constant(String)
        case template([Part])
    }

    private enum Part {
        case literal(String)
        case column(Int)
    }

    private struct Field {
        var field: CanonicalField
        var source: Source
        /// What an error about this field is filed under: the column header, or the field name when the
        /// value is not one column's.
        var path: String
        var steps: [MappingPlan.Step]
        var datePattern: DatePattern?
    }

    private struct SkipRule {
        var column: Int
        var equals: String?
        var startsWith: String?
    }

    private let plan: MappingPlan
    private var fields: [Field] = []
    private var skipRules: [SkipRule] = []
    private var signColumn: (index: Int, path: String)?
    /// Every column a field reads: a row with all of them empty is no record.
    private var usedColumns: [Int] = []
    private var values: [String] = Array(repeating: "", count: CanonicalField.slotCount)
    private var dates: [LocalDate?] = [nil, nil]
    private var paths: [String] = CanonicalField.allCases.sorted { $0.slot < $1.slot }.map(\.rawValue)
    /// An export lists a vendor once per open item, so each distinct bank identifier and currency code is
    /// checked once per file, not once per row. Bounded: a file of only distinct vendors just refills it.
    private var checkedIdentifiers: [IdentifierKey: Result<String, IdentifierError>] = [:]
    private var currencies: [String: Currency?] = [:]
    private static let memoCountMax = 10_000

    private struct IdentifierKey: Hashable {
        var slot: Int
        var text: String
    }

    init(plan: MappingPlan) {
        self.plan = plan
    }

    /// Resolves the profile's column names against `header` (nil when the file has none).
    mutating func resolve(header: [String]?, line: Int) throws(FormatError) {
        var byName: [String: Int] = [:]
        var byFoldedName: [String: Int] = [:]
        for (index, cell) in (header ?? []).enumerated() {
            let name = TextFunctions.trimmed(
                String(String.UnicodeScalarView(cell.unicodeScalars.filter { $0 != "\u{FEFF}" })))
            if byName[name] == nil { byName[name] = index }
            if byFoldedName[name.lowercased()] == nil { byFoldedName[name.lowercased()] = index }
        }
        func column(_ reference: ColumnReference, for location: String) throws(FormatError) -> (Int, String) {
            switch reference {
            case .index(let position):
                if let header {
                    guard position <= header.count else {
                        throw FormatError(
                            .missingField, at: "line \(line)",
                            "the header has \(header.count) columns, \(location) reads column \(position)")
                    }
                    return (position - 1, TextFunctions.trimmed(header[position - 1]))
                }
                return (position - 1, "column \(position)")
            case .header(let name):
                // Exact first; a different case only as a fallback (`Invoice_Num` vs `INVOICE_NUM`).
                guard let index = byName[name] ?? byFoldedName[name.lowercased()] else {
                    throw FormatError(
                        .missingField, at: "line \(line)", "the header has no column \"\(name)\" (\(location))")
                }
                return (index, name)
            }
        }
        fields = []
        var used = Set<Int>()
        for field in plan.fields {
            let location = "fields.\(field.field.rawValue)"
            let source: Source
            var path = field.field.rawValue
            switch field.source {
            case .column(let reference):
                let (index, name) = try column(reference, for: location)
                source = .column(index)
                path = name
                used.insert(index)
            case .constant(let value):
                source = .constant(value)
            case .template(let parts):
                var resolved: [Part] = []
                for part in parts {
                    switch part {
                    case .literal(let text): resolved.append(.literal(text))
                    case .column(let name):
                        let (index, _) = try column(.header(name), for: location)
                        resolved.append(.column(index))
                        used.insert(index)
                    }
                }
                source = .template(resolved)
            }
            paths[field.field.slot] = path
            fields.append(
                Field(
                    field: field.field, source: source, path: path, steps: field.steps, datePattern: field.datePattern))
        }
        skipRules = []
        for (index, rule) in plan.skipRules.enumerated() {
            let (column, _) = try column(rule.column, for: "csv.skip_rows_where[\(index)]")
            skipRules.append(SkipRule(column: column, equals: rule.equals, startsWith: rule.startsWith))
        }
        if case .debitCreditColumn(let convention) = plan.sign {
            let (index, name) = try column(convention.column, for: "sign.debit_credit_column")
            signColumn = (index, name)
        }
        usedColumns = used.sorted()
    }

    /// The record in `cells`, or nil for a row that is no record (blank, all mapped columns empty, or a
    /// footer matched by `skip_rows_where`).
    mutating func map(_ cells: [String]) -> Outcome? {
        guard usedColumns.contains(where: { $0 < cells.count && !TextFunctions.trimmed(cells[$0]).isEmpty }) else {
            return nil
        }
        for rule in skipRules where rule.column < cells.count {
            let value = TextFunctions.trimmed(cells[rule.column])
            if let equals = rule.equals, value == equals { return nil }
            if let prefix = rule.startsWith, value.hasPrefix(prefix) { return nil }
        }
        var errors: [FieldError] = []
        for slot in 0..<values.count { values[slot] = "" }
        dates[0] = nil
        dates[1] = nil
        for field in fields {
            var value: String
            switch field.source {
            case .column(let index): value = index < cells.count ? TextFunctions.trimmed(cells[index]) : ""
            case .constant(let constant): value = constant
            case .template(let parts):
                value = ""
                for part in parts {
                    switch part {
                    case .literal(let text): value += text
                    case .column(let index): value += index < cells.count ? TextFunctions.trimmed(cells[index]) : ""
                    }
                }
            }
            do throws(FieldError) {
                value = try apply(field.steps, to: value, field)
                if let pattern = field.datePattern, !value.isEmpty {
                    guard let date = pattern.date(from: value) else {
                        throw FieldError(
                            path: field.path, code: ERPRecordErrorCode.invalidDate.rawValue,
                            message: "\"\(value)\" is not a date written \(pattern.pattern)")
                    }
                    dates[field.field == .invoiceDate ? 0 : 1] = date
                } else if field.field.isDate && !value.isEmpty {
                    guard let date = try? LocalDate(iso8601: value) else {
                        throw FieldError(
                            path: field.path, code: ERPRecordErrorCode.invalidDate.rawValue,
                            message: "\"\(value)\" is not a date written yyyy-MM-dd")
                    }
                    dates[field.field == .invoiceDate ? 0 : 1] = date
                }
                values[field.field.slot] = value
            } catch {
                errors.append(error)
            }
        }
        return plan.records == .payables ? payable(cells, errors: &errors) : vendor(errors: &errors)
    }

    private func apply(_ steps: [MappingPlan.Step], to value: String, _ field: Field) throws(FieldError) -> String {
        var value = value
        for step in steps {
            switch step {
            case .trim: value = TextFunctions.trimmed(value)
            case .upper: value = TextFunctions.upper(value)
            case .lower: value = value.lowercased()
            case .digitsOnly: value = TextFunctions.digitsOnly(value)
            case .strip(let characters):
                value = String(String.UnicodeScalarView(value.unicodeScalars.filter { !characters.contains($0) }))
            case .splitName(let part): value = TextFunctions.namePart(value, part)
            case .defaultValue(let fallback): if value.isEmpty { value = fallback }
            case .lookup(let name, let table):
                guard !value.isEmpty else { continue }
                guard let found = table[value] else {
                    let shown = field.field.isConfidential ? "the value" : "\"\(value)\""
                    throw FieldError(
                        path: field.path, code: ERPRecordErrorCode.unknownCode.rawValue,
                        message: "\(shown) is not in lookup table \(name)")
                }
                value = found
            case .date(let pattern):
                guard !value.isEmpty else { continue }
                guard let date = pattern.date(from: value) else {
                    let shown = field.field.isConfidential ? "the value" : "\"\(value)\""
                    throw FieldError(
                        path: field.path, code: ERPRecordErrorCode.invalidDate.rawValue,
                        message: "\(shown) is not a date written \(pattern.pattern)")
                }
                value = date.iso8601
            }
        }
        return value
    }

    private func value(_ field: CanonicalField) -> String? {
        let value = values[field.slot]
        return value.isEmpty ? nil : value
    }

    private func missing(_ field: CanonicalField, _ errors: inout [FieldError]) {
        errors.append(
            FieldError(
                path: paths[field.slot], code: ERPRecordErrorCode.missingField.rawValue,
                message: "\(field.rawValue) is required and empty"))
    }

    /// Every field of a payable checked; all problems of the row are reported together.
    private mutating func payable(_ cells: [String], errors: inout [FieldError]) -> Outcome {
        let failedPaths = Set(errors.map(\.path))
        func required(_ field: CanonicalField) -> String? {
            if let value = value(field) { return value }
            if !failedPaths.contains(paths[field.slot]) { missing(field, &errors) }
            return nil
        }
        let externalID = required(.externalID)
        let invoiceNumber = required(.invoiceNumber)
        let invoiceDate = dates[0]
        if invoiceDate == nil && !failedPaths.contains(paths[CanonicalField.invoiceDate.slot]) {
            missing(.invoiceDate, &errors)
        }
        var dueDate = dates[1]
        if dueDate == nil, let invoiceDate, !failedPaths.contains(paths[CanonicalField.dueDate.slot]) {
            dueDate = (try? invoiceDate.adding(days: plan.dueDateOffsetDays ?? 0)) ?? invoiceDate
        }
        let amount = money(cells, errors: &errors)
        let vendor = vendorRecord(errors: &errors)
        guard errors.isEmpty, let externalID, let invoiceNumber, let invoiceDate, let dueDate, let amount, let vendor
        else {
            return .rejected(errors)
        }
        return .payable(
            ERPPayableRecord(
                externalID: externalID, invoiceNumber: invoiceNumber, invoiceDate: invoiceDate, dueDate: dueDate,
                amount: amount, remittance: value(.remittance), entity: value(.entity) ?? plan.defaultEntity,
                vendor: vendor))
    }

    private mutating func money(_ cells: [String], errors: inout [FieldError]) -> Money? {
        let amountPath = paths[CanonicalField.amount.slot]
        if errors.contains(where: { $0.path == amountPath }) { return nil }
        var currency = plan.defaultCurrency
        if let code = value(.currency) {
            guard let known = knownCurrency(code) else {
                errors.append(
                    FieldError(
                        path: paths[CanonicalField.currency.slot], code: ERPRecordErrorCode.unknownCurrency.rawValue,
                        message: "\"\(code)\" is not an ISO 4217 currency code"))
                return nil
            }
            currency = known
        }
        guard let text = value(.amount) else {
            missing(.amount, &errors)
            return nil
        }
        guard let currency else {
            if !errors.contains(where: { $0.path == paths[CanonicalField.currency.slot] }) {
                missing(.currency, &errors)
            }
            return nil
        }
        guard let decimal = plan.amountFormat.decimalString(text) else {
            errors.append(
                FieldError(
                    path: amountPath, code: ERPRecordErrorCode.invalidAmount.rawValue,
                    message:
                        "\"\(text)\" is not an amount with decimal separator \"\(Character(Unicode.Scalar(plan.amountFormat.decimalSeparator)))\""
                ))
            return nil
        }
        var amount: Money
        do throws(MoneyError) {
            amount = try Money(parsing: decimal, currency: currency)
        } catch {
            errors.append(FieldError(path: amountPath, code: error.code.rawValue, message: error.description))
            return nil
        }
        switch plan.sign {
        case .positive: break
        case .negative: amount = Money(minorUnits: 0 &- amount.minorUnits, currency: currency)
        case .debitCreditColumn(let convention):
            guard let signColumn else { break }
            let indicator = signColumn.index < cells.count ? TextFunctions.trimmed(cells[signColumn.index]) : ""
            if convention.creditNote.contains(indicator) {
                amount = Money(minorUnits: 0 &- amount.minorUnits, currency: currency)
            } else if !convention.payable.contains(indicator) {
                errors.append(
                    FieldError(
                        path: signColumn.path, code: ERPRecordErrorCode.unknownCode.rawValue,
                        message:
                            "\"\(indicator)\" is neither a payable (\(convention.payable.joined(separator: ", "))) nor a credit note (\(convention.creditNote.joined(separator: ", "))) indicator"
                    ))
                return nil
            }
        }
        guard amount.isPositive else {
            errors.append(
                FieldError(
                    path: amountPath, code: ERPRecordErrorCode.notAPayable.rawValue,
                    message:
                        "\(amount.decimalString) \(currency.code) after the sign convention is not an amount owed to the vendor"
                ))
            return nil
        }
        return amount
    }

    private mutating func knownCurrency(_ code: String) -> Currency? {
        if let known = currencies[code] { return known }
        let found = try? Currency(code: code)
        if currencies.count >= Self.memoCountMax { currencies.removeAll(keepingCapacity: true) }
        currencies[code] = found
        return found
    }

    private mutating func vendor(errors: inout [FieldError]) -> Outcome {
        guard let vendor = vendorRecord(errors: &errors), errors.isEmpty else { return .rejected(errors) }
        return .vendor(vendor)
    }

    private mutating func vendorRecord(errors: inout [FieldError]) -> ERPVendorRecord? {
        let failed = Set(errors.map(\.path))
        func required(_ field: CanonicalField) -> String? {
            if let value = value(field) { return value }
            if !failed.contains(paths[field.slot]) { missing(field, &errors) }
            return nil
        }
        let externalID = required(.vendorExternalID)
        let name = required(.vendorName)
        var country = value(.vendorCountry).map(TextFunctions.upper) ?? plan.defaultCountry
        if let code = country, !TextFunctions.isCountryCode(code) {
            errors.append(
                FieldError(
                    path: paths[CanonicalField.vendorCountry.slot], code: ERPRecordErrorCode.invalidCountry.rawValue,
                    message: "\"\(code)\" is not an ISO 3166 alpha-2 country code such as DE"))
            country = nil
        } else if country == nil && !failed.contains(paths[CanonicalField.vendorCountry.slot]) {
            missing(.vendorCountry, &errors)
        }
        let bankAccount = bankAccountRecord(errors: &errors)
        guard let externalID, let name, let country else { return nil }
        return ERPVendorRecord(
            externalID: externalID, name: name, country: country, taxID: value(.vendorTaxID), bankAccount: bankAccount)
    }

    private mutating func bankAccountRecord(errors: inout [FieldError]) -> ERPBankAccountRecord? {
        func identifier(
            _ field: CanonicalField, _ code: ERPRecordErrorCode, _ parse: (String) throws(IdentifierError) -> String
        ) -> String? {
            guard let text = value(field) else { return nil }
            let key = IdentifierKey(slot: field.slot, text: text)
            let checked: Result<String, IdentifierError>
            if let known = checkedIdentifiers[key] {
                checked = known
            } else {
                do throws(IdentifierError) {
                    checked = .success(try parse(text))
                } catch {
                    checked = .failure(error)
                }
                if checkedIdentifiers.count >= Self.memoCountMax { checkedIdentifiers.removeAll(keepingCapacity: true) }
                checkedIdentifiers[key] = checked
            }
            switch checked {
            case .success(let normalized): return normalized
            case .failure(let error):
                // IdentifierError's description never repeats the identifier.
                errors.append(FieldError(path: paths[field.slot], code: code.rawValue, message: error.description))
                return nil
            }
        }
        let account = ERPBankAccountRecord(
            iban: identifier(.vendorIBAN, .invalidIBAN) { text throws(IdentifierError) in try IBAN(text).value },
            accountNumber: value(.vendorAccountNumber),
            bic: identifier(.vendorBIC, .invalidBIC) { text throws(IdentifierError) in try BIC(text).value },
            routingNumber: identifier(.vendorRoutingNumber, .invalidRoutingNumber) { text throws(IdentifierError) in
                try ABARoutingNumber(text).value
            },
            cnapsCode: identifier(.vendorCNAPSCode, .invalidCNAPSCode) { text throws(IdentifierError) in
                try CNAPSCode(text).value
            },
            bankName: value(.vendorBankName), holderName: value(.vendorAccountHolder),
            currency: value(.vendorAccountCurrency).map(TextFunctions.upper))
        if let code = account.currency, knownCurrency(code) == nil {
            errors.append(
                FieldError(
                    path: paths[CanonicalField.vendorAccountCurrency.slot],
                    code: ERPRecordErrorCode.unknownCurrency.rawValue,
                    message: "\"\(code)\" is not an ISO 4217 currency code"))
        }
        return account == ERPBankAccountRecord() ? nil : account
    }
}
