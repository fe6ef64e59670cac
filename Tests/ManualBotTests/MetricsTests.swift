// GET /metrics (Prometheus text, its own optional token) and request ids.
import Foundation
import Testing
@testable import HTTPServer

@Suite(.serialized) struct MetricsTests {
    @Test func metricsAreExported() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        _ = try await server.request("GET", "/api/v1/health")
        _ = try await server.postJSON("/api/v1/chat", ["message": "노쇼 환불"])
        let metrics = try await server.request("GET", "/metrics", authorized: false)
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = metrics.text
        for name in ["hb_requests", "http_server_request_duration", "manualbot_index_documents", "manualbot_index_chunks",
                     "manualbot_ingest_documents_total", "manualbot_ingest_pages_total", "manualbot_sync_runs_total"] {
            #expect(text.contains(name), "\(name) missing")
        }
        #expect(text.contains(#"http_route="/api/v1/chat""#))
        #expect(text.contains(#"http_response_status_code="200""#))
        await server.stop()
    }

    @Test func metricsTokenWhenConfigured() async throws {
        let server = try await LiveServer(manualFiles: []) { $0.metricsToken = "scrape-secret" }
        #expect(try await server.request("GET", "/metrics", authorized: false).status == 401)
        // The API key is not the metrics token.
        #expect(try await server.request("GET", "/metrics").status == 401)
        let ok = try await server.request("GET", "/metrics", headers: ["Authorization": "Bearer scrape-secret"], authorized: false)
        #expect(ok.status == 200)
        await server.stop()
    }

    @Test func requestIDsAreReturnedAndAccepted() async throws {
        let server = try await LiveServer(manualFiles: [])
        let generated = try await server.request("GET", "/api/v1/health")
        #expect((generated.headers["x-request-id"]?.count ?? 0) >= 16)
        let mine = try await server.request("GET", "/api/v1/health", headers: ["x-request-id": "req-123"])
        #expect(mine.headers["x-request-id"] == "req-123")
        let alb = try await server.request("GET", "/api/v1/health", headers: ["x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678"])
        #expect(alb.headers["x-request-id"] == "Root=1-67891233-abcdef012345678912345678")
        let bad = try await server.request("GET", "/nope", headers: ["x-request-id": "has space"])
        #expect(bad.status == 404)
        #expect(bad.headers["x-request-id"] != "has space")
        #expect(bad.headers["x-request-id"] != nil)
        await server.stop()
    }
}
