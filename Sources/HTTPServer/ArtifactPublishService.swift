// Publishes shared artifacts in the background for the server's lifetime: whenever the index
// moved (a document parsed, a batch of vectors stored), documents that became complete are
// written to the bucket, so other replicas import them instead of computing them.
import Artifacts
import Foundation
import Logging
import Retrieval
import ServiceLifecycle

struct ArtifactPublishService: Service {
    let index: ManualIndex
    let publisher: ArtifactPublisher
    var interval: Duration = .seconds(2)
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var seen: String?
            var lastPass = ContinuousClock.now
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                // One small read when nothing changed; a full pass when something did, and
                // every few minutes for writes the bucket refused before.
                let version = try? await index.vectorVersion()
                guard version != seen || ContinuousClock.now - lastPass > .seconds(300) else { continue }
                do {
                    try await publisher.publishPending()
                    seen = version
                    lastPass = ContinuousClock.now
                } catch {
                    logger.warning("artifact publishing pass failed", metadata: ["error": "\(IndexFailure.describe(error))"])
                }
            }
        }
    }
}
