import Foundation
import Testing
@testable import Retrieval

@Suite struct TokenizerTests {
    let tokenizer = KoreanTokenizer()

    @Test(arguments: ["환불은", "환불을", "환불", "환불이", "환불에서"])
    func particlesDoNotChangeTheNoun(word: String) {
        #expect(tokenizer.terms(word) == ["환불"])
    }

    @Test func verbEndingsAreStripped() {
        #expect(tokenizer.terms("처리하나요") == ["처리"])
        #expect(tokenizer.terms("확인하세요") == ["확인"])
    }

    @Test func twoSyllableNounsStayWhole() {
        #expect(tokenizer.terms("추가로") == ["추가"])
        #expect(tokenizer.terms("정도") .first == "정도")
        #expect(tokenizer.terms("서비스") == ["서비", "비스"])
    }

    @Test func oneSyllableNounWithParticleYieldsTheNoun() {
        #expect(tokenizer.terms("화를").contains("화"))
        #expect(tokenizer.terms("방은").contains("방"))
    }

    @Test func predicatesCountLessThanNouns() {
        let weights = Dictionary(uniqueKeysWithValues: tokenizer.weightedQueryTerms("반려견 데리고 와도 되나요?").map { ($0.term, $0.weight) })
        #expect(Set(weights.keys) == ["반려", "려견", "데리", "리고", "와도", "와"])
        #expect(weights["반려"] == 1)
        #expect(weights["데리"] == 0.3)
        #expect(weights["되나"] == nil)  // filler
        let stripped = Dictionary(uniqueKeysWithValues: tokenizer.weightedQueryTerms("분실물 처리하나요").filter { $0.alternative == 0 }.map { ($0.term, $0.weight) })
        #expect(stripped["처리"] == 1)  // 처리+하나요: the noun stays a noun
    }

    @Test func lexiconAddsAlternativesInTheSameGroup() {
        let terms = tokenizer.weightedQueryTerms("엘베 어디 있어요")
        let own = terms.filter { $0.alternative == 0 }.map(\.term)
        #expect(own == ["엘베"])
        let alternatives = Set(terms.filter { $0.alternative > 0 }.map(\.term))
        #expect(alternatives.isSuperset(of: ["엘리", "리베", "베이", "이터"]))
        #expect(Set(terms.map(\.group)) == [0])
    }

    @Test func longWordsGiveSyllableBigrams() {
        #expect(tokenizer.terms("체크아웃") == ["체크", "크아", "아웃"])
        // Spaced and unspaced forms share their bigrams.
        let spaced = Set(tokenizer.terms("체크 아웃"))
        #expect(spaced.isSubset(of: Set(tokenizer.terms("체크아웃"))))
    }

    @Test func latinAndDigits() {
        #expect(tokenizer.terms("VIP 고객") == ["vip", "고객"])
        #expect(tokenizer.terms("관광통역 1330") == ["관광", "광통", "통역", "1330"])
        #expect(Set(tokenizer.terms("Wi-Fi")) == ["wi", "fi", "wifi"])
        #expect(tokenizer.terms("Ｗｉｆｉ") == ["wifi"])  // full-width forms fold (NFKC)
    }

    /// Korean reports write years as ’23 or (‘02); questions say 2023년.
    @Test func abbreviatedYearsAreFullYears() {
        #expect(tokenizer.terms("(’02) 5.5권 → (’23) 39.9권").filter { $0.hasPrefix("20") } == ["2002", "2023"])
        #expect(tokenizer.terms("‘98년") == ["1998", "년"])
        #expect(tokenizer.terms("’23.10 시행").prefix(2) == ["2023", "10"])
        #expect(tokenizer.terms("2023년") == ["2023", "년"])
        #expect(tokenizer.terms("'2023") == ["2023"])   // already four digits
        #expect(tokenizer.terms("’123") == ["123"])     // not a year
        #expect(tokenizer.terms("23개") == ["23", "개"])  // no apostrophe, no year
    }

