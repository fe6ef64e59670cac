// Shared artifacts (issue #14): the sealed format, export/import through the index, and two
// `manualbot serve` replicas on one SeaweedFS bucket — the second imports instead of parsing and
// embedding; a truncated artifact is recomputed and replaced; a bucket that refuses writes still
// gets every document indexed; an updated manual gets a new artifact.
import Foundation
import Testing
@testable import Artifacts
import PDFIngest
@testable import Retrieval
import S3

struct ArtifactFormatTests {
    static let versions = ArtifactVersions(ocr: OCROptions(), chunker: Chunker(), tokenizer: 31, model: "test-model:1", vectorBytes: 4)

    static func sample(sha: String = String(repeating: "a", count: 64)) -> DocumentArtifact {
        DocumentArtifact(documentSHA256: sha, versions: versions.description, title: "객실 안내", pages: 2, ocrPages: 0,
                         ocrDetail: nil, reason: nil,
                         chunks: [Chunk(page: 1, text: "체크아웃은 11시입니다."), Chunk(page: 2, text: "Q. 조식? A. 7시부터", isQuestionBlock: true)],
                         model: "test-model:1", vectors: ["h1": Data([1, 2, 3, 4])])
    }

    @Test func sealedArtifactsOpenOnlyWhenWholeAndOfTheseVersions() throws {
        let artifact = Self.sample()
        let sealed = try ArtifactEnvelope.seal(artifact)
        #expect(try ArtifactEnvelope.seal(artifact) == sealed, "the same data must give the same bytes")
        #expect(try ArtifactEnvelope.open(sealed, documentSHA256: artifact.documentSHA256, versions: Self.versions) == artifact)

        func kind(_ data: Data, sha: String = artifact.documentSHA256, versions: ArtifactVersions = Self.versions) -> ArtifactError.Kind? {
            do {
                _ = try ArtifactEnvelope.open(data, documentSHA256: sha, versions: versions)
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(kind(sealed.prefix(sealed.count / 2)) == .truncated)
        #expect(kind(sealed.prefix(10)) == .damaged)
        var flipped = sealed
        flipped[flipped.count - 5] ^= 0x01
        #expect(kind(flipped) == .damaged)
        #expect(kind(Data("%PDF-1.7\n".utf8)) == .damaged)
        #expect(kind(sealed, sha: String(repeating: "b", count: 64)) == .mismatch)
        var otherModel = Self.versions
        otherModel.model = "test-model:2"
        #expect(kind(sealed, versions: otherModel) == .mismatch)
        var otherChunker = Self.versions
        otherChunker.chunker = Chunker(maxCharacters: 300)
        #expect(otherChunker.tag != Self.versions.tag)
        #expect(kind(sealed, versions: otherChunker) == .mismatch)
        var badVector = artifact
        badVector.vectors["h2"] = Data([1, 2])
        #expect(kind(try ArtifactEnvelope.seal(badVector)) == .damaged)
    }

    /// What one index exports, another imports whole: the record, the chunks and every vector,
    /// so nothing is left to embed. Incomplete (a window without its vector) exports nothing.
    @Test func exportWaitsForEveryVectorAndImportNeedsNoEmbedding() async throws {
        let folder = try TemporaryDirectory()
        let source = try ManualIndex(path: folder.url.appendingPathComponent("a.sqlite").path)
        let text = String(repeating: "객실 청소는 오전 10시부터 시작합니다. 수건 교체는 요청 시 제공합니다. ", count: 12)
        let document = ExtractedDocument(pages: [text, "분실물은 프런트에서 보관합니다."], title: "하우스키핑")
        try await source.store(outcome: .document(document), fileName: "hk.pdf", source: "s3://b/hk.pdf", size: 10, modifiedAt: 0,
                               sha256: "abc", s3Key: "hk.pdf", etag: "e1")
        let model = "test-model:1"
        #expect(try await source.exportArtifact(source: "s3://b/hk.pdf", versions: "v", model: model) == nil)
        let pending = try source.pendingPassages(model: model, limit: 1000)
        #expect(pending.count > 1)
        try source.storeVectors(model: model, pending.dropLast().map { ($0.textHash, [UInt8](repeating: 7, count: 4), nil) })
        #expect(try await source.exportArtifact(source: "s3://b/hk.pdf", versions: "v", model: model) == nil)
        try source.storeVectors(model: model, [(pending.last!.textHash, [UInt8](repeating: 7, count: 4), nil)])
        let artifact = try #require(try await source.exportArtifact(source: "s3://b/hk.pdf", versions: "v", model: model))
        #expect(artifact.vectors.count == pending.count)
        #expect(try await source.documentsWithoutArtifact { "art/\($0)" } == [UnpublishedDocument(source: "s3://b/hk.pdf", sha256: "abc", artifactName: "art/abc")])

        let replica = try ManualIndex(path: folder.url.appendingPathComponent("b.sqlite").path)
        try await replica.importArtifact(artifact, name: "art/abc", fileName: "hk.pdf", source: "s3://b/hk.pdf", size: 10,
                                         modifiedAt: 0, s3Key: "hk.pdf", etag: "e1")
        #expect(try await replica.semanticCounts(model: model) == SemanticCounts(readyPassages: pending.count, pendingPassages: 0, pendingDocuments: 0))
        let imported = try #require(try await replica.document(source: "s3://b/hk.pdf"))
        let original = try #require(try await source.document(source: "s3://b/hk.pdf"))
        #expect(imported.chunks == original.chunks && imported.pages == original.pages && imported.title == original.title)
        #expect(imported.status == .done && imported.sha256 == "abc")
        #expect(try await replica.find("수건 교체", limit: 3).hits.first?.fileName == "hk.pdf")
        #expect(try await replica.documentsWithoutArtifact { "art/\($0)" }.isEmpty, "an imported artifact is not published back")
        try await replica.forgetArtifacts(sha256s: ["abc"])
        #expect(try await replica.documentsWithoutArtifact { "art/\($0)" }.count == 1)
    }
}

/// Two replicas on one bucket, as ECS runs them.
@Suite(.enabled(if: S3TestServer.enabled, "needs the S3 test server (scripts/test.sh starts it)"))
struct ArtifactReplicaTests {
    static let prefix = ".manualbot/artifacts/"

    /// Two short text manuals: a handful of embedding windows, so the first replica embeds in seconds.
    static let manuals: [(key: String, text: String)] = [
        ("manuals/housekeeping.txt", "하우스키핑 안내\n객실 청소는 오전 10시부터 오후 3시까지 진행합니다. 방해 금지 표시가 있으면 청소하지 않습니다.\n수건 교체는 객실 전화 3번으로 요청하면 30분 안에 가져다 드립니다."),
        ("manuals/shuttle.txt", "셔틀버스 운행\n공항 셔틀은 매시 정각에 호텔 정문에서 출발합니다. 예약은 전날 오후 8시까지 프런트에서 받습니다.\n대형 수하물은 1인 2개까지 실을 수 있습니다."),
    ]

    struct Bucket {
        let client: S3Client
        let name: String

        func artifactKeys() async throws -> [String] {
            try await client.listObjects(bucket: name, prefix: ArtifactReplicaTests.prefix).map(\.key).sorted()
        }
    }

    static func bucketWithManuals() async throws -> Bucket {
        let client = try S3TestServer.client()
        let name = try await S3TestServer.freshBucket(client)
        for manual in manuals { try await client.putObject(bucket: name, key: manual.key, data: Data(manual.text.utf8)) }
        return Bucket(client: client, name: name)
    }

    static func environment(_ bucket: Bucket, embeddings: Bool, keys: AWSCredentials? = nil,
                            extra: [String: String] = [:]) throws -> [String: String] {
        let keys = try keys ?? S3TestServer.credentials()
        return extra.merging([
            "S3_BUCKET": bucket.name, "S3_ENDPOINT": try S3TestServer.endpoint().absoluteString, "AWS_REGION": S3TestServer.region,
            "AWS_ACCESS_KEY_ID": keys.accessKeyId, "AWS_SECRET_ACCESS_KEY": keys.secretAccessKey,
            "SYNC_INTERVAL_SECONDS": "0", "EMBEDDINGS": embeddings ? "on" : "off", "EMBED_THREADS": "1",
        ]) { mine, _ in mine }
    }

    /// A `manualbot serve` process with its own data folder, which lives as long as it does.
    final class Replica {
        let server: ServeProcess
        let folders: [TemporaryDirectory]

        init(server: ServeProcess, folders: [TemporaryDirectory]) {
            self.server = server
            self.folders = folders
        }

        func stop() {
            server.killHard()
            withExtendedLifetime(folders) {}
        }
    }

    static func replica(_ bucket: Bucket, embeddings: Bool, keys: AWSCredentials? = nil,
                        extra: [String: String] = [:]) async throws -> Replica {
        let data = try TemporaryDirectory()
        let empty = try TemporaryDirectory()
        let server = try ServeProcess(manualsDirectory: empty.path, dataDirectory: data.path,
                                      environment: environment(bucket, embeddings: embeddings, keys: keys, extra: extra))
        try await server.start()
        return Replica(server: server, folders: [data, empty])
    }

    /// Polls (bounded) until `condition` holds.
    static func eventually(seconds: Double = 120, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for: \(what)")
    }

    /// Waits until `server` is semantically ready and checks it got there from the bucket's
    /// artifacts alone: nothing parsed, nothing embedded, both manuals imported. Its metrics.
    static func expectReadyFromArtifactsAlone(_ server: ServeProcess) async throws -> String {
        _ = try await server.waitForIngest()
        let semantic = try await server.waitForSemanticReady()
        #expect(semantic["ready"] as? Bool == true, "semantically ready: \(semantic)")
        let metrics = try await server.metricsText()
        #expect(ServeProcess.metric(metrics, "manualbot_embedded_passages_total") == 0, "\(metrics)")
        #expect(ServeProcess.metric(metrics, "manualbot_ingest_documents_total") == 0, "parsed a document: \(metrics)")
        #expect(ServeProcess.metric(metrics, "manualbot_artifact_lookups_total{result=\"imported\"}") == 2)
        return metrics
    }

    static func documents(_ server: ServeProcess) async throws -> [[String: Any]] {
        let (_, body) = try await server.request("GET", "/api/v1/docs")
        return body["documents"] as? [[String: Any]] ?? []
    }

    @Test(.enabled(if: EngineAvailability.enabled, "needs the embedding engine"))
    func aSecondReplicaImportsEverythingAndEmbedsNothing() async throws {
        let bucket = try await Self.bucketWithManuals()
        let firstReplica = try await Self.replica(bucket, embeddings: true)
        let first = firstReplica.server
        defer { firstReplica.stop() }
        try await Self.eventually("both artifacts published") { try await bucket.artifactKeys().count == 2 }
        #expect(try await bucket.artifactKeys().allSatisfy { $0.hasSuffix(".artifact") })
        let firstMetrics = try await first.metricsText()
        #expect(ServeProcess.metric(firstMetrics, "manualbot_embedded_passages_total") > 0)
        #expect(ServeProcess.metric(firstMetrics, "manualbot_artifacts_published_total") == 2)

        // The prefix is never read as manuals, even an object there that looks like one.
        try await bucket.client.putObject(bucket: bucket.name, key: Self.prefix + "looks-like-a-manual.txt", data: Data("객실 안내".utf8))
        let secondReplica = try await Self.replica(bucket, embeddings: true)
        let second = secondReplica.server
        defer { secondReplica.stop() }
        let metrics = try await Self.expectReadyFromArtifactsAlone(second)
        #expect(ServeProcess.metric(metrics, "manualbot_artifacts_published_total") == 0)

        let firstDocuments = try await Self.documents(first), secondDocuments = try await Self.documents(second)
        #expect(secondDocuments.count == 2, "\(second.log)")
        #expect(secondDocuments.map { "\($0["chunks"] ?? "")/\($0["status"] ?? "")" } == firstDocuments.map { "\($0["chunks"] ?? "")/\($0["status"] ?? "")" })
        let question = try JSONSerialization.data(withJSONObject: ["message": "공항 가는 버스 몇 시에 출발해요?"])
        let (status, reply) = try await second.request("POST", "/api/v1/chat", body: question, headers: ["Content-Type": "application/json"])
        #expect(status == 200)
        #expect((reply["reply"] as? String)?.contains("shuttle.txt") == true, "\(reply)")
    }

    /// A replica that indexed the manuals without their vectors (the model was off, or it was
    /// restarted while embedding) takes them from the bucket once another replica published them.
    @Test(.enabled(if: EngineAvailability.enabled, "needs the embedding engine"))
    func vectorsPublishedLaterAreAdoptedInsteadOfEmbedded() async throws {
        let bucket = try await Self.bucketWithManuals()
        let data = try TemporaryDirectory(), empty = try TemporaryDirectory()
        let lexicalOnly = try ServeProcess(manualsDirectory: empty.path, dataDirectory: data.path,
                                           environment: Self.environment(bucket, embeddings: false))
        try await lexicalOnly.start()
        _ = try await lexicalOnly.waitForIngest()
        lexicalOnly.killHard()

        let publisherReplica = try await Self.replica(bucket, embeddings: true)
        try await Self.eventually("the model's artifacts published") {
            ServeProcess.metric(try await publisherReplica.server.metricsText(), "manualbot_artifacts_published_total") == 2
        }
        publisherReplica.stop()

        let restarted = try ServeProcess(manualsDirectory: empty.path, dataDirectory: data.path,
                                         environment: Self.environment(bucket, embeddings: true))
        try await restarted.start()
        defer { restarted.killHard() }
        _ = try await Self.expectReadyFromArtifactsAlone(restarted)
        withExtendedLifetime((data, empty)) {}
    }

    @Test func aTruncatedArtifactIsDetectedRecomputedAndReplaced() async throws {
        let bucket = try await Self.bucketWithManuals()
        let firstReplica = try await Self.replica(bucket, embeddings: false)
        let first = firstReplica.server
        try await Self.eventually("both artifacts published") { try await bucket.artifactKeys().count == 2 }
        firstReplica.stop()
        let key = try #require(try await bucket.artifactKeys().first)
        let whole = try await bucket.client.getObject(bucket: bucket.name, key: key).data
        try await bucket.client.putObject(bucket: bucket.name, key: key, data: whole.prefix(whole.count / 2))

        let secondReplica = try await Self.replica(bucket, embeddings: false)
        let second = secondReplica.server
        defer { secondReplica.stop() }
        _ = try await second.waitForIngest()
        let metrics = try await second.metricsText()
        #expect(ServeProcess.metric(metrics, "manualbot_artifact_lookups_total{result=\"truncated\"}") == 1, "\(metrics)")
        #expect(ServeProcess.metric(metrics, "manualbot_artifact_lookups_total{result=\"imported\"}") == 1)
        #expect(ServeProcess.metric(metrics, "manualbot_ingest_documents_total") == 1, "only the damaged one is parsed")
        #expect(second.log.contains("shared artifact rejected"))
        #expect(try await Self.documents(second).allSatisfy { $0["status"] as? String == "done" })
        try await Self.eventually(seconds: 30, "the artifact replaced") {
            try await bucket.client.getObject(bucket: bucket.name, key: key).data == whole
        }
    }

    @Test func aBucketThatRefusesWritesStillGetsEveryDocumentIndexed() async throws {
        let environment = ProcessInfo.processInfo.environment
        let readOnly = AWSCredentials(accessKeyId: try #require(environment["MANUALBOT_TEST_S3_READONLY_ACCESS_KEY"]),
                                      secretAccessKey: try #require(environment["MANUALBOT_TEST_S3_READONLY_SECRET_KEY"]))
        let bucket = try await Self.bucketWithManuals()
        let serverReplica = try await Self.replica(bucket, embeddings: false, keys: readOnly)
        let server = serverReplica.server
        defer { serverReplica.stop() }
        _ = try await server.waitForIngest()
        let documents = try await Self.documents(server)
        #expect(documents.count == 2)
        #expect(documents.allSatisfy { $0["status"] as? String == "done" }, "\(documents)")
        try await Self.eventually(seconds: 30, "the refused publish counted") {
            ServeProcess.metric(try await server.metricsText(), "manualbot_artifact_publish_failures_total") == 2
        }
        #expect(server.log.contains("cannot publish a shared artifact"))
        #expect(try await bucket.artifactKeys().isEmpty)
        let question = try JSONSerialization.data(withJSONObject: ["message": "수건 교체 요청"])
        let (status, _) = try await server.request("POST", "/api/v1/chat", body: question, headers: ["Content-Type": "application/json"])
        #expect(status == 200)
    }

    @Test func sharingOffWritesAndReadsNothing() async throws {
        let bucket = try await Self.bucketWithManuals()
        let firstReplica = try await Self.replica(bucket, embeddings: false)
        let first = firstReplica.server
        try await Self.eventually("both artifacts published") { try await bucket.artifactKeys().count == 2 }
        firstReplica.stop()
        let serverReplica = try await Self.replica(bucket, embeddings: false, extra: ["S3_ARTIFACTS": "off", "S3_PREFIX": "manuals/"])
        let server = serverReplica.server
        defer { serverReplica.stop() }
        _ = try await server.waitForIngest()
        try await Task.sleep(for: .seconds(3))  // past a publishing pass, were there one
        let metrics = try await server.metricsText()
        #expect(ServeProcess.metric(metrics, "manualbot_ingest_documents_total") == 2, "parsed both, imported none")
        #expect(!metrics.contains("manualbot_artifact_lookups_total"))
        #expect(!metrics.contains("manualbot_artifacts_published_total"))
        #expect(try await Self.documents(server).count == 2, "\(server.log)")
    }

    @Test func anUpdatedManualGetsANewArtifactAndTheOldOneGoes() async throws {
        let bucket = try await Self.bucketWithManuals()
        let firstReplica = try await Self.replica(bucket, embeddings: false)
        let first = firstReplica.server
        defer { firstReplica.stop() }
        try await Self.eventually("both artifacts published") { try await bucket.artifactKeys().count == 2 }
        let oldSHA = SHA256.hex(Data(Self.manuals[1].text.utf8))
        let updated = "셔틀버스 운행 변경\n공항 셔틀은 이제 30분마다 호텔 후문 주차장에서 출발합니다. 야간에는 리무진 택시를 안내합니다."
        let newSHA = SHA256.hex(Data(updated.utf8))
        try await bucket.client.putObject(bucket: bucket.name, key: Self.manuals[1].key, data: Data(updated.utf8))
        let (status, _) = try await first.request("POST", "/api/v1/docs/sync")
        #expect(status == 200)
        try await Self.eventually(seconds: 30, "the new version's artifact, and the old one gone") {
            let keys = try await bucket.artifactKeys()
            return keys.count == 2 && keys.contains { $0.hasPrefix(Self.prefix + newSHA + "/") }
                && !keys.contains { $0.hasPrefix(Self.prefix + oldSHA + "/") }
        }

        // A new replica imports the new version, never the old one, for that key.
        let secondReplica = try await Self.replica(bucket, embeddings: false)
        let second = secondReplica.server
        defer { secondReplica.stop() }
        _ = try await second.waitForIngest()
        let metrics = try await second.metricsText()
        #expect(ServeProcess.metric(metrics, "manualbot_artifact_lookups_total{result=\"imported\"}") == 2)
        #expect(ServeProcess.metric(metrics, "manualbot_ingest_documents_total") == 0)
        let question = try JSONSerialization.data(withJSONObject: ["message": "셔틀 후문 주차장 30분마다"])
        let (_, reply) = try await second.request("POST", "/api/v1/chat", body: question, headers: ["Content-Type": "application/json"])
        let text = reply["reply"] as? String ?? ""
        #expect(text.contains("후문"), "\(reply)")
        #expect(!text.contains("정문"))
    }
}
