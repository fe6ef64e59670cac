// Semantic search beside the lexical index: loads the embedding model in the background, embeds
// every passage that has no vector yet on its own thread (EMBED_THREADS, at a lower CPU priority
// than requests), keeps the in-memory DenseIndex in step with the stored vectors, and embeds
// questions (with a small cache). A manual answers lexically as soon as it is parsed and joins
// semantic search when its vectors are in. Without a usable model it reports why, and search
// stays lexical.
import Embeddings
import Foundation
import Logging
import Metrics
import Retrieval
#if canImport(Glibc)
import Glibc
#endif

public final class SemanticIndex: @unchecked Sendable {
    /// How the embedding thread (and the OpenMP workers it starts, which inherit it) yields to
    /// requests (EMBED_PRIORITY).
    public enum Priority: String, Sendable, CaseIterable {
        /// SCHED_IDLE: runs only on CPU time nothing else wants, and a request that wakes up
        /// takes the CPU at once. Health p99 while the corpus embedded: 6.3 ms at nice 19 (Linux
        /// 6.18's EEVDF scheduler lets a running nice-19 thread finish its slice first).
        case idle
        /// nice 19: keeps a small share of a CPU that stays busy (a parallel test run), where
        /// SCHED_IDLE would never embed.
        case low
    }

    public enum State: Sendable, Equatable {
        case loading
        case ready
        /// The model could not be loaded (or embedding failed for good): lexical search only.
        case unavailable(String)
    }

    public struct Status: Sendable, Equatable {
        public var model: String?
        public var state: State
        public var counts: SemanticCounts
        /// Whether `counts` were read for the index as it is (within a quarter second).
        public var counted: Bool
        /// Every passage has its vector (and the model works).
        public var ready: Bool { state == .ready && counted && counts.pendingPassages == 0 }
    }

    public let index: ManualIndex
    let threads: Int
    let priority: Priority
    let batchSize: Int
    let logger: Logger
    let queryCache = QueryVectorCache()
    private let lock = NSLock()
    private var embedder: (any TextEmbedder)?
    private var state = State.loading
    private var counts = SemanticCounts()
    /// The index version (documents and vectors) `counts` were read at, and when it was checked.
    private var countsVersion: String?
    private var countsChecked = ContinuousClock.now
    private var countsChecking = false
    /// The index moved since `counts` were read; the embedding thread is recounting.
    private var countsStale = false
    /// `start` ran: the embedding thread owns the counting (see `refreshCountsIfStale`).
    private var background = false
    private var dense: (version: String, index: DenseIndex)?
    private var denseBuilding = false
    private var stopped = false
    private var kicked = false
    private var questionsInFlight = 0
    private let wake = DispatchSemaphore(value: 0)

