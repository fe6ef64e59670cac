// Cuts page text into retrieval passages. A passage never crosses a page, so every chunk keeps
// the page it came from; "Q. … A. …" blocks are kept whole when they fit.
import Foundation

public struct Chunk: Sendable, Equatable, Codable {
    public var page: Int
    public var text: String
    /// True when the chunk starts with a question line ("Q12. …"), i.e. is a Q/A block.
    public var isQuestionBlock: Bool

    public init(page: Int, text: String, isQuestionBlock: Bool = false) {
        self.page = page
        self.text = text
        self.isQuestionBlock = isQuestionBlock
    }
}

public struct Chunker: Sendable {
    /// Bump when the cutting rules change: replicas share chunks (artifacts) only of one version.
    public static let version = 1

    public var maxCharacters: Int
    public var overlapCharacters: Int

    /// 500/100 beat 1000/200 on Korean page-level retrieval in published runs.
    public init(maxCharacters: Int = 500, overlapCharacters: Int = 100) {
        self.maxCharacters = max(50, maxCharacters)
        self.overlapCharacters = min(max(0, overlapCharacters), self.maxCharacters / 2)
    }

    public func chunks(of document: ExtractedDocument) -> [Chunk] {
        let furniture = Self.pageFurniture(document.pages)
        return document.pages.enumerated().flatMap { index, text in
            chunks(ofPage: text, number: index + 1, dropping: furniture)
        }
    }

    /// Running headers and footers: short lines among the first or last two of a page (digits
    /// ignored, so "3 / 6" and "4 / 6" are alike) that stand on at least half of the pages, and
    /// on at least 3. They repeat the document's title on every page, which would otherwise make
    /// every page match it and clutter answers. Repeated body text (Q/A manuals repeat whole
    /// answers) is not at the page's edge, and stays.
    static func pageFurniture(_ pages: [String]) -> Set<String> {
        guard pages.count >= 3 else { return [] }
        var counts: [String: Int] = [:]
        for page in pages {
            // Only the edges matter: clean the first and last two non-blank lines, not the page.
            let raw = page.split(whereSeparator: \.isNewline).filter { $0.contains { !$0.isWhitespace } }
            let lines = cleanLines((raw.prefix(2) + raw.suffix(2)).joined(separator: "\n"))
            let edges = lines.filter { $0.count <= 80 }
            for key in Set(edges.map(furnitureKey)) where !key.isEmpty { counts[key, default: 0] += 1 }
        }
        let threshold = max(3, (pages.count + 1) / 2)
        return Set(counts.filter { $0.value >= threshold }.keys)
    }

    static func furnitureKey(_ line: String) -> String {
        String(line.unicodeScalars.filter { !("0"..."9").contains($0) && $0 != " " }.map(Character.init))
    }

    public func chunks(ofPage text: String, number page: Int, dropping furniture: Set<String> = []) -> [Chunk] {
        var lines = Self.cleanLines(text)
        if !furniture.isEmpty {
            let edge = Set(lines.indices.prefix(2)).union(lines.indices.suffix(2))
            lines = lines.enumerated().filter { index, line in !(edge.contains(index) && furniture.contains(Self.furnitureKey(line))) }.map(\.element)
        }
        // A line that is only a page number is furniture too.
        lines.removeAll { line in line.count <= 9 && line.allSatisfy { $0.isNumber || " -/|.pP".contains($0) } }
        guard !lines.isEmpty else { return [] }
        var result: [Chunk] = []
        for block in Self.blocks(lines) {
            let isQuestion = Self.isQuestionLine(block[0])
            for piece in pack(block) {
                result.append(Chunk(page: page, text: piece, isQuestionBlock: isQuestion))
            }
        }
        return mergeSmallNeighbours(result)
    }

