// Publishes the artifact of every bucket document this replica computed, once it is complete:
// parsed to `done` and, with a model, every embedding window embedded. Run after each change of
// the index; a write the bucket refuses is retried after `retryAfter`, never in a tight loop.
import Foundation
import Logging
import Retrieval

public actor ArtifactPublisher {
    let index: ManualIndex
    let artifacts: BucketArtifacts
    let retryAfter: Duration
    let logger: Logger
    private var failedAt: [String: ContinuousClock.Instant] = [:]

    public init(index: ManualIndex, artifacts: BucketArtifacts, retryAfter: Duration = .seconds(300),
                logger: Logger = Logger(label: "manualbot.artifacts")) {
        self.index = index
        self.artifacts = artifacts
        self.retryAfter = retryAfter
        self.logger = logger
    }

    /// Publishes what is complete and not yet in the bucket; returns how many were written.
    @discardableResult
    public func publishPending() async throws -> Int {
        let versions = await artifacts.currentVersions()
        let documents = try await index.documentsWithoutArtifact { [artifacts] sha in artifacts.key(sha256: sha, versions: versions) }
        var published = 0
        for document in documents {
            if let failed = failedAt[document.artifactName], ContinuousClock.now - failed < retryAfter { continue }
            guard let artifact = try await index.exportArtifact(source: document.source, versions: versions.description,
                                                                model: versions.model) else { continue }
            do {
                try await artifacts.publish(artifact, as: document.artifactName)
                try await index.recordArtifact(name: document.artifactName, sha256: document.sha256)
                failedAt[document.artifactName] = nil
                published += 1
            } catch {
                failedAt[document.artifactName] = ContinuousClock.now
                logger.warning("cannot publish a shared artifact; the document stays indexed here, other replicas compute it themselves",
                               metadata: ["key": "\(document.artifactName)", "error": "\(error)"])
            }
        }
        return published
    }
}
