// Builds the chat reply from search hits without any LLM: the answer of a matching "Q. … A. …"
// block, or else the sentences of the best passages that speak to the question, each cited as
// [출처: 파일명 p.N].
import Foundation
import PDFIngest

public struct ExtractiveAnswer: Sendable {
    public static let notFoundReply = "관련 매뉴얼을 찾지 못했습니다. 질문을 다르게 표현해 보시겠어요?"

    public var maxCharacters: Int
    let tokenizer = KoreanTokenizer()

    public init(maxCharacters: Int = 700) {
        self.maxCharacters = max(120, maxCharacters)
    }

    /// The reply to a search's result: its hits, with sentences chosen by the terms it searched for.
    public func reply(to result: SearchResult) -> String {
        reply(terms: result.terms, hits: result.hits)
    }

    public func reply(terms: [QueryTerm], hits: [SearchHit]) -> String {
        guard let top = hits.first else { return Self.notFoundReply }
        if top.isQuestionBlock, let answer = Self.answerPart(of: top.text), !answer.isEmpty {
            return "매뉴얼의 답변입니다.\n\n" + clip(answer, to: maxCharacters) + " " + Self.citation(top)
        }
        let sentences = bestSentences(terms: terms, hits: Array(hits.prefix(3)))
        guard !sentences.isEmpty else {
            let opening = Self.sentences(in: top.text).filter(Self.isSentenceEnd).prefix(2).joined(separator: " ")
            let body = opening.isEmpty ? Self.flatten(top.text) : opening
            return "매뉴얼에서 관련 내용을 찾았습니다.\n\n" + clip(body, to: maxCharacters / 2) + " " + Self.citation(top)
        }
        var lines: [String] = []
        var used = 0
        for sentence in sentences {
            let line = "• \(sentence.text) \(Self.citation(sentence.hit))"
            if used + line.count > maxCharacters, !lines.isEmpty { break }
            lines.append(line)
            used += line.count
        }
        return "매뉴얼에서 찾은 내용입니다.\n\n" + lines.joined(separator: "\n")
    }

    public static func citation(_ hit: SearchHit) -> String { "[출처: \(hit.fileName) p.\(hit.page)]" }

    /// The text after the "A." marker of a Q/A block, up to the next question.
    static func answerPart(of block: String) -> String? {
        let lines = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(where: isAnswerLine) else { return nil }
        var body: [String] = []
        for (offset, line) in lines[start...].enumerated() {
            if offset > 0, Chunker.isQuestionLine(line) { break }
            body.append(offset == 0 ? stripAnswerMarker(line) : line)
        }
        return body.joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }

    static func isAnswerLine(_ line: String) -> Bool {
        if line.hasPrefix("답변") { return true }
        guard line.first == "A" || line.first == "a" else { return false }
        let rest = line.dropFirst().drop(while: { $0.isASCII && $0.isNumber })
        guard let next = rest.first else { return false }
        return next == "." || next == ")" || next == ":" || next == " "
    }

    static func stripAnswerMarker(_ line: String) -> String {
        if line.hasPrefix("답변") { return String(line.dropFirst(2)).trimmingCharacters(in: CharacterSet(charactersIn: " :.)")) }
        let rest = line.dropFirst().drop(while: { $0.isASCII && $0.isNumber })
        return String(rest.dropFirst()).trimmingCharacters(in: .whitespaces)
    }

    struct Sentence { var text: String; var hit: SearchHit; var rank: Int; var position: Int; var score: Double }

    /// Sentences that share the most question terms, de-duplicated, then put back in page order.
    func bestSentences(terms: [QueryTerm], hits: [SearchHit]) -> [Sentence] {
        // Each question term counts with its weight (a verb like "오면" counts less than "VIP");
        // a synonym or typo correction of a word counts like the word.
        var weights: [String: Double] = [:]
        for item in terms { weights[item.term] = max(weights[item.term] ?? 0, item.weight) }
        // The whole question's weight: its own words, not their alternatives.
        let total = Set(terms.filter { $0.alternative == 0 }.map(\.term)).reduce(0.0) { $0 + (weights[$1] ?? 0) }
        guard total > 0 else { return [] }
        var candidates: [Sentence] = []
        for (rank, hit) in hits.enumerated() {
            for (position, raw) in Self.sentences(in: hit.text).enumerated() where Self.isSentenceEnd(raw) && !raw.hasSuffix("?") {
                let text = Self.withoutBullet(raw)
                let shared = Set(tokenizer.terms(text)).reduce(0.0) { $0 + (weights[$1] ?? 0) }
                guard shared >= 0.5 else { continue }
                // Sentences of the best passage come first when they say as much.
                let score = shared / total - Double(rank) * 0.15
                candidates.append(Sentence(text: text, hit: hit, rank: rank, position: position, score: score))
            }
        }
        var seen = Set<String>()
        var chosen: [Sentence] = []
        for candidate in candidates.sorted(by: { $0.score > $1.score }) {
            let key = candidate.text.filter { !$0.isWhitespace && !$0.isPunctuation }
            guard seen.insert(key).inserted else { continue }
            chosen.append(candidate)
            if chosen.count == 3 { break }
        }
        // In reading order: by document, page, then place on the page.
        return chosen.sorted { ($0.hit.fileName, $0.hit.page, $0.position) < ($1.hit.fileName, $1.hit.page, $1.position) }
    }

    /// Sentence split on Korean/Latin sentence ends and line breaks; fragments under 8 characters
    /// (page numbers, lone headings) are dropped.
    static func sentences(in text: String) -> [String] {
        var result: [String] = []
        var current = ""
        let flushCurrent = {
            let trimmed = current.trimmingCharacters(in: .whitespaces)
            if trimmed.count >= 8 { result.append(trimmed) }
            current = ""
        }
        for line in text.split(separator: "\n") {
            let line = line.trimmingCharacters(in: .whitespaces)
            // A short line without a sentence ending is a heading or list label: its own piece.
            if line.count <= 40, !isSentenceEnd(line) {
                flushCurrent()
                current = line
                flushCurrent()
                continue
            }
            for character in line {
                current.append(character)
                if ".!?。".contains(character) { flushCurrent() }
            }
            if isSentenceEnd(line) || current.count > 80 { flushCurrent() } else { current.append(" ") }
        }
        flushCurrent()
        return result
    }

    /// "• 대상: …" → "대상: …": the reply adds its own bullets.
    static func withoutBullet(_ text: String) -> String {
        String(text.drop(while: { "•·-–*▪◦○●■□▶➢✓ ".contains($0) }))
    }

    /// Korean sentences end in 다/요 (+ punctuation); headings and labels do not.
    static func isSentenceEnd(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " )\"'”’"))
        guard let last = trimmed.last else { return false }
        return ".!?。다요".contains(last)
    }

    static func flatten(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Cuts at the last sentence end within the limit, never mid-sentence when one fits.
    func clip(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let window = text.prefix(limit)
        if let end = window.lastIndex(where: { ".!?。".contains($0) }), window.distance(from: window.startIndex, to: end) > limit / 3 {
            return String(window[...end])
        }
        return String(window) + "…"
    }
}
