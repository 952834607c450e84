import BankSimulator
import Foundation
import PayHubDomain
import Testing

/// The example of docs/bank-simulator.md.
private let exampleJSON = """
    {
      "seed": 20240304,
      "bank": { "bic": "SIMBDEFFXXX", "name": "Simulated Bank AG" },
      "start_date": "2024-03-04",
      "accounts": [
        { "account": "DE89 3704 0044 0532 0130 00", "currency": "EUR", "opening_balance": "250000.00",
          "status": "open", "name": "ACME GmbH" },
        { "account": "123456789", "currency": "USD", "opening_balance": "100000.00",
          "nacha_company_id": "1234567890" },
        { "account": "DE02120300000000202051", "currency": "EUR", "opening_balance": "0", "status": "closed" }
      ],
      "unknown_creditor_accounts": ["FR1420041010050500013M02606"],
      "closed_creditor_accounts": ["GB29NWBK60161331926819"],
      "rejection_rate_per_mille": 20,
      "random_rejection_reason": "MS03",
      "return_rate_per_mille": 10,
      "return_delay_business_days": 2,
      "return_reasons": ["AC04", "MS03"],
      "batch_booking": true,
      "fee_per_transaction": { "EUR": "0.35", "USD": "0.25" }
    }
    """

@Suite("Bank simulator configuration")
struct SimulatorConfigurationTests {
    @Test("the documented example decodes with every setting")
    func example() throws {
        let configuration = try BankSimulatorConfiguration.decode(json: Data(exampleJSON.utf8))
        #expect(configuration.seed == 20_240_304)
        #expect(configuration.bank.bic == "SIMBDEFFXXX")
        #expect(configuration.startDate == (try LocalDate(iso8601: "2024-03-04")))
        #expect(
            configuration.accounts.map(\.status) == [BankSimulatorConfiguration.AccountStatus.open, .open, .closed])
        #expect(configuration.accounts[1].nachaCompanyID == "1234567890")
        #expect(configuration.rejectionRatePerMille == 20)
        #expect(configuration.returnRatePerMille == 10)
        #expect(configuration.returnDelayBusinessDays == 2)
        #expect(configuration.batchBooking)
        #expect(configuration.feePerTransaction == ["EUR": "0.35", "USD": "0.25"])
    }

    @Test("only seed, bank, start date and accounts are required")
    func defaults() throws {
        let json = """
            {"seed": 1, "bank": {"bic": "SIMBDEFF", "name": "Sim"}, "start_date": "2024-03-04",
             "accounts": [{"account": "DE89370400440532013000", "currency": "EUR"}]}
            """
        let configuration = try BankSimulatorConfiguration.decode(json: Data(json.utf8))
        #expect(configuration.accounts[0].openingBalance == "0")
        #expect(configuration.accounts[0].status == .open)
        #expect(configuration.rejectionRatePerMille == 0)
        #expect(configuration.returnReasons == ["AC04", "MS03"])
        #expect(!configuration.batchBooking)
    }

    @Test(
        "a wrong setting is refused, naming it",
        arguments: [
            ("\"bic\": \"SIMBDEFFXXX\"", "\"bic\": \"NOT A BIC\"", "bank.bic"),
            ("\"opening_balance\": \"250000.00\"", "\"opening_balance\": \"12.345\"", "accounts[0].opening_balance"),
            ("\"currency\": \"USD\"", "\"currency\": \"XYZ\"", "accounts[1].currency"),
            ("\"rejection_rate_per_mille\": 20", "\"rejection_rate_per_mille\": 1001", "rejection_rate_per_mille"),
            ("\"return_delay_business_days\": 2", "\"return_delay_business_days\": 0", "return_delay_business_days"),
            ("\"return_reasons\": [\"AC04\", \"MS03\"]", "\"return_reasons\": [\"AC04\", \"x\"]", "return_reasons[1]"),
            ("\"EUR\": \"0.35\"", "\"EUR\": \"-1\"", "fee_per_transaction.EUR"),
            ("\"status\": \"closed\"", "\"status\": \"dormant\"", "accounts[2].status"),
            ("\"seed\": 20240304,", "", "seed"),
            ("\"DE02120300000000202051\"", "\"de89370400440532013000\"", "accounts[2].account"),
        ])
    func refusals(find: String, replace: String, location: String) {
        let json = exampleJSON.replacingOccurrences(of: find, with: replace)
        #expect(json != exampleJSON, "the case does not change the example")
        do throws(BankSimulatorError) {
            _ = try BankSimulatorConfiguration.decode(json: Data(json.utf8))
            Issue.record("\(location): accepted")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.location == location)
            #expect(!error.description.contains("DE89"))
        }
    }
}
