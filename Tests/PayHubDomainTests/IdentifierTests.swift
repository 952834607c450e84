import Foundation
import Testing

@testable import PayHubDomain

// MARK: - Deterministic randomness

/// SplitMix64, seeded, so every run generates the same identifiers and a failure can be replayed.
/// (Named apart from the domain's own `SplitMix64` so the test file stands alone.)
private struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let digits: [Character] = Array("0123456789")
private let letters: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
private let alphanumerics: [Character] = digits + letters
private let samplesPerType = 500

private func pick(_ from: [Character], _ count: Int, _ rng: inout SeededRandom) -> String {
    String((0..<count).map { _ in from.randomElement(using: &rng)! })
}

/// A BBAN-like body: mostly digits, like real ones, with some letters so letter expansion is exercised.
private func bbanLike(_ count: Int, _ rng: inout SeededRandom) -> String {
    String(
        (0..<count).map { _ in
            (Int.random(in: 0..<4, using: &rng) == 0 ? letters : digits).randomElement(using: &rng)!
        })
}

private func randomIBAN(_ rng: inout SeededRandom) -> String {
    // Sorted: dictionary order differs between processes, and the sequence must not.
    let country = IBAN.registryLengths.keys.sorted().randomElement(using: &rng)!
    let bban = bbanLike(IBAN.registryLengths[country]! - 4, &rng)
    return country + IBAN.checkDigits(countryCode: country, bban: bban) + bban
}

private func randomBIC(_ rng: inout SeededRandom) -> String {
    let institution = Int.random(in: 0..<10, using: &rng) == 0 ? pick(alphanumerics, 4, &rng) : pick(letters, 4, &rng)
    let branch = Bool.random(using: &rng) ? pick(alphanumerics, 3, &rng) : ""
    return institution + pick(letters, 2, &rng) + pick(alphanumerics, 2, &rng) + branch
}

private let abaPrefixes = Array(0...12) + Array(21...32) + Array(61...72) + [80]

private func randomABA(_ rng: inout SeededRandom) -> String {
    let prefix = abaPrefixes.randomElement(using: &rng)!
    let first8 = (prefix < 10 ? "0\(prefix)" : "\(prefix)") + pick(digits, 6, &rng)
    return first8 + String(ABARoutingNumber.checkDigit(for: first8)!)
}

private func randomCNAPS(_ rng: inout SeededRandom) -> String { pick(digits, 12, &rng) }

private func randomUSCC(_ rng: inout SeededRandom) -> String {
    let alphabet = UnifiedSocialCreditCode.alphabet
    let first17 = pick(alphabet, 2, &rng) + pick(digits, 6, &rng) + pick(alphabet, 9, &rng)
    return first17 + String(UnifiedSocialCreditCode.checkCharacter(for: first17)!)
}

private func randomLEI(_ rng: inout SeededRandom) -> String {
    let first18 = pick(alphanumerics, 18, &rng)
    return first18 + LEI.checkDigits(for: first18)!
}

// MARK: - Helpers

/// Runs `parse` and returns its error, or nil if it succeeded.
private func failure(_ parse: () throws(IdentifierError) -> Void) -> IdentifierError? {
    do {
        try parse()
        return nil
    } catch {
        return error
    }
}

private func parse(_ text: String, as kind: IdentifierError.Kind) throws(IdentifierError) {
    switch kind {
    case .iban: _ = try IBAN(text)
    case .bic: _ = try BIC(text)
    case .abaRoutingNumber: _ = try ABARoutingNumber(text)
    case .cnapsCode: _ = try CNAPSCode(text)
    case .unifiedSocialCreditCode: _ = try UnifiedSocialCreditCode(text)
    case .lei: _ = try LEI(text)
    }
}

/// `text` with the character at `offset` (0-based) replaced.
private func replacing(_ text: String, at offset: Int, with character: Character) -> String {
    var characters = Array(text)
    characters[offset] = character
    return String(characters)
}

