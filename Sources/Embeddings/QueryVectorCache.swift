// The last few hundred question vectors by text: staff repeat questions (and ops repeat smoke
// queries), and an embedding costs ~20 ms where the rest of a search costs ~1.
import Foundation

public final class QueryVectorCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (vector: [Float], used: UInt64)] = [:]
    private var clock: UInt64 = 0
    public let capacity: Int

    public init(capacity: Int = 512) { self.capacity = capacity }

    public func vector(for text: String, compute: () throws -> [Float]) rethrows -> [Float] {
        if let hit = lookup(text) { return hit }
        let vector = try compute()
        store(text, vector)
        return vector
    }

    private func lookup(_ text: String) -> [Float]? {
        lock.withLock {
            guard let entry = entries[text] else { return nil }
            clock += 1
            entries[text] = (entry.vector, clock)
            return entry.vector
        }
    }

    private func store(_ text: String, _ vector: [Float]) {
        lock.withLock {
            clock += 1
            entries[text] = (vector, clock)
            if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries.removeValue(forKey: oldest)
            }
        }
    }
}
