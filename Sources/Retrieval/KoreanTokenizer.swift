// Turns Korean (and mixed Latin/digit) text into search terms. Written by hand: no Korean
// morphological analyser exists for Swift here, and SQLite's trigram tokenizer cannot match the
// 2-syllable nouns that carry most Korean meaning.
//
// Scheme: NFKC + lower case; a Hangul word loses a trailing particle or verb ending
// ("환불은" → "환불", "처리하나요" → "처리"), then yields syllable bigrams ("체크아웃" → 체크, 크아,
// 아웃), so spacing variants and compounds still meet; a one-syllable word yields itself.
// Latin and digit words are kept whole ("vip", "1330"), and "Wi-Fi" also gives "wifi".
import Foundation
import PDFIngest

public struct KoreanTokenizer: Sendable {
    /// `standard` is the service's tokenizer; the others are the baselines `manualbot eval`
    /// measures it against.
    public enum Mode: String, Sendable, CaseIterable {
        case standard
        /// Hangul syllable bigrams of every word, nothing stripped or weighted.
        case plainBigrams = "bigram"
        /// `[^\w가-힣\s]` → space, lower case, split on white space (the published BM25 baseline).
        case whitespace
    }

    public var mode: Mode

    /// Bump whenever `terms` gives different terms for the same text: indexes written by an older
    /// version re-tokenize their stored chunk text when opened (ManualIndex).
    public static let version = 3

    /// Which tokenizer wrote an index: version and mode.
    public var fingerprint: Int {
        Self.version * 10 + (Mode.allCases.firstIndex(of: mode) ?? 0)
    }

    public init(mode: Mode = .standard) {
        self.mode = mode
    }

    /// Terms for indexing a passage; the order follows the text.
    public func terms(_ text: String) -> [String] {
        switch mode {
        case .standard:
            var result: [String] = []
            for word in Self.words(text) {
                emit(word, into: &result)
            }
            return result
        case .plainBigrams:
            var result: [String] = []
            for word in Self.words(text) {
                switch word {
                case .hangul(let syllables), .han(let syllables): Self.appendGrams(of: syllables, into: &result)
                case .latin(let whole, _): result.append(whole)
                }
            }
            return result
        case .whitespace:
            return Self.whitespaceWords(text)
        }
    }

