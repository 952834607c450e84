import PayHubDomain

/// The normalised JSON of `../shared/spec/format-json.md`: what `payhub format parse` prints and the
/// tests compare.
public enum ParsedBankFile: Sendable, Hashable {
    case statement(StatementDocument)
    case paymentStatus(PaymentStatusReport)
    case paymentInitiation(PaymentInitiation)

    public var json: JSONValue {
        switch self {
        case .statement(let document): document.json
        case .paymentStatus(let report): report.json
        case .paymentInitiation(let initiation): initiation.json
        }
    }

    public var warnings: [FormatWarning] {
        switch self {
        case .statement(let document): document.warnings
        case .paymentStatus(let report): report.warnings
        case .paymentInitiation(let initiation): initiation.warnings
        }
    }
}

/// Amounts show the currency's own number of places, or more when the file carries more.
func amountText(_ amount: ExactDecimal, currency: String?) -> String {
    let places = currency.flatMap { try? Currency(code: $0) }?.minorUnits ?? 2
    return amount.formatted(minimumScale: places)
}

extension FormatWarning {
    var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let statement { members.append(("statement", .integer(statement))) }
        members += [("code", .string(code.rawValue)), ("message", .string(message))]
        return .object(members)
    }
}

extension StatementDocument {
    public var json: JSONValue {
        .object([
            ("kind", .string("statement")),
            ("format", .string(format)),
            ("message_id", .optional(messageID)),
            ("created_at", .optional(createdAt)),
            ("statements", .array(statements.map(\.json))),
            ("warnings", .array(warnings.map(\.json))),
        ])
    }
}

extension Statement {
    var json: JSONValue {
        func balance(_ balance: StatementBalance?) -> JSONValue {
            guard let balance else { return .null }
            return .object([
                ("amount", .string(amountText(balance.amount, currency: currency))), ("date", .optional(balance.date)),
            ])
        }
        return .object([
            ("id", .optional(id)),
            (
                "account",
                .object([
                    ("iban", .optional(account.iban)), ("number", .optional(account.number)),
                    ("bic", .optional(account.bic)), ("name", .optional(account.name)),
                ])
            ),
            ("currency", .optional(currency)),
            ("opening_balance", balance(openingBalance)),
            ("closing_balance", balance(closingBalance)),
            ("entries", .array(entries.map { $0.json(statementCurrency: currency) })),
        ])
    }
}

extension StatementEntry {
    func json(statementCurrency: String?) -> JSONValue {
        .object([
            ("amount", .string(amountText(amount, currency: currency ?? statementCurrency))),
            ("currency", .optional(currency ?? statementCurrency)),
            ("booking_date", .optional(bookingDate)),
            ("value_date", .optional(valueDate)),
            ("status", .string(status.rawValue)),
            ("reversal", .bool(reversal)),
            ("bank_reference", .optional(bankReference)),
            ("customer_reference", .optional(customerReference)),
            ("end_to_end_ids", .array(endToEndIDs.map(JSONValue.string))),
            (
                "counterparty",
                counterparty.map {
                    .object([("name", .optional($0.name)), ("account", .optional($0.account)), ("bic", .optional($0.bic))])
                } ?? .null
            ),
            ("remittance", .optional(remittance)),
            ("transaction_code", .optional(transactionCode)),
            ("return_reason", .optional(returnReason)),
            ("details_count", .integer(detailsCount)),
        ])
    }
}

extension PaymentStatusReport {
    public var json: JSONValue {
        .object([
            ("kind", .string("payment_status")),
            ("format", .string(format)),
            ("message_id", .optional(messageID)),
            ("created_at", .optional(createdAt)),
            ("original_message_id", .optional(originalMessageID)),
            ("group_status", .optional(groupStatus)),
            (
                "payments",
                .array(
                    payments.map { payment in
                        .object([
                            ("original_payment_id", .optional(payment.originalPaymentID)),
                            ("status", .optional(payment.status)),
                            (
                                "transactions",
                                .array(
                                    payment.transactions.map { transaction in
                                        .object([
                                            ("original_end_to_end_id", .optional(transaction.originalEndToEndID)),
                                            ("original_instruction_id", .optional(transaction.originalInstructionID)),
                                            ("status", .optional(transaction.status)),
                                            ("reason", .optional(transaction.reason)),
                                            ("additional_info", .optional(transaction.additionalInfo)),
                                        ])
                                    })
                            ),
                        ])
                    })
            ),
            ("warnings", .array(warnings.map(\.json))),
        ])
    }
}

extension PaymentInitiation {
    public var json: JSONValue {
        func party(_ party: InitiationParty, withCountry: Bool) -> JSONValue {
            var members: [(String, JSONValue)] = [
                ("name", .optional(party.name)), ("iban", .optional(party.iban)), ("account", .optional(party.account)),
                ("bic", .optional(party.bic)),
            ]
            if withCountry { members.append(("country", .optional(party.country))) }
            return .object(members)
        }
        let firstCurrency = payments.first?.transactions.first?.currency
        return .object([
            ("kind", .string("payment_initiation")),
            ("format", .string(format)),
            ("message_id", .optional(messageID)),
            ("created_at", .optional(createdAt)),
            ("number_of_transactions", numberOfTransactions.map(JSONValue.integer) ?? .null),
            ("control_sum", controlSum.map { .string(amountText($0, currency: firstCurrency)) } ?? .null),
            ("initiating_party", .optional(initiatingParty)),
            (
                "payments",
                .array(
                    payments.map { payment in
                        .object([
                            ("id", .optional(payment.id)),
                            ("requested_execution_date", .optional(payment.requestedExecutionDate)),
                            ("batch_booking", payment.batchBooking.map(JSONValue.bool) ?? .null),
                            ("debtor", party(payment.debtor, withCountry: false)),
                            (
                                "transactions",
                                .array(
                                    payment.transactions.map { transaction in
                                        .object([
                                            ("end_to_end_id", .optional(transaction.endToEndID)),
                                            ("instruction_id", .optional(transaction.instructionID)),
                                            ("amount", .string(amountText(transaction.amount, currency: transaction.currency))),
                                            ("currency", .optional(transaction.currency)),
                                            ("creditor", party(transaction.creditor, withCountry: true)),
                                            ("remittance", .optional(transaction.remittance)),
                                        ])
                                    })
                            ),
                        ])
                    })
            ),
            ("warnings", .array(warnings.map(\.json))),
        ])
    }
}
