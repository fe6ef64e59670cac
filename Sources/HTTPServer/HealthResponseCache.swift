// The plain health check's JSON, encoded once per distinct body: the body only changes when a
// document is added or removed or a sync starts or ends, and JSONEncoder was the largest cost
// of a health check under load. A lock, not an actor: no hop on the hot path.
import Foundation
import NIOCore

final class HealthResponseCache: @unchecked Sendable {
    private let lock = NSLock()
    private var last: (body: HealthBody, bytes: ByteBuffer)?

    /// The encoded `body`, from the cache when it equals the last one.
    func bytes(for body: HealthBody) -> ByteBuffer {
        if let hit = lock.withLock({ last.flatMap { $0.body == body ? $0.bytes : nil } }) { return hit }
        let bytes = JSONBody.bytes(body)
        lock.withLock { last = (body, bytes) }
        return bytes
    }
}
