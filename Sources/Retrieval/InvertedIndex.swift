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

    /// BM25 of every passage that shares a term with the query, and the IDF-weighted share of
    /// the query each covers (terms the index never saw count as the rarest).
    public func score(_ query: [(term: String, weight: Double)], parameters: BM25Parameters) -> [Scored] {
        guard !chunks.isEmpty else { return [] }
        var bm25 = [Double](repeating: 0, count: chunks.count)
        var covered = [Double](repeating: 0, count: chunks.count)
        var touched: [Int32] = []
        var totalWeight = 0.0
        let k1 = parameters.k1
        let b = parameters.b
        for (term, weight) in query {
            let list = termIDs[term].map { postings[Int($0)] } ?? []
            let termWeight = weight * idf(documentFrequency: list.count)
            totalWeight += termWeight
            for posting in list {
                let index = Int(posting.chunk)
                if covered[index] == 0 { touched.append(posting.chunk) }
                let tf = Double(posting.frequency)
                let norm = k1 * (1 - b + b * Double(lengths[index]) / averageLength)
                bm25[index] += termWeight * tf * (k1 + 1) / (tf + norm)
                covered[index] += termWeight
            }
        }
        guard totalWeight > 0 else { return [] }
        return touched.map { Scored(chunk: $0, bm25: bm25[Int($0)], coverage: covered[Int($0)] / totalWeight) }
    }
}