/// Whether `message` repeats any 6-character run of `input` (spaces removed, case ignored): a message
/// must say what is wrong without echoing the identifier, not even most of it.
private func leaks(_ input: String, into message: String) -> Bool {
    let compact = Array(input.uppercased().filter { !$0.isWhitespace })
    let upperMessage = message.uppercased()
    guard compact.count >= 6 else { return !compact.isEmpty && upperMessage.contains(String(compact)) }
    return (0...(compact.count - 6)).contains { upperMessage.contains(String(compact[$0..<($0 + 6)])) }
}

// MARK: - Known-good identifiers

@Suite("Identifiers: known-good examples")
struct KnownIdentifierTests {
    @Test(arguments: [
        "DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606", "NL91ABNA0417164300",
        "CH9300762011623852957",
    ])
    func realIBANs(text: String) throws {
        let iban = try IBAN(text)
        #expect(iban.value == text)
        #expect(iban.countryCode + iban.checkDigits + iban.bban == text)
        #expect(IBAN.checkDigits(countryCode: iban.countryCode, bban: iban.bban) == iban.checkDigits)
        #expect(try IBAN(iban.formatted) == iban)
    }

    @Test func ibanParts() throws {
        let iban = try IBAN("  de89 3704 0044 0532 0130 00 ")
        #expect(iban.value == "DE89370400440532013000")
        #expect(iban.countryCode == "DE")
        #expect(iban.checkDigits == "89")
        #expect(iban.bban == "370400440532013000")
        #expect(iban.formatted == "DE89 3704 0044 0532 0130 00")
        #expect(iban.masked == "****3000")
        #expect(IBAN.checkDigits(countryCode: "de", bban: "3704 0044 0532 0130 00") == "89")
        #expect(IBAN.length(forCountry: "DE") == 22)
        #expect(IBAN.length(forCountry: "US") == nil)
    }

    @Test func ibanNeverPrintsInFull() throws {
        let iban = try IBAN("DE89370400440532013000")
        #expect("\(iban)" == "****3000")
        #expect(String(reflecting: iban) == "IBAN(****3000)")
    }

    @Test func registryLengthsCoverEuropeAndMore() {
        let lengths = IBAN.registryLengths
        let eea = [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
            "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
        ]
        for country in eea + ["CH", "GB", "MC", "SM", "VA", "AD", "GI"] {
            #expect(lengths[country] != nil, "\(country)")
        }
        #expect(lengths["DE"] == 22 && lengths["FR"] == 27 && lengths["GB"] == 22)
        #expect(lengths["NL"] == 18 && lengths["CH"] == 21 && lengths["NO"] == 15 && lengths["LC"] == 32)
        #expect(lengths.count >= 80)
        #expect(lengths.values.allSatisfy { (15...34).contains($0) })
    }

    @Test func bics() throws {
        let short = try BIC("DEUTDEFF")
        #expect(short.institutionCode == "DEUT")
        #expect(short.countryCode == "DE")
        #expect(short.locationCode == "FF")
        #expect(short.branchCode == nil)
        #expect(short.bic11 == "DEUTDEFFXXX")

        let branch = try BIC("DEUTDEFF500")
        #expect(branch.branchCode == "500")
        #expect(branch.bic11 == "DEUTDEFF500")

        let headOffice = try BIC("cobadeffxxx")
        #expect(headOffice.value == "COBADEFFXXX")
        #expect(headOffice.branchCode == "XXX")
        #expect(try BIC("DEUT DE FF 500") == branch)
        #expect("\(headOffice)" == "COBADEFFXXX")
    }

    @Test(arguments: ["021000021", "011000015"])
    func abaRoutingNumbers(text: String) throws {
        #expect(try ABARoutingNumber(text).value == text)
        #expect(ABARoutingNumber.checkDigit(for: String(text.prefix(8))) == text.last)
    }