    public init(index: ManualIndex, threads: Int, priority: Priority = .idle, batchSize: Int = 8,
                logger: Logger = Logger(label: "manualbot.semantic")) {
        self.index = index
        self.threads = max(1, threads)
        self.priority = priority
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Starts loading the model (`load` runs on the embedding thread) and then embedding. With
    /// `firstKickWithin`, embedding begins at the first `kick` (the start-up sync has finished:
    /// parsing first, and vectors another replica shared are imported instead of computed), or
    /// when that time has passed.
    public func start(firstKickWithin: Duration? = nil, load: @escaping @Sendable () throws -> any TextEmbedder) {
        lock.withLock { background = true }
        let thread = Thread { [self] in run(firstKickWithin: firstKickWithin, load: load) }
        thread.name = "manualbot-embed"
        thread.start()
    }

    /// Embeds every pending passage on the calling thread and returns once none is left (the
    /// offline `manualbot eval` and tests).
    public func embedAll(with embedder: any TextEmbedder, progress: ((SemanticCounts) -> Void)? = nil) throws {
        install(embedder)
        while try embedBatch(embedder) > 0 { progress?(counts) }
        try refreshCounts(embedder.modelID)
    }

    /// Searches with `embedder` and the vectors stored so far, embedding nothing (`manualbot ask`).
    public func attach(_ embedder: any TextEmbedder) { install(embedder) }

    public func stop() {
        lock.withLock { stopped = true }
        wake.signal()
    }

    /// Something changed (a document indexed): look for passages to embed now.
    public func kick() {
        lock.withLock { kicked = true }
        wake.signal()
    }

    /// For health: the counts follow the index (re-read when documents or vectors changed,
    /// looked at no more than every 250 ms, so a flood of health checks costs no SQL).
    public func status() async -> Status {
        await refreshCountsIfStale()
        return lock.withLock { Status(model: embedder?.modelID, state: state, counts: counts, counted: countsVersion != nil && !countsStale) }
    }

    private func refreshCountsIfStale() async {
        let now = ContinuousClock.now
        let model = lock.withLock { () -> String? in
            guard state == .ready, let embedder, !countsChecking, countsVersion == nil || now - countsChecked > .milliseconds(250) else {
                return nil
            }
            countsChecking = true
            return embedder.modelID
        }
        guard let model else { return }
        defer { lock.withLock { countsChecking = false } }
        let version = try? await index.vectorVersion()
        if version == nil || version != lock.withLock({ countsVersion }) {
            // Counting is a scan of every window (~10 ms on the hotel corpus): with the embedding
            // thread running, it recounts (at its low priority) and health says not-yet-counted
            // meanwhile, instead of a health check paying for the scan (it was health's p99
            // while the corpus was embedding).
            if lock.withLock({ background }) {
                lock.withLock { countsStale = true }
                wake.signal()
            } else {
                try? await refreshCounts(model)
            }
        }
        lock.withLock { countsChecked = now }
    }

    // MARK: - Embedding loop

    private func run(firstKickWithin: Duration?, load: @Sendable () throws -> any TextEmbedder) {
        // Named for `top -H` and /proc: Foundation's Thread.name does not reach the kernel on
        // Linux, and pthread_setname_np is not visible to Swift without _GNU_SOURCE.
        try? "manualbot-embed".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        // Requests come first (see Priority). On Linux both calls with 0 mean this thread.
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        if priority == .idle {
            var parameters = sched_param(sched_priority: 0)
            if sched_setscheduler(0, 5 /* SCHED_IDLE */, &parameters) != 0 {
                logger.warning("SCHED_IDLE refused; embedding at nice 19", metadata: ["errno": "\(errno)"])
            }
        }
        let embedder: any TextEmbedder
        do {
            embedder = try load()
        } catch {
            let reason = "\(error)"
            lock.withLock { state = .unavailable(reason) }
            logger.error("semantic search off, lexical only: \(reason)")
            return
        }
        install(embedder)
        logger.info("embedding model loaded", metadata: ["model": "\(embedder.modelID)", "threads": "\(threads)"])
        if let firstKickWithin {
            let deadline = ContinuousClock.now + firstKickWithin
            while !lock.withLock({ kicked || stopped }), ContinuousClock.now < deadline {
                _ = wake.wait(timeout: .now() + 0.5)
            }
        }
        var failures = 0
        while !lock.withLock({ stopped }) {
            do {
                if try embedBatch(embedder) == 0 {
                    try refreshCounts(embedder.modelID)
                    _ = wake.wait(timeout: .now() + 2)
                }
                failures = 0
            } catch {
                failures += 1
                logger.warning("embedding failed, will retry", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                _ = wake.wait(timeout: .now() + .seconds(min(60, 1 << min(failures, 6))))
            }
        }
    }

    private func install(_ embedder: any TextEmbedder) {
        lock.withLock {
            self.embedder = embedder
            state = .ready
        }
    }

    /// Embeds up to `batchSize` pending passages; returns how many.
    private func embedBatch(_ embedder: any TextEmbedder) throws -> Int {
        let pending = try index.pendingPassages(model: embedder.modelID, limit: batchSize)
        guard !pending.isEmpty else { return 0 }
        let started = ContinuousClock.now
        let embedded = try embedder.embedding(pending.map(\.text), as: .passage, threads: threads)
        try index.storeVectors(model: embedder.modelID, zip(pending, embedded).map {
            ($0.textHash, VectorMath.encode($1.vector), $1.tokens?.encoded())
        })
        let seconds = (ContinuousClock.now - started).seconds
        Counter(label: "manualbot_embedded_passages_total").increment(by: pending.count)
        FloatingPointCounter(label: "manualbot_embed_seconds_total").increment(by: seconds)
        try refreshCounts(embedder.modelID)
        return pending.count
    }

    /// The embedding thread's (it may block).
    private func refreshCounts(_ model: String) throws {
        store(try index.semanticCounts(model: model), version: try index.vectorVersion())
    }

    private func refreshCounts(_ model: String) async throws {
        store(try await index.semanticCounts(model: model), version: try await index.vectorVersion())
    }

    private func store(_ fresh: SemanticCounts, version: String) {
        lock.withLock {
            counts = fresh
            countsVersion = version
            countsStale = false
        }
        Gauge(label: "manualbot_semantic_pending_passages").record(fresh.pendingPassages)
    }

    // MARK: - Searching

    /// The model, when it is loaded and working.
    public var activeEmbedder: (any TextEmbedder)? {
        lock.withLock { state == .ready ? embedder : nil }
    }

    /// The question's vector and, when the model makes them, its token states (one pass, cached
    /// by text), computed off the cooperative thread pool.
    public func queryEmbedding(_ question: String) async throws -> QueryEmbedding? {
        guard let embedder = activeEmbedder else { return nil }
        let cache = queryCache
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { [self] in
                continuation.resume(with: Result {
                    try cache.embedding(for: question) {
                        let threads = beginQuestion()
                        defer { endQuestion() }
                        let embedded = try embedder.embedding([question], as: .query, threads: threads)[0]
                        return QueryEmbedding(vector: embedded.vector, tokens: embedded.tokens)
                    }
                })
            }
        }
    }

    /// Threads for the question about to be embedded: every core (two here) when no other
    /// question is being embedded — a 20-token question takes 13 ms on two threads, 25 ms on
    /// one — and one when others are, so that concurrent chats each keep a core instead of
    /// their OpenMP workers contending for both.
    private func beginQuestion() -> Int {
        lock.withLock {
            questionsInFlight += 1
            return questionsInFlight == 1 ? Self.cores : 1
        }
    }

    private func endQuestion() {
        lock.withLock { questionsInFlight -= 1 }
    }

    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The dense index for the vectors stored now; while a newer one is being built (vectors
    /// arriving during an embedding run), searches use the previous one.
    public func denseIndex() async throws -> DenseIndex? {
        guard let embedder = activeEmbedder else { return nil }
        let version = try await index.vectorVersion()
        let (current, mustBuild) = lock.withLock { () -> (DenseIndex?, Bool) in
            if let dense, dense.version == version { return (dense.index, false) }
            if denseBuilding { return (dense?.index, false) }
            denseBuilding = true
            return (dense?.index, true)
        }
        guard mustBuild else { return current }
        let build = Task.detached { [index] in
            DenseIndex(rows: try await index.vectorRows(model: embedder.modelID), dimension: embedder.dimension)
        }
        if current != nil {
            Task { [self] in await finishBuild(build, version: version) }
            return current
        }
        return await finishBuild(build, version: version)
    }

    @discardableResult
    private func finishBuild(_ build: Task<DenseIndex, Error>, version: String) async -> DenseIndex? {
        let built = try? await build.value
        lock.withLock {
            if let built { dense = (version, built) }
            denseBuilding = false
        }
        return built ?? lock.withLock { dense?.index }
    }
}
