// Builds the whole service from Settings: index, isolated parser, manual source (folder or S3
// bucket), routes, and the start-up sync that runs in the background while health answers at
// once (then, for a bucket, a sync every SYNC_INTERVAL_SECONDS, and the shared artifacts).
import Artifacts
import Embeddings
import Foundation
import Hummingbird
import Logging
import PDFIngest
import Retrieval
import S3
import SemanticSearch
import ServiceLifecycle

public func makeService(settings: Settings) throws -> ManualService {
    let index = try ManualIndex(path: settings.databasePath)
    let extractor = IsolatedExtractor(
        executable: settings.extractorExecutable ?? IsolatedExtractor.currentExecutable,
        timeout: .seconds(settings.parseTimeoutSeconds),
        limits: .init(memoryBytes: settings.parseMemoryMB << 20, cpuSeconds: settings.parseTimeoutSeconds),
        concurrency: settings.parseWorkers,
        ocr: settings.ocr)
    let logger = Logger(label: "manualbot")
    let model = settings.openAIKey.map {
        OpenAICompatibleModel(baseURL: settings.openAIBaseURL, apiKey: $0, model: settings.openAIModel,
                              timeout: .seconds(settings.openAITimeoutSeconds))
    }
    let composer = AnswerComposer(extractive: ExtractiveAnswer(maxCharacters: settings.answerMaxCharacters), model: model, logger: logger)
    let semantic = settings.embeddingsEnabled ? SemanticIndex(index: index, threads: settings.embedThreads, priority: settings.embedPriority) : nil
    var bucket: BucketIngestor?
    var publisher: ArtifactPublisher?
    if let name = settings.s3Bucket {
        let endpoint = S3Endpoint(region: settings.awsRegion, custom: settings.s3Endpoint,
                                  forcePathStyle: settings.s3ForcePathStyle ?? (settings.s3Endpoint != nil))
        let credentials = try settings.s3Credentials ?? CredentialChain.resolve()
        var ingestor = BucketIngestor(index: index, extractor: extractor, client: S3Client(endpoint: endpoint, credentials: credentials),
                                      bucket: name, prefix: settings.s3Prefix)
        ingestor.maxObjectBytes = settings.s3MaxObjectMB << 20
        if settings.s3Artifacts {
            let ocr = settings.ocr, chunker = ingestor.chunker, tokenizer = index.tokenizer.fingerprint
            // Read from the model file (a hash of 72 MB), not from the loaded engine: the start-up
            // sync must not wait for the model to load at its low priority.
            let modelPath = settings.embedModelPath, enginePath = settings.embedEnginePath, embeddings = semantic != nil
            let model = Task.detached { embeddings ? E5Embedder.identity(ofModelAt: modelPath, libraryPath: enginePath) : nil }
            let artifacts = BucketArtifacts(client: ingestor.client, bucket: name, prefix: settings.s3ArtifactsPrefix) {
                let model = await model.value
                return ArtifactVersions(ocr: ocr, chunker: chunker, tokenizer: tokenizer, model: model?.id,
                                        vectorBytes: (model?.dimension ?? 0) * 2)
            }
            ingestor.artifacts = artifacts
            ingestor.artifactsPrefix = artifacts.prefix
            publisher = ArtifactPublisher(index: index, artifacts: artifacts)
        }
        bucket = ingestor
    }
    var fusion = FusionParameters()
    fusion.rerankDepth = settings.rerankDepth
    let offReason = settings.embeddings == false ? "EMBEDDINGS=off" : "no embedding model at \(settings.embedModelPath) (EMBED_MODEL_PATH)"
    return ManualService(index: index, extractor: extractor, manualsDirectory: settings.manualsDirectory,
                         composer: composer, bucket: bucket, maxUploadBytes: settings.maxUploadBytes,
                         semantic: semantic, semanticOffReason: offReason, fusion: fusion, artifactPublisher: publisher, logger: logger)
}

public func buildApplication(
    settings: Settings,
    service: ManualService,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(service: service, settings: settings)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "manualbot"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
    app.beforeServerStarts { await service.markStartupSyncPending() }
    app.addServices(StartupSyncService(service: service, logger: logger))
    if let semantic = service.semantic {
        app.addServices(EmbeddingService(semantic: semantic, enginePath: settings.embedEnginePath, modelPath: settings.embedModelPath))
    }
    if let publisher = service.artifactPublisher {
        app.addServices(ArtifactPublishService(index: service.index, publisher: publisher, logger: logger))
    }
    if service.bucket != nil, settings.syncIntervalSeconds > 0 {
        app.addServices(PeriodicSyncService(service: service, interval: .seconds(settings.syncIntervalSeconds), logger: logger))
    }
    return app
}

/// Indexes the manual source once the server is up; a failure is logged, never fatal. On a
/// graceful shutdown the sync stops after the parses in flight (bounded by PARSE_TIMEOUT_SECONDS).
struct StartupSyncService: Service {
    let service: ManualService
    let logger: Logger

    func run() async throws {
        let sync = Task {
            await service.jobs.resumeUnfinished()
            await service.syncManuals(logger: logger)
        }
        await withGracefulShutdownHandler {
            _ = await sync.value
            try? await gracefulShutdown()
            await service.jobs.waitForAll()
        } onGracefulShutdown: {
            // SIGTERM: the HTTP server has already drained (services stop in reverse order).
            // Running parses finish and are stored, no new one starts; the sync is awaited above.
            sync.cancel()
        }
    }
}

/// Loads the embedding model and embeds pending passages in the background for the server's
/// lifetime (SemanticIndex's own thread); a model that cannot be loaded leaves search lexical.
struct EmbeddingService: Service {
    let semantic: SemanticIndex
    let enginePath: String
    let modelPath: String

    func run() async throws {
        let enginePath = enginePath, modelPath = modelPath
        // Embedding starts once the start-up sync is done (or after a minute): parsing comes
        // first, and the sync imports the vectors other replicas published.
        semantic.start(firstKickWithin: .seconds(60)) { try E5Embedder(libraryPath: enginePath, modelPath: modelPath) }
        try? await gracefulShutdown()
        semantic.stop()
    }
}
