// What ECS relies on when it stops a task: on SIGTERM `manualbot serve` stops accepting, finishes
// the requests and the parses in flight, starts no new parse and exits 0, well inside the
// task definition's stopTimeout; files it did not get to are indexed at the next start.
import Foundation
import Testing
@testable import PDFIngest
@testable import Retrieval

@Suite(.serialized) struct GracefulShutdownTests {
    @Test func sigtermFinishesTheRequestInFlightAndRefusesNewOnes() async throws {
        let data = try TemporaryDirectory()
        let server = try ServeProcess(manualsDirectory: Paths.sampleManuals.path, dataDirectory: data.path)
        try await server.start()

        // A chat request whose body is only half sent when SIGTERM arrives.
        let body = try JSONSerialization.data(withJSONObject: ["message": "노쇼 고객 환불 어떻게 해요?"])
        let connection = try RawConnection(port: server.port)
        connection.send(Data("POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(LiveServer.apiKey)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body.prefix(10))
        try await Task.sleep(for: .milliseconds(200))
        server.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))

        #expect(server.process.isRunning, "exited with a request in flight")
        #expect(throws: (any Error).self, "still accepting connections after SIGTERM") { try RawConnection(port: server.port) }

        connection.send(body.dropFirst(10))
        let response = String(decoding: connection.readToEnd(), as: UTF8.self)
        #expect(response.hasPrefix("HTTP/1.1 200"), "\(response.prefix(300))")
        #expect(response.contains("\"sources\""))

        let started = ContinuousClock.now
        let status = try await server.exitStatus(timeout: .seconds(30))
        #expect(status == 0, "\(server.log)")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func sigtermDuringTheStartupIngestKeepsTheIndexConsistent() async throws {
        // 24 manuals parsed one at a time: SIGTERM lands while most are still waiting.
        let manuals = try TemporaryDirectory()
        let sample = Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName)
        for number in 1...24 { try manuals.copy(sample, as: String(format: "manual-%02d.pdf", number)) }
        let data = try TemporaryDirectory()
        let first = try ServeProcess(manualsDirectory: manuals.path, dataDirectory: data.path, environment: ["PARSE_WORKERS": "1"])
        try await first.start()
        first.signal(SIGTERM)
        let status = try await first.exitStatus(timeout: .seconds(60))
        #expect(status == 0, "\(first.log)")

        let index = try ManualIndex(path: data.url.appendingPathComponent("manualbot.sqlite").path)
        let stored = try await index.documents()
        // Whatever was parsed is stored whole; nothing failed for being interrupted.
        #expect(stored.allSatisfy { $0.status == .done && $0.chunks > 0 }, "\(stored.map { ($0.fileName, $0.status, $0.reason ?? "") })")
        let synced = first.logLines("manuals synced")
        print("SIGTERM at start-up: \(stored.count) of 24 manuals stored, sync \(synced.isEmpty ? "stopped" : "finished")")
        if synced.isEmpty {
            #expect(stored.count < 24)
            #expect(!first.logLines("manual sync stopped for shutdown; files not parsed yet are picked up at the next start").isEmpty, "\(first.log)")
        }

        // The next start indexes the rest and does not parse the stored ones again.
        let second = try ServeProcess(manualsDirectory: manuals.path, dataDirectory: data.path)
        try await second.start()
        var report: [String: Any]?
        for _ in 0..<1000 where report == nil {
            report = second.logLines("manuals synced").first
            if report == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        second.signal(SIGTERM)
        #expect(try await second.exitStatus(timeout: .seconds(60)) == 0)
        let line = try #require(report, "\(second.log)")
        #expect(line["added"] as? String == String(24 - stored.count))
        #expect(line["unchanged"] as? String == String(stored.count))
        #expect(try await index.documents().count == 24)
    }

    /// The mechanism underneath, deterministically: a slow parser (a wrapper that sleeps 1 s
    /// before parsing), one worker, the sync cancelled while the first parse runs.
    @Test func cancelledSyncFinishesTheRunningParseAndStartsNoOther() async throws {
        let tools = try TemporaryDirectory()
        let wrapper = try tools.writeScript("slow-manualbot", "#!/bin/sh\nsleep 1\nexec '\(Paths.manualbot)' \"$@\"\n")
        let manuals = try TemporaryDirectory()
        let sample = Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName)
        for number in 1...4 { try manuals.copy(sample, as: "manual-\(number).pdf") }
        let data = try TemporaryDirectory()
        let index = try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
        let ingestor = FolderIngestor(index: index, extractor: IsolatedExtractor(executable: wrapper, timeout: .seconds(30), concurrency: 1))

        let started = ContinuousClock.now
        let sync = Task { try await ingestor.sync(folder: manuals.path) }
        try await Task.sleep(for: .milliseconds(300))
        sync.cancel()
        let result = await sync.result
        let elapsed = ContinuousClock.now - started
        #expect(throws: CancellationError.self) { try result.get() }
        // The stored count below is what proves no other parse ran; the upper bound is loose so
        // a loaded CI machine cannot fail it.
        #expect(elapsed >= .milliseconds(900), "did not wait for the running parse")
        #expect(elapsed < .seconds(5), "started another parse after the cancellation")

        let stored = try await index.documents()
        #expect(stored.count == 1)
        #expect(stored.first?.status == .done)
        #expect((stored.first?.chunks ?? 0) > 0)

        let report = try await FolderIngestor(index: index, extractor: isolatedExtractor()).sync(folder: manuals.path)
        #expect(report.added.count == 3)
        #expect(report.unchanged == 1)
    }
}
