import Foundation
import PayHubDomain
import Testing

@Suite("Sanctions name normaliser")
struct SanctionsNameNormaliserTests {
    @Test(
        "case and diacritics are folded; letters without a separable accent are spelled out",
        arguments: [
            ("JOSÉ GARCÍA", ["garcia", "jose"]),
            ("François Lefèvre", ["francois", "lefevre"]),
            ("Müller", ["muller"]),
            ("Straße", ["strasse"]),
            ("Søren Ørsted", ["orsted", "soren"]),
            ("Łukasz Żółw", ["lukasz", "zolw"]),
            ("Đorđević", ["dordevic"]),
            ("Ærøskøbing", ["aeroskobing"]),
            ("İstanbul", ["istanbul"]),
            ("ＡＣＭＥ", ["acme"]),
        ])
    func diacritics(name: String, expected: [String]) {
        #expect(SanctionsNameNormaliser.tokens(of: name) == expected, "\(name)")
    }

    @Test(
        "Cyrillic is transliterated the way the lists write it in Latin",
        arguments: [
            ("Александр Иванович Петров", ["aleksandr", "ivanovich", "petrov"]),
            ("Елена Сергеевна Иванова", ["elena", "ivanova", "sergeevna"]),
            ("Дмитрий Волков", ["dmitriy", "volkov"]),
            ("Юрий Щукин", ["shchukin", "yuriy"]),
            ("Тарас Шевченко", ["shevchenko", "taras"]),
        ])
    func cyrillic(name: String, expected: [String]) {
        #expect(SanctionsNameNormaliser.tokens(of: name) == expected, "\(name)")
    }

    @Test(
        "legal forms are removed, spelled with or without periods, alone or as phrases",
        arguments: [
            ("ACME TRADING CO., LTD.", ["acme", "trading"]),
            ("Acme Trading LLC", ["acme", "trading"]),
            ("Acme Trading L.L.C.", ["acme", "trading"]),
            ("Müller Industrieanlagen GmbH", ["industrieanlagen", "muller"]),
            ("Caribbean Sugar Exports S.A.", ["caribbean", "exports", "sugar"]),
            ("Tierra Roja Agricola, S.A. de C.V.", ["agricola", "roja", "tierra"]),
            ("S.A.R.L. Dupont & Fils", ["dupont", "fils"]),
            ("Østfjord Shipping A/S", ["ostfjord", "shipping"]),
            ("Kowalski Sp. z o.o.", ["kowalski"]),
            ("Northern Star Metals OOO", ["metals", "northern", "star"]),
            ("ООО «Северная Звезда»", ["severnaya", "zvezda"]),
            ("ZAO Tekhnoprom-Servis", ["servis", "tekhnoprom"]),
            ("PJSC Severnyy Veter", ["severnyy", "veter"]),
            ("Public Joint Stock Company North Wind", ["north", "wind"]),
            ("Limited Liability Company Northern Star", ["northern", "star"]),
            ("Obshchestvo s ogranichennoy otvetstvennostyu Zvezda", ["zvezda"]),
            ("Red Sea Maritime Company Limited", ["maritime", "red", "sea"]),
            ("Blue Lagoon Shipping Inc.", ["blue", "lagoon", "shipping"]),
            ("Desert Falcon General Trading FZE", ["desert", "falcon", "general", "trading"]),
            ("Smith & Sons Corp", ["smith", "sons"]),
            ("The Bank of Example", ["bank", "example"]),
        ])
    func legalForms(name: String, expected: [String]) {
        #expect(SanctionsNameNormaliser.tokens(of: name) == expected, "\(name)")
    }

    @Test(
        "Chinese company suffixes are removed from the end of the name, longest first",
        arguments: [
            ("华为技术有限公司", ["华为技术"]),
            ("中国银行股份有限公司", ["中国银行"]),
            ("深圳光明未来电子有限责任公司", ["深圳光明未来电子"]),
            ("台灣積體電路製造有限責任公司", ["台灣積體電路製造"]),
            ("哈尔滨极地机械集团股份有限公司", ["哈尔滨极地机械集团"]),
            ("深圳光明 有限公司", ["深圳光明"]),
        ])
    func chineseLegalForms(name: String, expected: [String]) {
        #expect(SanctionsNameNormaliser.tokens(of: name) == expected, "\(name)")
    }

    @Test(
        "punctuation separates words; apostrophes and periods between initials join them",
        arguments: [
            ("O'Brien", ["obrien"]),
            ("D’Artagnan", ["dartagnan"]),
            ("J.P. Morgan", ["jp", "morgan"]),
            ("J.Smith", ["j", "smith"]),
            ("A. Smith", ["a", "smith"]),
            ("Jean-Pierre", ["jean", "pierre"]),
            ("al-Rashid, Khalid", ["al", "khalid", "rashid"]),
            ("Room 1201/B", ["1201", "b", "room"]),
            ("  Mohammed   Ali\tHASSAN  ", ["ali", "hassan", "mohammed"]),
        ])
    func punctuation(name: String, expected: [String]) {
        #expect(SanctionsNameNormaliser.tokens(of: name) == expected, "\(name)")
    }

    @Test(
        "a name made of nothing but legal forms keeps its words; one without letters has none",
        arguments: [
            ("Company Limited", ["company", "limited"]),
            ("The Company", ["company", "the"]),
            ("---", []),
            ("", []),
        ])
    func edgeCases(name: String, expected: [String]) {
        #expect(SanctionsNameNormaliser.tokens(of: name) == expected, "\(name)")
    }

    @Test("word order does not matter: LAST, First is First Last")
    func wordOrder() {
        #expect(SanctionsNameNormaliser.tokens(of: "SMITH, John") == SanctionsNameNormaliser.tokens(of: "John Smith"))
        #expect(SanctionsNameNormaliser.normalise("PETROV, Aleksandr Ivanovich") == "aleksandr ivanovich petrov")
        #expect(SanctionsNameNormaliser.normalise("GARCIA LOPEZ, Jose Maria") == "garcia jose lopez maria")
    }

    @Test("any order of a name's words normalises the same (seeded shuffles)")
    func wordOrderProperty() {
        let seed: UInt64 = 0x5A4C_7105
        var random = SplitMix64(seed: seed)
        let words = ["Aleksandr", "Ivanovich", "PETROV", "Müller", "José", "Trading", "Ltd.", "Østfjord", "Wiśniewski"]
        for iteration in 0..<500 {
            let count = Int.random(in: 1...5, using: &random)
            let name = (0..<count).map { _ in words.randomElement(using: &random)! }
            let shuffled = name.shuffled(using: &random)
            let expected = SanctionsNameNormaliser.tokens(of: name.joined(separator: " "))
            let actual = SanctionsNameNormaliser.tokens(of: shuffled.joined(separator: ", "))
            #expect(actual == expected, "seed \(seed), iteration \(iteration): \(name) vs \(shuffled)")
            #expect(actual == actual.sorted(), "seed \(seed), iteration \(iteration): words are sorted")
        }
    }
}
