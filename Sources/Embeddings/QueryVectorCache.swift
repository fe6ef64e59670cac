// The last few hundred question embeddings by text: staff repeat questions (and ops repeat smoke
// queries), and an embedding costs ~20 ms where the rest of a search costs ~1.
import Foundation

/// A question's vector and (from a model that makes them) its token states.
public struct QueryEmbedding: Sendable {
    public var vector: [Float]
    public var tokens: TokenStates?
    public init(vector: [Float], tokens: TokenStates?) {
        self.vector = vector
        self.tokens = tokens
    }
}

public final class QueryVectorCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (embedding: QueryEmbedding, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    public let capacity: Int

    public init(capacity: Int = 512) { self.capacity = capacity }

    public func embedding(for text: String, compute: () throws -> QueryEmbedding) rethrows -> QueryEmbedding {
        if let hit = lookup(text) { return hit }
        let embedding = try compute()
        store(text, embedding)
        return embedding
    }

    private func lookup(_ text: String) -> QueryEmbedding? {
        lock.withLock {
            guard let entry = entries[text] else { return nil }
            clock += 1
            entries[text] = (entry.embedding, clock)
            return entry.embedding
        }
    }

    private func store(_ text: String, _ embedding: QueryEmbedding) {
        lock.withLock {
            clock += 1
            entries[text] = (embedding, clock)
            if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries.removeValue(forKey: oldest)
            }
        }
    }
}