    static func whitespaceWords(_ text: String) -> [String] {
        let lowered = text.lowercased()
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in lowered.unicodeScalars {
            let isWord = scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
                || (0xAC00...0xD7A3).contains(scalar.value)
            if isWord {
                // FTS5's ascii tokenizer splits on ASCII punctuation, so keep only word scalars.
                current.append(scalar == "_" ? "x" : scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// Terms for a question: like `terms`, minus question filler words ("어떻게", "하나요", "뭐").
    public func queryTerms(_ text: String) -> [String] {
        weightedQueryTerms(text).filter { $0.alternative == 0 }.map(\.term)
    }

    /// Query terms grouped by the word they came from, with how much each counts when judging
    /// whether a passage answers: terms of predicate-looking words ("데리고", "와도",
    /// "가능한가요") count 0.3, since staff phrase the verb freely while the manual's nouns carry
    /// the topic. Words in the hotel lexicon bring their alternatives ("엘베" → 엘리베이터).
    ///
    /// With `documentFrequency` (the index's), a word with a bigram the manuals never use is also
    /// searched as its one-jamo correction when there is one ("추카요금" → 추가요금; TypoCorrector).
    public func weightedQueryTerms(_ text: String, documentFrequency: ((String) -> Int)? = nil) -> [QueryTerm] {
        var result: [QueryTerm] = []
        var seen = Set<String>()
        guard mode == .standard else {
            return terms(text).filter { seen.insert($0).inserted }.map { QueryTerm(term: $0) }
        }
        var group = 0
        var correctionsTried = 0
        for word in Self.words(text) {
            var weight = 1.0
            var key: String?
            var hangulStem: [Unicode.Scalar]?
            switch word {
            case .hangul(let syllables):
                let stem = Self.stripSuffix(syllables)
                hangulStem = stem
                let stemText = String(String.UnicodeScalarView(stem))
                if Self.queryStopWords.contains(stemText) { continue }
                if Self.queryStopWords.contains(String(String.UnicodeScalarView(syllables))) { continue }
                if Self.looksLikePredicate(syllables, stem: stem) { weight = 0.3 }
                key = HotelLexicon.alternatives[stemText] != nil ? stemText : Self.lexiconPrefix(stem)
            case .latin(let whole, _):
                key = whole
            case .han:
                break
            }
            var own: [String] = []
            emit(word, into: &own)
            // Terms of earlier words are not searched again; within this word, each form (the
            // word, each alternative) keeps all its terms: the search scores the best form.
            let earlier = seen
            var added = false
            for term in own where seen.insert(term).inserted {
                result.append(QueryTerm(term: term, weight: weight, group: group, evidence: Self.evidenceShare(of: own.count)))
                added = true
            }
            var alternatives = key.flatMap { HotelLexicon.alternatives[$0] } ?? []
            if let documentFrequency, let stem = hangulStem, alternatives.isEmpty, weight >= 1,
               correctionsTried < TypoCorrector.maximumWordsPerQuestion,
               let corrected = TypoCorrector(documentFrequency: documentFrequency).correct(stem, tried: &correctionsTried) {
                let correctedText = String(String.UnicodeScalarView(corrected))
                alternatives.insert(correctedText, at: 0)
                alternatives += HotelLexicon.alternatives[correctedText] ?? []
            }
            for (offset, alternative) in alternatives.enumerated() {
                let alternativeTerms = terms(alternative)
                var form = Set<String>()
                for term in alternativeTerms where !earlier.contains(term) && form.insert(term).inserted {
                    seen.insert(term)
                    result.append(QueryTerm(term: term, weight: max(weight, 1), group: group, alternative: offset + 1,
                                            evidence: Self.evidenceShare(of: alternativeTerms.count)))
                    added = true
                }
            }
            if added { group += 1 }
        }
        return result
    }

    /// How much each of a word's `count` terms adds to BM25. A word's overlapping bigrams are not
    /// independent evidence ("체크아웃" = 체크, 크아, 아웃): counted in full, a long compound
    /// outweighs a short key noun by its length alone. Each counts count^-0.25 (0.25 beat 0, 0.5
    /// and 1 on allganize, hotel and typos alike: MRR@5 0.747 → 0.751, 0.677 → 0.681,
    /// 0.628 → 0.626 with Hit@5 +0.7, +2.6, +2.6 points). Coverage still weighs words whole.
    static func evidenceShare(of count: Int) -> Double {
        count > 1 ? 1 / Double(count).squareRoot().squareRoot() : 1
    }

    /// Verb stems in the lexicon ("잃어버", "시끄러") match the start of a conjugated word.
    static func lexiconPrefix(_ stem: [Unicode.Scalar]) -> String? {
        guard stem.count >= 3 else { return nil }
        for length in stride(from: stem.count - 1, through: 2, by: -1) {
            let prefix = String(String.UnicodeScalarView(stem[..<length]))
            if HotelLexicon.alternatives[prefix] != nil { return prefix }
        }
        return nil
    }

    static let predicateEndings: Set<Unicode.Scalar> = ["고", "도", "면", "서", "요", "까", "죠", "니", "지", "게", "며", "데", "래", "다"]
    static let nounMakingEndings: [[Unicode.Scalar]] = ["하세요", "하나요", "합니까", "해요", "하면", "해서", "하는", "하고", "해야", "해주세요", "하려면", "하려고", "되나요", "됩니다"]
        .map { Array(($0 as String).unicodeScalars) }

    /// A word ending like a verb or adjective, unless what was stripped was 하다/되다 after a noun.
    static func looksLikePredicate(_ word: [Unicode.Scalar], stem: [Unicode.Scalar]) -> Bool {
        guard word.count >= 2, let last = word.last, predicateEndings.contains(last) else { return false }
        if stem.count < word.count, nounMakingEndings.contains(where: { word.ends(with: $0) }) { return false }
        return true
    }

    enum Word: Equatable {
        case hangul([Unicode.Scalar])
        case han([Unicode.Scalar])
        case latin(String, parts: [String])
    }

    func emit(_ word: Word, into result: inout [String]) {
        switch word {
        case .hangul(let syllables):
            Self.appendGrams(of: Self.stripSuffix(syllables), into: &result)
            // "화를", "방은": a one-syllable noun with its particle also yields the noun.
            if syllables.count == 2, Self.singleParticles.contains(syllables[1]) {
                result.append(String(Character(syllables[0])))
            }
        case .han(let characters):
            Self.appendGrams(of: characters, into: &result)
        case .latin(let whole, let parts):
            if parts.count > 1 {
                for part in parts where Self.keepsLatin(part) { result.append(part) }
            }
            if Self.keepsLatin(whole) { result.append(whole) }
        }
    }

    static func keepsLatin(_ word: String) -> Bool {
        word.count >= 2 || word.first?.isNumber == true
    }

    static func appendGrams(of scalars: [Unicode.Scalar], into result: inout [String]) {
        if scalars.count == 1 {
            result.append(String(Character(scalars[0])))
            return
        }
        guard scalars.count >= 2 else { return }
        for index in 0..<(scalars.count - 1) {
            result.append(bigram(scalars, at: index))
        }
    }

    /// The syllable pair starting at `index` as a term.
    static func bigram(_ scalars: [Unicode.Scalar], at index: Int) -> String {
        var gram = String.UnicodeScalarView()
        gram.append(scalars[index])
        gram.append(scalars[index + 1])
        return String(gram)
    }

    // MARK: - Splitting

    enum ScalarClass { case hangul, han, latin, joiner, separator }

    static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        switch scalar.value {
        case 0xAC00...0xD7A3: return .hangul
        case 0x4E00...0x9FFF, 0x3400...0x4DBF: return .han
        case 0x30...0x39, 0x61...0x7A: return .latin
        case 0x2D, 0x2E, 0x2F, 0x26, 0x5F: return .joiner  // - . / & _
        default:
            return scalar.properties.isAlphabetic && scalar.value < 0x3000 ? .latin : .separator
        }
    }

    /// Splits normalised text into words: runs of one script; joiners inside Latin runs keep the
    /// run together ("wi-fi", "3.5", "f&b") and record its parts.
    static func words(_ text: String) -> [Word] {
        let normalised = text.fastNFKC.lowercased()
        var words: [Word] = []
        var current: [Unicode.Scalar] = []
        var currentClass = ScalarClass.separator
        var latinParts: [String] = []
        var latinPart = String.UnicodeScalarView()

        func flush() {
            switch currentClass {
            case .hangul where !current.isEmpty: words.append(.hangul(current))
            case .han where !current.isEmpty: words.append(.han(current))
            case .latin where !current.isEmpty:
                if !latinPart.isEmpty { latinParts.append(String(latinPart)) }
                var whole = String(String.UnicodeScalarView(current.filter { classify($0) == .latin }))
                if let year = abbreviatedYear(at: runStart) {
                    // "’23" is how Korean documents write 2023: index it as the question says it.
                    whole = year + whole.dropFirst(2)
                    if !latinParts.isEmpty { latinParts[0] = year }
                }
                if !whole.isEmpty { words.append(.latin(whole, parts: latinParts)) }
            default: break
            }
            current.removeAll(keepingCapacity: true)
            latinParts.removeAll(keepingCapacity: true)
            latinPart = String.UnicodeScalarView()
            currentClass = .separator
        }

        let scalars = Array(normalised.unicodeScalars)
        var runStart = 0

        /// "’23", "‘02", "'98" (an apostrophe, then exactly two digits starting the run): the year
        /// 2023, 2002, 1998.
        func abbreviatedYear(at start: Int) -> String? {
            func digit(_ i: Int) -> Int? {
                i < scalars.count && (0x30...0x39).contains(scalars[i].value) ? Int(scalars[i].value - 0x30) : nil
            }
            guard start > 0, apostrophes.contains(scalars[start - 1]),
                  let tens = digit(start), let ones = digit(start + 1), digit(start + 2) == nil
            else { return nil }
            let year = tens * 10 + ones
            return String(year <= 50 ? 2000 + year : 1900 + year)
        }

        for (index, scalar) in scalars.enumerated() {
            var kind = classify(scalar)
            if kind == .joiner {
                // A joiner only joins Latin on both sides.
                let next = index + 1 < scalars.count ? classify(scalars[index + 1]) : .separator
                if currentClass == .latin, next == .latin {
                    current.append(scalar)
                    if !latinPart.isEmpty { latinParts.append(String(latinPart)) }
                    latinPart = String.UnicodeScalarView()
                    continue
                }
                kind = .separator
            }
            if kind != currentClass { flush() }
            guard kind != .separator else { continue }
            if currentClass == .separator { runStart = index }
            currentClass = kind
            current.append(scalar)
            if kind == .latin { latinPart.append(scalar) }
        }
        flush()
        return words
    }

    static let apostrophes: Set<Unicode.Scalar> = ["\u{2019}", "\u{2018}", "'", "`", "\u{00B4}"]

    // MARK: - Particles and endings

    /// Trailing particles and verb endings, longest first. Stripped only when at least two
    /// syllables remain, so that 2-syllable nouns ("추가", "정도") stay whole.
    static let suffixes: [[Unicode.Scalar]] = [
        "으로부터", "에서부터", "이라도", "에서는", "에서도", "에게는", "에게서", "으로는", "으로서", "으로써",
        "이라는", "이라고", "하세요", "하나요", "합니까", "하려면", "하려고", "되나요", "됩니다", "습니다", "입니다",
        "인가요", "있나요", "없나요", "해주세요", "이에요", "이예요", "예요", "인데요", "해야", "해요", "하면", "해서", "하여", "하는", "하고", "했을", "할때",
        "에서", "에게", "으로", "까지", "부터", "처럼", "보다", "이나", "이랑", "한테", "라고", "라는", "되는", "되면",
        "시오", "세요", "나요", "은", "는", "이", "가", "을", "를", "에", "의", "로", "와", "과", "도", "만", "요", "한", "할",
    ].map { Array(($0 as String).unicodeScalars) }.sorted { $0.count > $1.count }

    static let singleParticles: Set<Unicode.Scalar> = ["은", "는", "이", "가", "을", "를", "에", "의", "로", "와", "과", "도", "만"]

    static func stripSuffix(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var stem = word
        for _ in 0..<2 {
            guard stem.count >= 3 else { break }
            guard let suffix = suffixes.first(where: { stem.count - $0.count >= 2 && stem.ends(with: $0) }) else { break }
            stem.removeLast(suffix.count)
        }
        return stem
    }

    /// Question filler: words that say "this is a question", not what it is about.
    static let queryStopWords: Set<String> = [
        "어떻게", "어떡해", "어떡하", "어케", "어떤", "어떻", "무엇", "무엇인", "뭐", "뭔", "뭐야", "뭐예", "뭔가", "알려", "알려줘",
        "알려주", "궁금", "궁금해", "하나", "해야", "되나", "있나", "인가", "할까", "돼", "돼요", "되", "좀", "혹시",
        "해요", "되요", "해도", "되나요", "있어요", "있나요", "하죠", "안녕", "안녕하", "감사", "감사합", "그냥", "제가", "저는", "우리", "방법", "경우", "어디", "언제", "무슨", "하", "해", "됩", "나", "해주",
        // Question scaffolding of longer, written questions ("…에 대해 설명해주세요", "무엇이며").
        "무엇인가", "무엇이며", "무엇이고", "무엇인지", "설명해주", "설명하시", "설명해", "설명", "어떠한", "어떠", "대한", "대해", "그리고",
        // Colloquial scaffolding: "몇 시예요", "해도 되는 거죠", "하는 건가요".
        "몇", "되는", "거죠", "건가요", "거예요", "건지", "거야",
        "이를", "통해", "위해", "있는지", "어느", "얼마나", "것으로", "것들", "것들이", "이에", "따라", "따른", "해당", "하는", "관한", "관련된", "위한", "인해",
    ]
}

extension Array where Element == Unicode.Scalar {
    func ends(with suffix: [Unicode.Scalar]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
