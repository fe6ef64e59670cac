// The in-memory search structure built from the SQLite chunks table: term → postings, with
// BM25 whose k1/b we can tune (FTS5's are fixed) and, in the same pass, how much of the question
// each passage covers. About 5 bytes a posting: the 1,327-page allganize set fits in a few MB.
import Foundation

public struct ChunkRef: Sendable {
    public var id: Int64
    public var documentIndex: Int32
    public var page: Int32
    public var isQuestionBlock: Bool
}

public struct DocumentRef: Sendable {
    public var fileName: String
    public var source: String
}

public struct BM25Parameters: Sendable, Equatable {
    public var k1: Double = 1.2
    public var b: Double = 0.75
    public init() {}
}

public struct InvertedIndex: Sendable {
    public private(set) var chunks: [ChunkRef] = []
    public private(set) var documents: [DocumentRef] = []
    var termIDs: [String: Int32] = [:]
    var postings: [[Posting]] = []
    var lengths: [Float] = []
    var averageLength: Double = 1

    struct Posting: Sendable {
        var chunk: Int32
        var frequency: UInt16
    }

    public init() {}

    public var chunkCount: Int { chunks.count }

    /// Adds a document's chunks, each with its terms (a space-separated string as stored).
    public mutating func add(document: DocumentRef, chunks newChunks: [(id: Int64, page: Int, isQuestion: Bool, terms: Substring)]) {
        let documentIndex = Int32(documents.count)
        documents.append(document)
        var counts: [Int32: UInt16] = [:]
        for chunk in newChunks {
            let chunkIndex = Int32(chunks.count)
            chunks.append(ChunkRef(id: chunk.id, documentIndex: documentIndex, page: Int32(chunk.page), isQuestionBlock: chunk.isQuestion))
            counts.removeAll(keepingCapacity: true)
            var length = 0
            for term in chunk.terms.split(separator: " ") {
                length += 1
                let id = termID(term)
                counts[id, default: 0] &+= 1
            }
            lengths.append(Float(length))
            for (id, frequency) in counts {
                postings[Int(id)].append(Posting(chunk: chunkIndex, frequency: frequency))
            }
        }
    }

    mutating func termID(_ term: Substring) -> Int32 {
        if let id = termIDs[String(term)] { return id }
        let id = Int32(postings.count)
        termIDs[String(term)] = id
        postings.append([])
        return id
    }

    /// Call once after the last `add`.
    public mutating func finish() {
        let total = lengths.reduce(0, +)
        averageLength = chunks.isEmpty ? 1 : max(1, Double(total) / Double(chunks.count))
    }

    public func documentFrequency(_ term: String) -> Int {
        termIDs[term].map { postings[Int($0)].count } ?? 0
    }

    public func idf(documentFrequency df: Int) -> Double {
        let n = Double(chunks.count)
        return log(1 + (n - Double(df) + 0.5) / (Double(df) + 0.5))
    }

    public struct Scored: Sendable {
        public var chunk: Int32
        public var bm25: Double
        public var coverage: Double
    }

