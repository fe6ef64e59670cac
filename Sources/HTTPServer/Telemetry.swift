// Prometheus metrics for the process (swift-metrics + swift-prometheus): bootstrapped once,
// exported at GET /metrics. Request counts and latency per route and status come from
// Hummingbird's MetricsMiddleware; ingest, sync, S3 retry and LLM counters from where they happen.
import Foundation
import Metrics
import Prometheus

public enum Telemetry {
    /// The process's registry; the first use bootstraps the metrics system (once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    public static func bootstrap() { _ = registry }
}
