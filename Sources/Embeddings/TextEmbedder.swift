// What the rest of ManualBot needs from an embedding model: unit-length vectors for questions and
// passages, and — from a model that makes them — each text's token states for late interaction.
// The real implementation is E5Embedder (multilingual-e5-small in C, loaded at run time); tests
// use the same protocol with the real engine where it is installed.

/// Questions and passages are embedded differently (e5's "query: " / "passage: " prefixes).
public enum EmbeddingRole: Sendable {
    case query, passage
}

public protocol TextEmbedder: Sendable {
    /// Identifies the model and its weights (and whether it makes token states): stored vectors
    /// are keyed by it, so a new model never mixes with another's vectors.
    var modelID: String { get }
    var dimension: Int { get }
    /// Whether `embedWithTokens` gives token states.
    var makesTokenStates: Bool { get }
    /// One L2-normalised vector per text, in order. `threads` bounds the CPU threads used.
    func embed(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [[Float]]
    /// The same vectors and, from the same pass, each text's token states.
    func embedWithTokens(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [(vector: [Float], tokens: TokenStates)]
}

extension TextEmbedder {
    public var makesTokenStates: Bool { false }
    public func embedWithTokens(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [(vector: [Float], tokens: TokenStates)] {
        throw EmbeddingError("\(modelID) makes no token states")
    }

    /// Vectors, each with its token states when the model makes them (one pass), else nil.
    public func embedding(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [(vector: [Float], tokens: TokenStates?)] {
        makesTokenStates
            ? try embedWithTokens(texts, as: role, threads: threads).map { ($0.vector, $0.tokens) }
            : try embed(texts, as: role, threads: threads).map { ($0, nil) }
    }
}

public struct EmbeddingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
