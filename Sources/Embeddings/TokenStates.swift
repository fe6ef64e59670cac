// A text's final-layer token states (its own tokens: no start/end markers, no "query: " /
// "passage: " prefix), each scaled to unit length — what late interaction (MaxSim) compares
// token by token — and their stored form: per token a Float16 scale and `dimension` Int8
// values, 386 bytes at 384 dimensions, a quarter of Float32. Int8 moved no ranking on the dev
// sets (README, "Late interaction").

public struct TokenStates: Sendable, Equatable {
    public let dimension: Int
    /// Row-major, `count` × `dimension`, each row of unit length.
    public let values: [Float]

    public var count: Int { dimension > 0 ? values.count / dimension : 0 }

    /// Scales each of `rows` (count × dimension, raw hidden states) to unit length.
    public init(normalizing rows: [Float], dimension: Int) {
        precondition(dimension > 0 && rows.count % dimension == 0)
        var values = rows
        for start in stride(from: 0, to: values.count, by: dimension) {
            var norm: Float = 0
            for k in start..<start + dimension { norm += values[k] * values[k] }
            let scale = norm > 1e-12 ? 1 / norm.squareRoot() : 0
            for k in start..<start + dimension { values[k] *= scale }
        }
        self.dimension = dimension
        self.values = values
    }

    private init(dimension: Int, values: [Float]) {
        self.dimension = dimension
        self.values = values
    }

    public static func bytesPerToken(dimension: Int) -> Int { 2 + dimension }

    /// The stored form: per token a Float16 scale (max |value| / 127), then the Int8 values.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * Self.bytesPerToken(dimension: dimension))
        for start in stride(from: 0, to: values.count, by: dimension) {
            let row = values[start..<start + dimension]
            let peak = row.reduce(Float(0)) { max($0, abs($1)) }
            let scale = Float16(peak > 0 ? peak / 127 : 1)
            withUnsafeBytes(of: scale.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            let inverse = 1 / Float(scale)
            for value in row { bytes.append(UInt8(bitPattern: Int8((value * inverse).rounded().clamped(-127, 127)))) }
        }
        return bytes
    }

    /// Reads `encoded()` bytes; nil when their length does not fit `dimension`.
    public init?(encoded bytes: [UInt8], dimension: Int) {
        let stride = Self.bytesPerToken(dimension: dimension)
        guard dimension > 0, bytes.count % stride == 0 else { return nil }
        var values = [Float](repeating: 0, count: bytes.count / stride * dimension)
        bytes.withUnsafeBufferPointer { raw in
            values.withUnsafeMutableBufferPointer { out in
                for token in 0..<bytes.count / stride {
                    let base = token * stride
                    let scale = Float(Float16(bitPattern: UInt16(raw[base]) | UInt16(raw[base + 1]) << 8))
                    for k in 0..<dimension { out[token * dimension + k] = Float(Int8(bitPattern: raw[base + 2 + k])) * scale }
                }
            }
        }
        self.init(dimension: dimension, values: values)
    }
}

extension Float {
    fileprivate func clamped(_ low: Float, _ high: Float) -> Float { Swift.min(Swift.max(self, low), high) }
}
