// Exact cosine search over unit vectors: a dot product per stored vector, in SIMD lanes of 16.
// Vectors are stored (SQLite) as Float16 — half the bytes; cosine error ~1e-3, far below the
// gaps that decide a ranking — and searched as Float32 (decode).

public enum VectorMath {
    /// Dot products of `query` with each `dimension`-long row of `matrix`.
    public static func dotProducts(_ query: [Float], _ matrix: [Float], dimension: Int) -> [Float] {
        precondition(dimension % 16 == 0 && query.count == dimension)
        let rows = matrix.count / dimension
        var result = [Float](repeating: 0, count: rows)
        query.withUnsafeBufferPointer { q in
            matrix.withUnsafeBufferPointer { m in
                let lanes = dimension / 16
                var queryLanes: [SIMD16<Float>] = []
                queryLanes.reserveCapacity(lanes)
                for lane in 0..<lanes {
                    queryLanes.append(SIMD16<Float>(q[lane * 16..<(lane + 1) * 16]))
                }
                for row in 0..<rows {
                    var sum = SIMD16<Float>()
                    let base = row * dimension
                    for lane in 0..<lanes {
                        let values = UnsafeRawPointer(m.baseAddress! + base + lane * 16).loadUnaligned(as: SIMD16<Float>.self)
                        sum += values * queryLanes[lane]
                    }
                    result[row] = sum.sum()
                }
            }
        }
        return result
    }

    /// Float32 → Float16 bytes, as stored in SQLite.
    public static func encode(_ vector: [Float]) -> [UInt8] {
        var halves = vector.map { Float16($0) }
        return halves.withUnsafeMutableBytes { Array($0) }
    }

    /// Float16 bytes → Float32, once, when the dense index is built: converting Float16 while
    /// searching cost 2.4 ms a question on the hotel corpus (x86-64 has no Float16 arithmetic
    /// in the baseline target), Float32 0.09 ms, for 4 instead of 2 bytes a dimension in memory.
    public static func decode(_ bytes: [UInt8]) -> [Float] {
        bytes.withUnsafeBytes { raw in raw.bindMemory(to: Float16.self).map(Float.init) }
    }
}