    @Test func cnapsCode() throws {
        let code = try CNAPSCode(" 102290024015 ")
        #expect(code.value == "102290024015")
        #expect(code.bankCategoryCode == "102")
        #expect(code.cityCode == "2900")
    }

    /// Both are published codes (a Fuzhou and a Beijing company) and validate as they are.
    @Test(arguments: ["91350100M000100Y43", "91110000600037341L"])
    func unifiedSocialCreditCodes(text: String) throws {
        let code = try UnifiedSocialCreditCode(text.lowercased())
        #expect(code.value == text)
        #expect(UnifiedSocialCreditCode.checkCharacter(for: String(text.prefix(17))) == text.last)
        #expect(code.registrationAuthorityCode == "9")
        #expect(code.entityTypeCode == "1")
        #expect(code.administrativeDivisionCode == String(text.dropFirst(2).prefix(6)))
    }

    @Test(arguments: ["529900T8BM49AURSDO55", "5493001KJTIIGC8Y1R12"])
    func leis(text: String) throws {
        #expect(try LEI(text.lowercased()).value == text)
        #expect(LEI.checkDigits(for: String(text.prefix(18))) == String(text.suffix(2)))
        #expect(ISO7064.mod97(Array(text)) == 1)
    }

    @Test func helpersRejectMalformedBodies() {
        #expect(LEI.checkDigits(for: "TOO SHORT") == nil)
        #expect(LEI.checkDigits(for: "529900T8BM49AURSD-") == nil)
        #expect(UnifiedSocialCreditCode.checkCharacter(for: "91350100M000100Y") == nil)
        #expect(UnifiedSocialCreditCode.checkCharacter(for: "91350100M000100YI") == nil)
        #expect(ABARoutingNumber.checkDigit(for: "0210000") == nil)
        #expect(ABARoutingNumber.checkDigit(for: "0210000A") == nil)
    }

