// Phone typos in a question word ("체크아욷" for 체크아웃, "추카요금" for 추가요금): when a word's
// syllable bigrams include one the manuals never use, try the likely one-jamo mistypes of the
// syllables in those bigrams, and keep the variant whose bigrams all occur in the manuals (the
// one whose rarest bigram is most common wins). Written by hand: no Korean spelling corrector
// exists for Swift here, and the manuals' own vocabulary is the dictionary. Measured on
// bench/hotel/typos.jsonl (one generated typo per question): MRR@5 0.604 → 0.630.
struct TypoCorrector {
    /// How many passages contain a term (0: never seen).
    var documentFrequency: (String) -> Int

    /// Two-syllable words are left alone: their one bigram gives no context, and on our sets
    /// half of their "corrections" turned a real word into another (단가 → 단기, 부리 → 무리).
    static let minimumSyllables = 3

    private static let base: UInt32 = 0xAC00
    private static let vowels: UInt32 = 21
    private static let finals: UInt32 = 28

    /// Words with an unknown bigram looked at per question, at most: each costs ~50 variants
    /// per suspect syllable, and a 20,000-character question of noise must stay cheap.
    static let maximumWordsPerQuestion = 8

    /// The corrected word, or nil when every bigram is known or no one-jamo change explains it.
    /// `tried` counts the words that needed a search.
    func correct(_ word: [Unicode.Scalar], tried: inout Int) -> [Unicode.Scalar]? {
        guard word.count >= Self.minimumSyllables, word.allSatisfy({ (0xAC00...0xD7A3).contains($0.value) }) else { return nil }
        let unknown = (0..<(word.count - 1)).filter { documentFrequency(KoreanTokenizer.bigram(word, at: $0)) == 0 }
        guard !unknown.isEmpty else { return nil }
        tried += 1
        // Only syllables inside an unknown bigram can hold the typo.
        let suspects = Set(unknown.flatMap { [$0, $0 + 1] }).sorted()
        var best: (word: [Unicode.Scalar], rarest: Int)?
        for position in suspects {
            for variant in Self.oneJamoChanges(of: word[position]) {
                var candidate = word
                candidate[position] = variant
                // Every bigram must be known; the candidate is as good as its rarest bigram.
                var rarest = Int.max
                for index in 0..<(candidate.count - 1) {
                    rarest = min(rarest, documentFrequency(KoreanTokenizer.bigram(candidate, at: index)))
                    if rarest == 0 { break }
                }
                if rarest > 0, rarest > (best?.rarest ?? 0) { best = (candidate, rarest) }
            }
        }
        return best?.word
    }

    /// The syllables one phone typo away from `syllable`: its final consonant dropped, added
    /// or changed; its vowel swapped for one that sounds alike or sits next to it (ㅐ/ㅔ, ㅗ/ㅓ,
    /// ㅜ/ㅡ…); its initial consonant swapped for its plain/tense/aspirated partner or its
    /// neighbour on the 2-beolsik keyboard.
    static func oneJamoChanges(of syllable: Unicode.Scalar) -> [Unicode.Scalar] {
        let code = syllable.value - base
        let initial = Int(code / (vowels * finals)), vowel = Int((code % (vowels * finals)) / finals), final = Int(code % finals)
        var result: [Unicode.Scalar] = []
        func make(_ l: Int, _ v: Int, _ t: Int) {
            if let scalar = Unicode.Scalar(base + (UInt32(l) * vowels + UInt32(v)) * finals + UInt32(t)) { result.append(scalar) }
        }
        for l in initialNeighbours[initial] { make(l, vowel, final) }
        for v in vowelNeighbours[vowel] { make(initial, v, final) }
        for t in 0..<Int(finals) where t != final { make(initial, vowel, t) }
        return result
    }

    /// Initial consonants (Unicode order ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ) → likely mistypes.
    static let initialNeighbours = neighbourTable("ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ", pairs: [
        "ㄱㄲ", "ㄱㅋ", "ㄲㅋ", "ㄷㄸ", "ㄷㅌ", "ㄸㅌ", "ㅂㅃ", "ㅂㅍ", "ㅃㅍ", "ㅅㅆ", "ㅈㅉ", "ㅈㅊ", "ㅉㅊ",  // plain/tense/aspirated
        "ㅂㅈ", "ㅈㄷ", "ㄷㄱ", "ㄱㅅ", "ㅁㄴ", "ㄴㅇ", "ㅇㄹ", "ㄹㅎ", "ㅋㅌ", "ㅌㅊ", "ㅊㅍ",      // keyboard rows
        "ㅂㅁ", "ㅈㄴ", "ㄷㅇ", "ㄱㄹ", "ㅅㅎ", "ㅁㅋ", "ㄴㅌ", "ㅇㅊ", "ㄹㅍ",                      // keyboard columns
    ])

    /// Vowels (Unicode order ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ) → likely mistypes.
    static let vowelNeighbours = neighbourTable("ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ", pairs: [
        "ㅐㅔ", "ㅒㅖ", "ㅙㅞ", "ㅚㅙ", "ㅚㅞ", "ㅗㅓ", "ㅜㅡ", "ㅓㅕ", "ㅏㅑ", "ㅗㅛ", "ㅜㅠ", "ㅡㅢ", "ㅣㅢ", "ㅏㅓ", "ㅓㅣ", "ㅏㅣ",
    ])

    /// For each jamo of `order` (by position), the positions of the jamo it pairs with, both ways.
    static func neighbourTable(_ order: String, pairs: [String]) -> [[Int]] {
        let jamo = Array(order)
        var table = [[Int]](repeating: [], count: jamo.count)
        for pair in pairs {
            let a = jamo.firstIndex(of: pair.first!)!, b = jamo.firstIndex(of: pair.last!)!
            table[a].append(b)
            table[b].append(a)
        }
        return table
    }
}
