// EMBED_PRIORITY: the embedding thread runs under SCHED_IDLE by default (requests take the CPU
// at once) or at nice 19 (`low`), read back from /proc for the live thread.
import Foundation
import Testing
@testable import HTTPServer
import SemanticSearch

struct EmbedPriorityTests {
    @Test func settingsReadTheEmbeddingVariables() throws {
        let defaults = try Settings.fromEnvironment([:])
        #expect(defaults.embedPriority == .idle)
        // One core is left to requests, and there is always one embedding thread.
        #expect(defaults.embedThreads == max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
        let settings = try Settings.fromEnvironment(["EMBEDDINGS": "on", "EMBED_THREADS": "1", "EMBED_PRIORITY": "LOW", "RERANK_DEPTH": "0"])
        #expect(settings.embeddings == true && settings.embedThreads == 1 && settings.embedPriority == .low)
        #expect(settings.rerankDepth == 0 && defaults.rerankDepth == 10)
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(["RERANK_DEPTH": "-1"]) }
        let error = #expect(throws: SettingsError.self) { try Settings.fromEnvironment(["EMBED_PRIORITY": "realtime"]) }
        #expect(error?.message.contains("EMBED_PRIORITY") == true)
    }

    /// The scheduling policy (field 41 of /proc/self/task/TID/stat) and nice (field 19) of every
    /// thread named `name` (other tests in this process may run embedding threads too).
    static func schedules(ofThreadsNamed name: String) -> [(policy: Int, nice: Int)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard comm == name, let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // The fields after "(comm)" start at field 3.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 38, let nice = Int(fields[16]), let policy = Int(fields[38]) else { return nil }
            return (policy, nice)
        }
    }

    @Test(.enabled(if: EngineAvailability.enabled, "needs the embedding engine"), arguments: [SemanticIndex.Priority.idle, .low])
    func theEmbeddingThreadYieldsToRequests(_ priority: SemanticIndex.Priority) async throws {
        let server = try await LiveServer { settings in
            settings.embeddings = true
            settings.embedThreads = 1
            settings.embedPriority = priority
        }
        defer { Task { await server.stop() } }
        let wanted = priority == .idle ? 5 : 0  // SCHED_IDLE, SCHED_OTHER
        var found = false
        for _ in 0..<400 where !found {
            found = Self.schedules(ofThreadsNamed: "manualbot-embed").contains { $0.policy == wanted && $0.nice == 19 }
            if !found { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(found, "no embedding thread with policy \(wanted) at nice 19: \(Self.schedules(ofThreadsNamed: "manualbot-embed"))")
    }
}