    @Test func codableAsSingleString() throws {
        struct Bundle: Codable, Equatable {
            var iban: IBAN
            var bic: BIC
            var aba: ABARoutingNumber
            var cnaps: CNAPSCode
            var uscc: UnifiedSocialCreditCode
            var lei: LEI
        }
        let bundle = Bundle(
            iban: try IBAN("DE89370400440532013000"), bic: try BIC("DEUTDEFF"), aba: try ABARoutingNumber("021000021"),
            cnaps: try CNAPSCode("102290024015"), uscc: try UnifiedSocialCreditCode("91350100M000100Y43"),
            lei: try LEI("529900T8BM49AURSDO55"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(bundle), as: UTF8.self)
        #expect(
            json == #"{"aba":"021000021","bic":"DEUTDEFF","cnaps":"102290024015","iban":"DE89370400440532013000","#
                + #""lei":"529900T8BM49AURSDO55","uscc":"91350100M000100Y43"}"#)
        #expect(try JSONDecoder().decode(Bundle.self, from: Data(json.utf8)) == bundle)
    }

    @Test func decodingValidatesWithoutEchoingTheValue() throws {
        let bad = "DE88370400440532013000"
        do {
            _ = try JSONDecoder().decode([IBAN].self, from: Data(#"["\#(bad)"]"#.utf8))
            Issue.record("an IBAN with wrong check digits decoded")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription == "IBAN check digits do not match (mod-97)")
            #expect((context.underlyingError as? IdentifierError)?.code == .checksumMismatch)
            #expect(!leaks(bad, into: "\(DecodingError.dataCorrupted(context))"))
        }
    }
}

// MARK: - Bad input

struct BadInput: Sendable, CustomTestStringConvertible {
    var text: String
    var kind: IdentifierError.Kind
    var code: IdentifierError.Code
    var position: Int? = nil
    var message: String

    var testDescription: String { "\(kind.rawValue): \(code.rawValue) \(message)" }
}

private let badInputs: [BadInput] = [
    BadInput(text: "", kind: .iban, code: .empty, message: "IBAN is empty"),
    BadInput(text: "   ", kind: .iban, code: .empty, message: "IBAN is empty"),
    BadInput(text: "D", kind: .iban, code: .invalidLength, message: "IBAN must have 15 to 34 characters, got 1"),
    BadInput(
        text: "DE8937040044053201300", kind: .iban, code: .invalidLength,
        message: "IBAN for DE must have 22 characters, got 21"),
    BadInput(
        text: "DE89 3704 0044 0532 0130 0000", kind: .iban, code: .invalidLength,
        message: "IBAN for DE must have 22 characters, got 24"),
    BadInput(
        text: "1E89370400440532013000", kind: .iban, code: .invalidCharacter, position: 1,
        message: "IBAN character 1 is not a letter"),
    BadInput(
        text: "DEX9370400440532013000", kind: .iban, code: .invalidCharacter, position: 3,
        message: "IBAN character 3 is not a digit"),
    BadInput(
        text: "DE89-3704-0044-0532-0130-00", kind: .iban, code: .invalidCharacter, position: 5,
        message: "IBAN character 5 is not a letter or digit"),
    BadInput(
        text: "DE89370400440532Ö13000", kind: .iban, code: .invalidCharacter, position: 17,
        message: "IBAN character 17 is not a letter or digit"),
    BadInput(
        text: "US89370400440532013000", kind: .iban, code: .unknownCountry,
        message: "IBAN country code US is not in the IBAN registry"),
    BadInput(
        text: "DE88370400440532013000", kind: .iban, code: .checksumMismatch,
        message: "IBAN check digits do not match (mod-97)"),
    BadInput(
        text: "GB29NWBK60161331926818", kind: .iban, code: .checksumMismatch,
        message: "IBAN check digits do not match (mod-97)"),

    BadInput(text: "", kind: .bic, code: .empty, message: "BIC is empty"),
    BadInput(text: "DEUTDEF", kind: .bic, code: .invalidLength, message: "BIC must have 8 or 11 characters, got 7"),
    BadInput(text: "DEUTDEFF50", kind: .bic, code: .invalidLength, message: "BIC must have 8 or 11 characters, got 10"),
    BadInput(
        text: "DEUT1EFF", kind: .bic, code: .invalidCharacter, position: 5, message: "BIC character 5 is not a letter"),
    BadInput(
        text: "DEUTD-FF500", kind: .bic, code: .invalidCharacter, position: 6,
        message: "BIC character 6 is not a letter or digit"),

    BadInput(text: "", kind: .abaRoutingNumber, code: .empty, message: "ABA routing number is empty"),
    BadInput(
        text: "02100002", kind: .abaRoutingNumber, code: .invalidLength,
        message: "ABA routing number must have 9 characters, got 8"),
    BadInput(
        text: "02100002X", kind: .abaRoutingNumber, code: .invalidCharacter, position: 9,
        message: "ABA routing number character 9 is not a digit"),
    BadInput(
        text: "０２１０００００２１", kind: .abaRoutingNumber, code: .invalidCharacter, position: 1,
        message: "ABA routing number character 1 is not a digit"),
    BadInput(
        text: "131000000", kind: .abaRoutingNumber, code: .invalidStructure,
        message: "ABA routing number must start with 00-12, 21-32, 61-72 or 80"),
    BadInput(
        text: "021000022", kind: .abaRoutingNumber, code: .checksumMismatch,
        message: "ABA routing number check digit does not match"),

    BadInput(text: "", kind: .cnapsCode, code: .empty, message: "CNAPS code is empty"),
    BadInput(
        text: "10229002401", kind: .cnapsCode, code: .invalidLength,
        message: "CNAPS code must have 12 characters, got 11"),
    BadInput(
        text: "10229002401A", kind: .cnapsCode, code: .invalidCharacter, position: 12,
        message: "CNAPS code character 12 is not a digit"),

    BadInput(text: "", kind: .unifiedSocialCreditCode, code: .empty, message: "Unified Social Credit Code is empty"),
    BadInput(
        text: "91350100M000100Y4", kind: .unifiedSocialCreditCode, code: .invalidLength,
        message: "Unified Social Credit Code must have 18 characters, got 17"),
    BadInput(
        text: "913501O0M000100Y43", kind: .unifiedSocialCreditCode, code: .invalidCharacter, position: 7,
        message: "Unified Social Credit Code character 7 is not a digit or a letter A-Y other than I, O, S or V"),
    BadInput(
        text: "91350100M000100Y4Z", kind: .unifiedSocialCreditCode, code: .invalidCharacter, position: 18,
        message: "Unified Social Credit Code character 18 is not a digit or a letter A-Y other than I, O, S or V"),
    BadInput(
        text: "9135A100M000100Y43", kind: .unifiedSocialCreditCode, code: .invalidCharacter, position: 5,
        message: "Unified Social Credit Code character 5 is not a digit"),
    BadInput(
        text: "91350100M000100Y44", kind: .unifiedSocialCreditCode, code: .checksumMismatch,
        message: "Unified Social Credit Code check character does not match"),

    BadInput(text: "", kind: .lei, code: .empty, message: "LEI is empty"),
    BadInput(
        text: "529900T8BM49AURSDO5", kind: .lei, code: .invalidLength, message: "LEI must have 20 characters, got 19"),
    BadInput(
        text: "529900T8BM49AURSDO5A", kind: .lei, code: .invalidCharacter, position: 20,
        message: "LEI character 20 is not a digit"),
    BadInput(
        text: "529900T8BM49AURSD_55", kind: .lei, code: .invalidCharacter, position: 18,
        message: "LEI character 18 is not a letter or digit"),
    BadInput(
        text: "529900T8BM49AURSDO56", kind: .lei, code: .checksumMismatch,
        message: "LEI check digits do not match (mod-97)"),
]

@Suite("Identifiers: rejected input")
struct RejectedIdentifierTests {
    @Test(arguments: badInputs)
    func rejects(_ bad: BadInput) throws {
        let error = try #require(failure { () throws(IdentifierError) in try parse(bad.text, as: bad.kind) })
        #expect(error.kind == bad.kind)
        #expect(error.code == bad.code)
        #expect(error.position == bad.position)
        #expect(error.description == bad.message)
        #expect(!leaks(bad.text, into: error.description))
    }

    @Test func everyCodeAndKindIsCovered() {
        #expect(Set(badInputs.map(\.code)) == Set(IdentifierError.Code.allCases))
        for kind in IdentifierError.Kind.allCases {
            let codes = Set(badInputs.filter { $0.kind == kind }.map(\.code))
            #expect(codes.isSuperset(of: [.empty, .invalidLength, .invalidCharacter]), "\(kind)")
        }
    }

    @Test func codesAndKindsHaveStableRawValues() {
        #expect(IdentifierError.Code.allCases.map(\.rawValue) == [
            "empty", "invalid_length", "invalid_character", "unknown_country", "checksum_mismatch",
            "invalid_structure",
        ])
        #expect(IdentifierError.Kind.allCases.map(\.rawValue) == [
            "iban", "bic", "aba_routing_number", "cnaps_code", "unified_social_credit_code", "lei",
        ])
    }

    @Test func lengthErrorsCarryTheLengths() throws {
        let error = try #require(failure { () throws(IdentifierError) in _ = try IBAN("DE8937040044053201300") })
        #expect(error.expectedLength == 22)
        #expect(error.actualLength == 21)
        #expect(error.countryCode == "DE")
    }

    /// 00, 01 and 99 are congruent to 97, 98 and 02 mod 97, so the bare mod-97 test would accept them
    /// wherever those are right; no real IBAN or LEI carries them.
    @Test func checkDigitsOutsideTwoToNinetyEightAreRejected() throws {
        var rng = SeededRandom(seed: 97)
        var foundIBAN: Set<String> = []
        var foundLEI: Set<String> = []
        let aliases = ["97": "00", "98": "01", "02": "99"]
        while foundIBAN.count < 3 || foundLEI.count < 3 {
            let bban = pick(digits, 18, &rng)
            let ibanDigits = IBAN.checkDigits(countryCode: "DE", bban: bban)
            if let alias = aliases[ibanDigits], !foundIBAN.contains(ibanDigits) {
                foundIBAN.insert(ibanDigits)
                #expect(try IBAN("DE" + ibanDigits + bban).checkDigits == ibanDigits)
                #expect(ISO7064.mod97(Array(bban + "DE" + alias)) == 1)
                let error = failure { () throws(IdentifierError) in _ = try IBAN("DE" + alias + bban) }
                #expect(error?.code == .checksumMismatch)
            }
            let body = pick(alphanumerics, 18, &rng)
            let leiDigits = LEI.checkDigits(for: body)!
            if let alias = aliases[leiDigits], !foundLEI.contains(leiDigits) {
                foundLEI.insert(leiDigits)
                #expect(ISO7064.mod97(Array(body + alias)) == 1)
                let error = failure { () throws(IdentifierError) in _ = try LEI(body + alias) }
                #expect(error?.code == .checksumMismatch)
            }
        }
    }
}