    /// BM25 of every passage that shares a term with the query, and the share of the query
    /// it covers: each query word counts with its IDF weight, and is covered to the degree its
    /// own terms — or those of one of its alternatives (synonyms, typo correction) — occur in
    /// the passage; its BM25 is that of the same best-matching form. Terms the index never saw
    /// count as the rarest.
    public func score(_ query: [QueryTerm], parameters: BM25Parameters) -> [Scored] {
        guard !chunks.isEmpty, !query.isEmpty else { return [] }
        // Slots: one per (word, alternative); each term adds to its slot.
        var slotOf: [SlotKey: Int] = [:]
        var slotTotals: [Double] = []
        var slotGroup: [Int] = []
        var termSlots: [Int] = []
        var termWeights: [Double] = []
        for item in query {
            let key = SlotKey(group: item.group, alternative: item.alternative)
            let slot = slotOf[key] ?? {
                slotOf[key] = slotTotals.count
                slotTotals.append(0)
                slotGroup.append(item.group)
                return slotTotals.count - 1
            }()
            let weight = item.weight * idf(documentFrequency: documentFrequency(item.term))
            slotTotals[slot] += weight
            termSlots.append(slot)
            termWeights.append(weight)
        }
        // A word weighs what its own terms weigh (alternative 0).
        let groupCount = (slotGroup.max() ?? 0) + 1
        var groupWeight = [Double](repeating: 0, count: groupCount)
        for (key, slot) in slotOf where key.alternative == 0 { groupWeight[key.group] = slotTotals[slot] }
        let totalWeight = groupWeight.reduce(0, +)
        guard totalWeight > 0 else { return [] }

        let slotCount = slotTotals.count
        var rowOf = [Int32](repeating: -1, count: chunks.count)
        // Per touched passage and slot: the IDF weight of the slot's terms it contains, and
        // their BM25.
        var matched: [Double] = []
        var slotBM25: [Double] = []
        var touched: [Int32] = []
        let k1 = parameters.k1
        let b = parameters.b
        for (position, item) in query.enumerated() {
            guard let id = termIDs[item.term] else { continue }
            let termWeight = termWeights[position]
            let evidence = termWeight * item.evidence
            let slot = termSlots[position]
            for posting in postings[Int(id)] {
                let index = Int(posting.chunk)
                var row = rowOf[index]
                if row < 0 {
                    row = Int32(touched.count)
                    rowOf[index] = row
                    touched.append(posting.chunk)
                    matched.append(contentsOf: repeatElement(0, count: slotCount))
                    slotBM25.append(contentsOf: repeatElement(0, count: slotCount))
                }
                let tf = Double(posting.frequency)
                let norm = k1 * (1 - b + b * Double(lengths[index]) / averageLength)
                slotBM25[Int(row) * slotCount + slot] += evidence * tf * (k1 + 1) / (tf + norm)
                matched[Int(row) * slotCount + slot] += termWeight
            }
        }
        // A word counts once, in its best form: a page saying both "체크아웃" and "Check-Out"
        // is not worth twice one that says either.
        var bestFraction = [Double](repeating: 0, count: groupCount)
        var bestBM25 = [Double](repeating: 0, count: groupCount)
        var result: [Scored] = []
        result.reserveCapacity(touched.count)
        for (row, chunk) in touched.enumerated() {
            for group in 0..<groupCount {
                bestFraction[group] = 0
                bestBM25[group] = 0
            }
            let base = row * slotCount
            for slot in 0..<slotCount where slotTotals[slot] > 0 {
                let group = slotGroup[slot]
                bestFraction[group] = max(bestFraction[group], matched[base + slot] / slotTotals[slot])
                bestBM25[group] = max(bestBM25[group], slotBM25[base + slot])
            }
            var coverage = 0.0
            var bm25 = 0.0
            for group in 0..<groupCount {
                coverage += groupWeight[group] * bestFraction[group]
                bm25 += bestBM25[group]
            }
            result.append(Scored(chunk: chunk, bm25: bm25, coverage: coverage / totalWeight))
        }
        return result
    }

    struct SlotKey: Hashable {
        var group: Int
        var alternative: Int
    }
}

/// One term of a question: which word it came from (`group`), and whether it belongs to the
/// word itself (`alternative` 0) or to one of its synonyms (1, 2, …).
public struct QueryTerm: Sendable, Equatable {
    public var term: String
    public var weight: Double
    public var group: Int
    public var alternative: Int
    /// The share of its BM25 score the term adds (KoreanTokenizer.evidenceShare); coverage
    /// counts `weight` alone.
    public var evidence: Double

    public init(term: String, weight: Double = 1, group: Int = 0, alternative: Int = 0, evidence: Double = 1) {
        self.term = term
        self.weight = weight
        self.group = group
        self.alternative = alternative
        self.evidence = evidence
    }
}
