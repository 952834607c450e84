// Fuzzes CSVStatementReader.read with a user-style mapping (header names, indicator amount, pattern date).
import BankFormats
import FuzzSupport

let mapping = CSVStatementMapping(
    bookingDate: "Date", valueDate: "Value",
    amount: .indicator(amount: "Amount", indicator: "CD", credit: ["C", "Cr"], debit: ["D", "Dr"]),
    currency: "Currency", counterpartyName: ["Name", "Payee"], counterpartyAccount: "Account",
    bankReference: "Ref", remittance: ["Text", "Memo"], dateFormat: .pattern("dd.MM.yyyy"), decimalComma: true
)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzReader(start, count) { try CSVStatementReader.read($0, mapping: mapping).json }
}