// MARK: - Properties over generated identifiers

@Suite("Identifiers: generated values")
struct GeneratedIdentifierTests {
    @Test func ibans() throws {
        var rng = SeededRandom(seed: 13616)
        var escaped: [String] = []
        var wrongCode: [String] = []
        for _ in 0..<samplesPerType {
            let text = randomIBAN(&rng)
            let iban = try IBAN(text)
            #expect(iban.value == text)
            #expect(try IBAN(iban.formatted) == iban)
            let characters = Array(text)
            // Every other letter or digit in either check digit: digits fail mod-97, letters fail the shape.
            for offset in 2..<4 {
                for replacement in alphanumerics where replacement != characters[offset] {
                    let changed = replacing(text, at: offset, with: replacement)
                    guard let error = failure({ () throws(IdentifierError) in _ = try IBAN(changed) }) else {
                        escaped.append(changed)
                        continue
                    }
                    let expected: IdentifierError.Code =
                        replacement.isNumber ? .checksumMismatch : .invalidCharacter
                    if error.code != expected { wrongCode.append(changed) }
                }
            }
            // One substitution anywhere else, digit for digit or letter for letter, changes the number by
            // (a − b)·10^k with 0 < |a − b| < 97, which 97 never divides.
            for offset in [0, 1] + Array(4..<characters.count) {
                let sameClass = characters[offset].isNumber ? digits : letters
                for replacement in sameClass where replacement != characters[offset] {
                    let changed = replacing(text, at: offset, with: replacement)
                    guard let error = failure({ () throws(IdentifierError) in _ = try IBAN(changed) }) else {
                        escaped.append(changed)
                        continue
                    }
                    if offset >= 4 && error.code != .checksumMismatch { wrongCode.append(changed) }
                }
            }
        }
        #expect(escaped.isEmpty, "single-character changes that still parsed: \(escaped.prefix(5))")
        #expect(wrongCode.isEmpty, "failed with an unexpected code: \(wrongCode.prefix(5))")
    }

