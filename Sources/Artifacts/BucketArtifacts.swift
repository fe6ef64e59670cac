// Artifacts in the manuals' bucket, under a reserved prefix: `<prefix><document sha256>/<versions
// tag>.artifact`. Content-addressed, so replicas that race write the same bytes and need no
// lock. A missing artifact is the normal first time; a damaged or mismatched one is logged,
// counted and left to be overwritten by the recomputed one; a refused write is logged and
// counted, and costs only the sharing, never the document.
import Foundation
import Logging
import Metrics
import Retrieval
import S3

public struct BucketArtifacts: SharedArtifacts {
    public let client: S3Client
    public let bucket: String
    public let prefix: String
    /// This replica's versions; async because the model id is known once the model has loaded.
    let versions: @Sendable () async -> ArtifactVersions
    public var maxArtifactBytes = 256 << 20
    public var logger = Logger(label: "manualbot.artifacts")

    public init(client: S3Client, bucket: String, prefix: String, versions: @escaping @Sendable () async -> ArtifactVersions) {
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.versions = versions
    }

    public func currentVersions() async -> ArtifactVersions { await versions() }

    public func embeddingModel() async -> String? { await versions().model }

    public func key(sha256: String, versions: ArtifactVersions) -> String { "\(prefix)\(sha256)/\(versions.tag).artifact" }

    public func artifact(forSHA256 sha256: String) async -> (name: String, artifact: DocumentArtifact)? {
        let versions = await versions()
        let key = key(sha256: sha256, versions: versions)
        let data: Data
        do {
            data = try await client.getObject(bucket: bucket, key: key, maxBytes: maxArtifactBytes).data
        } catch let error as S3Error where error.status == 404 || error.code == "NoSuchKey" {
            Counter(label: "manualbot_artifact_lookups_total", dimensions: [("result", "missing")]).increment()
            return nil
        } catch {
            Counter(label: "manualbot_artifact_lookups_total", dimensions: [("result", "unreadable")]).increment()
            logger.warning("cannot read a shared artifact; computing the document here", metadata: ["key": "\(key)", "error": "\(error)"])
            return nil
        }
        do {
            let artifact = try ArtifactEnvelope.open(data, documentSHA256: sha256, versions: versions)
            Counter(label: "manualbot_artifact_lookups_total", dimensions: [("result", "imported")]).increment()
            return (key, artifact)
        } catch {
            Counter(label: "manualbot_artifact_lookups_total", dimensions: [("result", error.kind.rawValue)]).increment()
            logger.warning("shared artifact rejected; computing the document here and replacing it",
                           metadata: ["key": "\(key)", "reason": "\(error)"])
            return nil
        }
    }

    /// Writes `artifact` under its name. Throws when the bucket refuses.
    public func publish(_ artifact: DocumentArtifact, as key: String) async throws {
        let data = try ArtifactEnvelope.seal(artifact)
        do {
            try await client.putObject(bucket: bucket, key: key, data: data, contentType: "application/vnd.manualbot.artifact")
        } catch {
            Counter(label: "manualbot_artifact_publish_failures_total").increment()
            throw error
        }
        Counter(label: "manualbot_artifacts_published_total").increment()
        Counter(label: "manualbot_artifact_published_bytes_total").increment(by: data.count)
    }

    /// Removal on delete: the artifacts of bytes that left the index (all versions of them) are
    /// deleted. Several replicas may do it at once; deleting twice is harmless.
    public func documentsGone(sha256s: Set<String>) async {
        for sha in sha256s.sorted() {
            do {
                for object in try await client.listObjects(bucket: bucket, prefix: "\(prefix)\(sha)/") {
                    try await client.deleteObject(bucket: bucket, key: object.key)
                    Counter(label: "manualbot_artifacts_deleted_total").increment()
                }
            } catch {
                logger.warning("cannot delete the artifacts of a removed manual", metadata: ["sha256": "\(sha)", "error": "\(error)"])
            }
        }
    }
}
