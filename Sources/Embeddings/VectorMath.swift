// Exact cosine search over unit vectors: a dot product per stored vector, in SIMD lanes of 16.
// Vectors are stored as Float16 (half the memory; cosine error ~1e-3, far below the gaps that
// decide a ranking) and widened lane by lane.

public enum VectorMath {
    /// Dot products of `query` with each `dimension`-long row of `matrix`.
    public static func dotProducts(_ query: [Float], _ matrix: [Float16], dimension: Int) -> [Float] {
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
                        let half = UnsafeRawPointer(m.baseAddress! + base + lane * 16).loadUnaligned(as: SIMD16<Float16>.self)
                        sum += SIMD16<Float>(half) * queryLanes[lane]
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

    public static func decode(_ bytes: [UInt8]) -> [Float16] {
        bytes.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float16.self)) }
    }
}