    @Test func bics() throws {
        var rng = SeededRandom(seed: 9362)
        for _ in 0..<samplesPerType {
            let text = randomBIC(&rng)
            let bic = try BIC(text.lowercased())
            #expect(bic.value == text)
            #expect(bic.bic11.count == 11)
            #expect(bic.institutionCode + bic.countryCode + bic.locationCode + (bic.branchCode ?? "") == text)
            // A digit in the country code is always refused.
            let changed = replacing(text, at: 4 + Int.random(in: 0..<2, using: &rng), with: "7")
            #expect(failure { () throws(IdentifierError) in _ = try BIC(changed) }?.code == .invalidCharacter)
        }
    }

    @Test func abaRoutingNumbers() throws {
        var rng = SeededRandom(seed: 21000021)
        var escaped: [String] = []
        for _ in 0..<samplesPerType {
            let text = randomABA(&rng)
            #expect(try ABARoutingNumber(text).value == text)
            // Only the check digit: with weights 3, 7, 1 some changes elsewhere (and transpositions) collide.
            for replacement in digits where replacement != text.last {
                let changed = replacing(text, at: 8, with: replacement)
                let error = failure { () throws(IdentifierError) in _ = try ABARoutingNumber(changed) }
                if error?.code != .checksumMismatch { escaped.append(changed) }
            }
        }
        #expect(escaped.isEmpty, "check-digit changes not caught: \(escaped.prefix(5))")
    }