    /// The manuals' bigrams are the dictionary; a word with an unknown bigram gets the
    /// one-jamo variant whose bigrams are all known.
    @Test func typosAreCorrectedFromTheManualsVocabulary() {
        let known: [String: Int] = ["체크": 30, "크아": 20, "아웃": 25, "추가": 40, "가요": 9, "요금": 50, "외국": 7, "국인": 7]
        let corrector = TypoCorrector(documentFrequency: { known[$0] ?? 0 })
        func fix(_ word: String) -> String? {
            var tried = 0
            return corrector.correct(Array(word.unicodeScalars), tried: &tried).map { String(String.UnicodeScalarView($0)) }
        }
        #expect(fix("체크아욷") == "체크아웃")  // final consonant
        #expect(fix("쳉크아웃") == "체크아웃")  // an extra final consonant
        #expect(fix("추카요금") == "추가요금")  // aspirated for plain
        #expect(fix("외국잉") == "외국인")
        #expect(fix("체크아웃") == nil)        // nothing unknown
        #expect(fix("환불규정") == nil)        // unknown, but no likely typo makes it known
        #expect(fix("농쇼") == nil)            // two syllables: left alone
    }

    /// A word's bigrams share its BM25 evidence (n^-0.25 each); coverage weighs words whole.
    @Test func longWordsDoNotOutweighShortOnesByLength() {
        let terms = tokenizer.weightedQueryTerms("객실청소요청 시간")
        let long = terms.filter { $0.group == 0 && $0.alternative == 0 }
        #expect(long.count == 5)
        #expect(long.allSatisfy { abs($0.evidence - pow(5, -0.25)) < 1e-9 && $0.weight == 1 })
        #expect(terms.first { $0.term == "시간" }?.evidence == 1)
    }

    @Test func correctionsJoinTheWordAsAnAlternative() {
        let known: Set<String> = ["체크", "크아", "아웃", "시간"]
        let terms = tokenizer.weightedQueryTerms("체크아욷 시간", documentFrequency: { known.contains($0) ? 5 : 0 })
        let placed = terms.map { "\($0.term) \($0.group) \($0.alternative)" }
        #expect(placed.contains("아욷 0 0"))
        #expect(placed.contains("아웃 0 1"))
        // The correction keeps its terms shared with the typo ("체크", "크아"): it is scored as a whole.
        #expect(placed.contains("체크 0 1"))
        #expect(placed.contains("시간 1 0"))
        // At most a few words per question are searched: 100 distinct unknown 4-syllable words
        // cost 13,102 lookups before the cap; with it, about 1,300.
        final class Counter: @unchecked Sendable { var calls = 0 }
        let counter = Counter()
        var words: [String] = []
        for n in 0..<100 {
            var word = String.UnicodeScalarView()
            for i in 0..<4 {
                let offset = UInt32((n * 4 + i) * 97 % 11172)
                word.append(Unicode.Scalar(0xAC00 + offset)!)
            }
            words.append(String(word))
        }
        let noise = words.joined(separator: " ")
        _ = tokenizer.weightedQueryTerms(noise, documentFrequency: { _ in counter.calls += 1; return 0 })
        #expect(counter.calls < 3_000)
        // Without the index's vocabulary nothing is corrected.
        #expect(!tokenizer.weightedQueryTerms("체크아욷 시간").contains { $0.term == "아웃" })
    }

    @Test func nfdAndNfcGiveTheSameTerms() {
        let text = "노쇼 고객 환불 규정"
        #expect(tokenizer.terms(text.decomposedStringWithCanonicalMapping) == tokenizer.terms(text))
    }

    /// Found by the property test: 가 + ᆨ (LV syllable + trailing jamo) is canonically 각.
    @Test func syllablePlusTrailingJamoComposes() {
        #expect(tokenizer.terms("\u{AC00}\u{11A8}") == ["각"])
        #expect(tokenizer.terms("\u{1100}\u{1161}\u{11A8}") == ["각"])
    }

    @Test func questionFillerIsDropped() {
        #expect(tokenizer.queryTerms("노쇼 고객 환불 어떻게 해요?") == ["노쇼", "고객", "환불"])
        #expect(tokenizer.queryTerms("환불은 어케 하나요") == ["환불"])
        // Copula endings and "몇 시", "되는 거죠" scaffolding.
        #expect(tokenizer.queryTerms("체크아웃 몇 시까지예요?") == ["체크", "크아", "아웃", "시까", "까지"])
        #expect(tokenizer.queryTerms("수건 갖다줘도 되는 거죠?") == ["수건", "갖다", "다줘"])
        #expect(tokenizer.terms("조식이에요") == tokenizer.terms("조식"))
    }

    @Test func punctuationAndSymbolsMakeNoTerms() {
        #expect(tokenizer.terms("…, !! ★ ·").isEmpty)
        #expect(tokenizer.terms("").isEmpty)
    }
}
