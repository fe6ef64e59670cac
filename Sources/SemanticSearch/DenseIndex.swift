// The in-memory dense index: every stored passage vector (Float16, each distinct text once) and
// the chunks that use it, searched by exact cosine (VectorMath). ~0.8 KB a distinct passage; the
// 649-page hotel corpus is a few MB.
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

public struct DenseIndex: Sendable {
    public let dimension: Int
    /// Distinct vectors, row-major.
    let matrix: [Float16]
    /// Each chunk with a vector, and the row of its vector.
    let chunks: [(row: Int32, hit: DenseHit)]

    public var chunkCount: Int { chunks.count }

    public init(rows: [StoredVectorRow], dimension: Int) {
        self.dimension = dimension
        var rowOf: [String: Int32] = [:]
        var matrix: [Float16] = []
        var chunks: [(row: Int32, hit: DenseHit)] = []
        for stored in rows where stored.vector.count == dimension * 2 {
            let row = rowOf[stored.textHash] ?? {
                let next = Int32(rowOf.count)
                rowOf[stored.textHash] = next
                matrix.append(contentsOf: VectorMath.decode(stored.vector))
                return next
            }()
            chunks.append((row, DenseHit(chunkID: stored.chunkID, fileName: stored.fileName, source: stored.source,
                                         page: stored.page, isQuestionBlock: stored.isQuestionBlock, cosine: 0)))
        }
        self.matrix = matrix
        self.chunks = chunks
    }

    /// The `limit` chunks nearest to `query` (a unit vector), best first; ties by chunk order.
    public func nearest(_ query: [Float], limit: Int) -> [DenseHit] {
        guard !chunks.isEmpty, query.count == dimension else { return [] }
        let similarities = VectorMath.dotProducts(query, matrix, dimension: dimension)
        var order = Array(chunks.indices)
        order.sort { a, b in
            let x = similarities[Int(chunks[a].row)], y = similarities[Int(chunks[b].row)]
            return x != y ? x > y : a < b
        }
        return order.prefix(limit).map { index in
            var hit = chunks[index].hit
            hit.cosine = similarities[Int(chunks[index].row)]
            return hit
        }
    }
}