    @Test func cnapsCodes() throws {
        var rng = SeededRandom(seed: 102290024015)
        for _ in 0..<samplesPerType {
            let text = randomCNAPS(&rng)
            let code = try CNAPSCode(text)
            #expect(code.value == text)
            #expect(code.bankCategoryCode + code.cityCode == String(text.prefix(7)))
        }
    }

    @Test func unifiedSocialCreditCodes() throws {
        var rng = SeededRandom(seed: 32100)
        var escaped: [String] = []
        for _ in 0..<samplesPerType {
            let text = randomUSCC(&rng)
            #expect(try UnifiedSocialCreditCode(text).value == text)
            for replacement in UnifiedSocialCreditCode.alphabet where replacement != text.last {
                let changed = replacing(text, at: 17, with: replacement)
                let error = failure { () throws(IdentifierError) in _ = try UnifiedSocialCreditCode(changed) }
                if error?.code != .checksumMismatch { escaped.append(changed) }
            }
        }
        #expect(escaped.isEmpty, "check-character changes not caught: \(escaped.prefix(5))")
    }

    @Test func leis() throws {
        var rng = SeededRandom(seed: 17442)
        var escaped: [String] = []
        for _ in 0..<samplesPerType {
            let text = randomLEI(&rng)
            #expect(try LEI(text).value == text)
            let characters = Array(text)
            for offset in 18..<20 {
                for replacement in alphanumerics where replacement != characters[offset] {
                    let changed = replacing(text, at: offset, with: replacement)
                    let error = failure { () throws(IdentifierError) in _ = try LEI(changed) }
                    let expected: IdentifierError.Code = replacement.isNumber ? .checksumMismatch : .invalidCharacter
                    if error?.code != expected { escaped.append(changed) }
                }
            }
            for offset in 0..<18 {
                let sameClass = characters[offset].isNumber ? digits : letters
                for replacement in sameClass where replacement != characters[offset] {
                    let changed = replacing(text, at: offset, with: replacement)
                    let error = failure { () throws(IdentifierError) in _ = try LEI(changed) }
                    if error?.code != .checksumMismatch { escaped.append(changed) }
                }
            }
        }
        #expect(escaped.isEmpty, "single-character changes not caught: \(escaped.prefix(5))")
    }

    /// The guarantee above is for like-for-like substitutions only. A letter stands for two digits, so
    /// swapping a digit for a letter shifts everything before it and can land on the same remainder:
    /// about 1 in 240 such changes to a random LEI go unnoticed. Both of these are valid.
    @Test func digitForLetterSubstitutionCanSlipThroughMod97() throws {
        #expect(try LEI("6K111Y0ODR1XESVZEM78").value == "6K111Y0ODR1XESVZEM78")
        #expect(try LEI("6K11170ODR1XESVZEM78").value == "6K11170ODR1XESVZEM78")
    }
}
