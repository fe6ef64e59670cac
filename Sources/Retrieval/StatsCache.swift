// The index's statistics for the plain health check (an ALB check, or a load balancer's flood)
// without one SQLite query per request: kept for at most `maxAge`, dropped at once when this
// process adds or removes a document, and one query at a time refreshes it. Another process's
// ingest into the same database shows within `maxAge`.
import Foundation

actor StatsCache {
    private var version = 0
    private var cached: (stats: IndexStats, version: Int, loadedAt: ContinuousClock.Instant)?
    private var refreshing: (version: Int, task: Task<IndexStats, Error>)?

    /// This process changed the documents: the next request reads the database again.
    func invalidate() {
        version += 1
    }

    func stats(maxAge: Duration, load: @escaping @Sendable () async throws -> IndexStats) async throws -> IndexStats {
        let now = ContinuousClock.now
        if let cached, cached.version == version, now - cached.loadedAt < maxAge { return cached.stats }
        if let refreshing, refreshing.version == version { return try await refreshing.task.value }
        let started = version
        let task = Task { try await load() }
        refreshing = (started, task)
        defer { if refreshing?.version == started { refreshing = nil } }
        let stats = try await task.value
        // A document added or removed meanwhile makes this result too old to keep.
        if version == started { cached = (stats, started, now) }
        return stats
    }
}