    /// Lines with runs of blanks collapsed; empty lines dropped.
    static func cleanLines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            let words = raw.split(whereSeparator: { $0.isWhitespace })
            return words.isEmpty ? nil : words.joined(separator: " ")
        }
    }

    /// "Q1.", "Q12)", "Q.", "Q:", "질문", "Q " at line start.
    public static func isQuestionLine(_ line: String) -> Bool {
        var rest = Substring(line)
        if rest.hasPrefix("질문") { return true }
        guard let first = rest.first, first == "Q" || first == "q" else { return false }
        rest = rest.dropFirst()
        rest = rest.drop(while: { $0.isASCII && $0.isNumber })
        guard let next = rest.first else { return false }
        return next == "." || next == ")" || next == ":" || next == " " || next == "]"
    }

    /// Splits lines into blocks: a question line starts a new block.
    static func blocks(_ lines: [String]) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String] = []
        for line in lines {
            if isQuestionLine(line), !current.isEmpty {
                blocks.append(current)
                current = []
            }
            current.append(line)
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks
    }

    /// A passage's text cut into pieces of at most `maxCharacters` at line, sentence or word ends,
    /// each repeating up to `overlapCharacters` of whole lines from the one before, e.g. the
    /// shorter windows that are embedded for semantic search.
    public func windows(of text: String) -> [String] {
        pack(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Packs a block's lines into pieces of at most `maxCharacters`, with `overlapCharacters`
    /// of the previous piece repeated at the start of the next.
    func pack(_ lines: [String]) -> [String] {
        let units = lines.flatMap { splitLong($0) }
        var pieces: [String] = []
        var current: [String] = []
        var length = 0
        for unit in units {
            if length + unit.count + 1 > maxCharacters, !current.isEmpty {
                pieces.append(current.joined(separator: "\n"))
                current = overlapTail(current)
                length = current.reduce(0) { $0 + $1.count + 1 }
                // No room for the overlap next to a long line: start clean.
                if length + unit.count + 1 > maxCharacters {
                    current = []
                    length = 0
                }
            }
            current.append(unit)
            length += unit.count + 1
        }
        if !current.isEmpty { pieces.append(current.joined(separator: "\n")) }
        return pieces
    }

    /// The last lines of a piece, up to the overlap budget.
    func overlapTail(_ lines: [String]) -> [String] {
        var tail: [String] = []
        var length = 0
        for line in lines.reversed() {
            if length + line.count > overlapCharacters { break }
            tail.insert(line, at: 0)
            length += line.count + 1
        }
        return tail
    }

    /// A line longer than a piece is cut at sentence ends or spaces.
    func splitLong(_ line: String) -> [String] {
        guard line.count > maxCharacters else { return [line] }
        var parts: [String] = []
        var rest = Substring(line)
        let limit = maxCharacters - overlapCharacters
        while rest.count > limit {
            let window = rest.prefix(limit)
            let cut = window.lastIndex(where: { ".!?。".contains($0) }).map { rest.index(after: $0) }
                ?? window.lastIndex(of: " ")
                ?? window.endIndex
            let piece = rest[..<cut].trimmingCharacters(in: .whitespaces)
            if !piece.isEmpty { parts.append(piece) }
            rest = rest[cut...].drop(while: { $0 == " " })
            if cut == rest.startIndex && piece.isEmpty { break }
        }
        if !rest.isEmpty { parts.append(String(rest)) }
        return parts
    }

    /// Tiny neighbouring pieces on the same page (a heading line, a lone slide title) are joined
    /// to the next one so that a heading is searched together with its body.
    func mergeSmallNeighbours(_ chunks: [Chunk]) -> [Chunk] {
        var result: [Chunk] = []
        for chunk in chunks {
            if let last = result.last, !last.isQuestionBlock, last.text.count < maxCharacters / 5,
               last.text.count + chunk.text.count + 1 <= maxCharacters {
                result[result.count - 1] = Chunk(page: chunk.page, text: last.text + "\n" + chunk.text,
                                                 isQuestionBlock: last.isQuestionBlock || chunk.isQuestionBlock)
            } else {
                result.append(chunk)
            }
        }
        return result
    }
}
