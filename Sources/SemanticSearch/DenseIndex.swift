// The in-memory dense index: every stored window vector (stored as Float16, held as Float32, each
// distinct text once) and the chunk each window belongs to, searched by exact cosine
// (VectorMath); a chunk scores its best window. 1.5 KB a distinct window; the 649-page hotel
// corpus is 2.8 MB.
import Embeddings
import Retrieval

public struct DenseHit: Sendable, Equatable {
    public var chunkID: Int64
    public var fileName: String
    public var source: String
    public var page: Int
    public var isQuestionBlock: Bool
    public var cosine: Float
}

extension DenseHit {
    /// As a search hit (no text yet, no lexical coverage), scored by its cosine.
    var searchHit: SearchHit {
        SearchHit(chunkID: chunkID, fileName: fileName, source: source, page: page, text: "",
                  isQuestionBlock: isQuestionBlock, score: Double(cosine), coverage: 0)
    }
}

public struct DenseIndex: Sendable {
    public let dimension: Int
    /// Distinct vectors, row-major.
    let matrix: [Float]
    /// Each window with a vector: the row of its vector, and its chunk.
    let chunks: [(row: Int32, hit: DenseHit)]
    /// The text hash of each row (what its stored vector and token states are keyed by).
    let rowHashes: [String]
    /// The distinct rows of each page's windows, in window order.
    let pageRows: [PageRef: [Int32]]

    public var windowCount: Int { chunks.count }

    public init(rows: [StoredVectorRow], dimension: Int) {
        self.dimension = dimension
        var rowOf: [String: Int32] = [:]
        var matrix: [Float] = []
        var chunks: [(row: Int32, hit: DenseHit)] = []
        var rowHashes: [String] = []
        var pageRows: [PageRef: [Int32]] = [:]
        for stored in rows where stored.vector.count == dimension * 2 {
            let row = rowOf[stored.textHash] ?? {
                let next = Int32(rowOf.count)
                rowOf[stored.textHash] = next
                rowHashes.append(stored.textHash)
                matrix.append(contentsOf: VectorMath.decode(stored.vector))
                return next
            }()
            let page = PageRef(source: stored.source, page: stored.page)
            if pageRows[page]?.contains(row) != true { pageRows[page, default: []].append(row) }
            chunks.append((row, DenseHit(chunkID: stored.chunkID, fileName: stored.fileName, source: stored.source,
                                         page: stored.page, isQuestionBlock: stored.isQuestionBlock, cosine: 0)))
        }
        self.matrix = matrix
        self.chunks = chunks
        self.rowHashes = rowHashes
        self.pageRows = pageRows
    }

    /// The text hashes of `page`'s windows, each distinct text once (the CRM manuals repeat
    /// their Q/A blocks from page to page); empty for a page with no vectors here.
    public func windowHashes(onPage page: PageRef) -> [String] {
        (pageRows[page] ?? []).map { rowHashes[Int($0)] }
    }

    /// The `limit` chunks nearest to `query` (a unit vector) by their best window, best first;
    /// ties by chunk order.
    public func nearest(_ query: [Float], limit: Int) -> [DenseHit] {
        guard !chunks.isEmpty, query.count == dimension else { return [] }
        let similarities = VectorMath.dotProducts(query, matrix, dimension: dimension)
        var best: [Int64: (window: Int, similarity: Float)] = [:]
        for (window, item) in chunks.enumerated() {
            let similarity = similarities[Int(item.row)]
            if let known = best[item.hit.chunkID], known.similarity >= similarity { continue }
            best[item.hit.chunkID] = (window, similarity)
        }
        let ranked = best.values.sorted { a, b in
            a.similarity != b.similarity ? a.similarity > b.similarity : a.window < b.window
        }
        return ranked.prefix(limit).map { item in
            var hit = chunks[item.window].hit
            hit.cosine = item.similarity
            return hit
        }
    }
}
