// The post-deploy checklist that `manualbot smoke` runs against a live ManualBot, each check
// timed and reported as passed or failed with a one-line reason; none of them throws.
//   health  GET /api/v1/health answers 200 {"status":"ok"} (the ALB health check)
//   s3      GET /api/v1/health?deep=1 reports the S3 bucket as readable
//   answer  a manual question gets a reply with sources
//   pdf     a PDF uploaded → status done → a question only it answers cites it → deleted again
import Foundation
import Retrieval

enum SmokeCheck: String, CaseIterable, Codable, Sendable {
    case health, s3, answer, pdf
}

struct SmokeResult: Codable, Sendable {
    var name: SmokeCheck
    var ok: Bool
    var milliseconds: Int
    var detail: String

    enum CodingKeys: String, CodingKey {
        case name, ok, detail
        case milliseconds = "ms"
    }
}

struct SmokeRunner: Sendable {
    let client: HTTPClient
    var question: String
    var pdf: UploadFile
    var ingestTimeout: Duration
    var pollInterval: Duration = .seconds(1)

    /// The document the `pdf` check uploads and the question that only it answers.
    struct UploadFile: Sendable {
        var name: String
        var data: Data
        var question: String
    }

    /// Runs the checks in order; once the service proves unreachable, the rest fail at once.
    func run(_ checks: [SmokeCheck], report: (SmokeResult) -> Void = { _ in }) async -> [SmokeResult] {
        var results: [SmokeResult] = []
        var unreachable: String?
        for check in checks {
            let result: SmokeResult
            if let unreachable {
                result = SmokeResult(name: check, ok: false, milliseconds: 0, detail: "not run: the service is unreachable (\(unreachable))")
            } else {
                let started = ContinuousClock.now
                let outcome: Outcome
                do {
                    outcome = try await run(check)
                } catch let error as ClientError {
                    if error.transport, check == .health { unreachable = error.message }
                    outcome = .fail(error.message)
                } catch {
                    outcome = .fail("\(error)")
                }
                let elapsed = ContinuousClock.now - started
                result = SmokeResult(name: check, ok: outcome.ok, milliseconds: Int((elapsed.seconds * 1000).rounded()),
                                     detail: outcome.detail)
            }
            report(result)
            results.append(result)
        }
        return results
    }

    enum Outcome {
        case pass(String), fail(String)
        var ok: Bool { if case .pass = self { true } else { false } }
        var detail: String {
            switch self {
            case .pass(let text), .fail(let text): text
            }
        }
    }

    func run(_ check: SmokeCheck) async throws -> Outcome {
        switch check {
        case .health: try await health()
        case .s3: try await s3()
        case .answer: try await answer()
        case .pdf: try await pdfEndToEnd()
        }
    }

    // MARK: health

    func health() async throws -> Outcome {
        let reply = try await client.getJSON("/api/v1/health", authorized: false)
        guard reply.status == 200 else { return .fail("GET /api/v1/health: \(reply.summary)") }
        guard let json = reply.json, json["status"] as? String == "ok" else {
            return .fail("GET /api/v1/health: 200 but no {\"status\":\"ok\"}: \(reply.summary)")
        }
        var parts = ["200 ok"]
        if let documents = json["documents"] as? Int { parts.append("\(documents) documents") }
        if let chunks = json["chunks"] as? Int { parts.append("\(chunks) chunks") }
        if let ingest = json["ingest"] as? [String: Any], ingest["running"] as? Bool == true { parts.append("ingest running") }
        return .pass(parts.joined(separator: ", "))
    }

    // MARK: s3

    func s3() async throws -> Outcome {
        let reply = try await client.getJSON("/api/v1/health?deep=1")
        let json = reply.json ?? [:]
        guard let state = json["s3"] ?? (json["checks"] as? [String: Any])?["s3"] else {
            if reply.status != 200 { return .fail("GET /api/v1/health?deep=1: \(reply.summary)") }
            return .fail("GET /api/v1/health?deep=1 reports no \"s3\" state: this server does not check S3 (no S3 support, or S3_BUCKET unset)")
        }
        let (readable, text) = Self.s3Verdict(state)
        if readable && reply.status == 200 { return .pass("bucket readable: \(text)") }
        return .fail("S3 not readable (HTTP \(reply.status)): \(text)")
    }

    /// Reads the deep-health S3 state: `true`, `"ok"`, `{"ok": true…}`, `{"status": "ok"…}` or
    /// an object of permission flags (`{"list": true, "read": true}`) that are all true.
    static func s3Verdict(_ state: Any) -> (Bool, String) {
        let text = compactJSON(state)
        switch state {
        case let flag as Bool: return (flag, text)
        case let word as String: return (["ok", "pass", "healthy", "readable"].contains(word.lowercased()), text)
        case let object as [String: Any]:
            if let ok = object["ok"] as? Bool { return (ok, text) }
            if let status = object["status"] as? String { return (["ok", "pass", "healthy"].contains(status.lowercased()), text) }
            for key in ["read", "readable", "get", "list"] {
                if let flag = object[key] as? Bool, !flag { return (false, text) }
            }
            let flags = object.values.compactMap { $0 as? Bool }
            return (!flags.isEmpty && flags.allSatisfy { $0 }, text)
        default: return (false, text)
        }
    }

    static func compactJSON(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes]) else { return "\(value)" }
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }

    // MARK: answer

    func answer() async throws -> Outcome {
        let reply = try await chat(question)
        guard reply.status == 200, let json = reply.json else { return .fail("POST /api/v1/chat: \(reply.summary)") }
        let sources = json["sources"] as? [[String: Any]] ?? []
        guard let top = sources.first else {
            let text = (json["reply"] as? String ?? "").prefix(60)
            return .fail("no sources for \"\(question)\" (reply: \(text))")
        }
        return .pass("\(sources.count) sources, top \(Self.describe(source: top))")
    }

    func chat(_ message: String) async throws -> HTTPClient.Reply {
        try await client.postJSON("/api/v1/chat", [
            "userId": "manualbot-smoke",
            "sessionId": String(Int(Date().timeIntervalSince1970 * 1000)),
            "message": message,
            "customerAttributes": [String: String](),
        ])
    }

    static func describe(source: [String: Any]) -> String {
        var text = source["source"] as? String ?? "?"
        if let page = source["page"] as? Int { text += " p.\(page)" }
        if let score = source["score"] as? Double { text += String(format: " (%.2f)", score) }
        return text
    }

    // MARK: pdf

    func pdfEndToEnd() async throws -> Outcome {
        var steps: [String] = []
        func elapsed(since start: ContinuousClock.Instant) -> String {
            String(format: "%.1f s", (ContinuousClock.now - start).seconds)
        }

        // Upload.
        let upload = try await client.postFile("/api/v1/docs/upload", field: "file", fileName: pdf.name,
                                               contentType: "application/pdf", data: pdf.data)
        guard (200..<300).contains(upload.status), let uploaded = upload.json else {
            let hint = upload.status == 404 ? " (this server has no upload endpoint)" :
                upload.status == 401 ? " (pass --api-key or set API_KEY)" : ""
            return .fail("upload: POST /api/v1/docs/upload: \(upload.summary)\(hint)")
        }
        guard let jobID = Self.string(uploaded, "job_id", "jobId", "id") else {
            return .fail("upload: no job_id in \(Self.compactJSON(uploaded))")
        }
        let fileName = uploaded["filename"] as? String ?? pdf.name
        steps.append("uploaded \(fileName)")

        // The steps after an upload clean up after themselves on failure.
        let outcome: Outcome
        var documentID: String?
        do {
            let processing = ContinuousClock.now
            let status = try await waitForJob(jobID)
            documentID = Self.documentID(in: status)
            switch Self.state(of: status) {
            case "done":
                steps.append("done in \(elapsed(since: processing))")
                outcome = try await findUploaded(fileName: fileName, steps: &steps)
            case "failed":
                outcome = .fail("job \(jobID) failed: \(status["detail"] as? String ?? Self.compactJSON(status))")
            default:
                outcome = .fail("job \(jobID) not done after \(ingestTimeout): \(Self.compactJSON(status))")
            }
        } catch {
            outcome = .fail("\(error)")
        }

        // Delete it again, whatever happened.
        let deletion = await delete(fileName: fileName, documentID: documentID)
        switch (outcome, deletion) {
        case (.pass, .pass(let text)):
            steps.append(text)
            return .pass(steps.joined(separator: " → "))
        case (.pass, .fail(let text)):
            return .fail((steps + ["delete: \(text)"]).joined(separator: " → "))
        case (.fail(let text), .pass):
            return .fail((steps + [text, "cleaned up"]).joined(separator: " → "))
        case (.fail(let text), .fail(let cleanup)):
            return .fail((steps + [text, "cleanup: \(cleanup)"]).joined(separator: " → "))
        }
    }

    /// Polls the job until `done` or `failed`, or the ingest timeout passes; returns the last status.
    func waitForJob(_ jobID: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + ingestTimeout
        let path = "/api/v1/docs/status/" + Self.pathSegment(jobID)
        while true {
            let reply = try await client.getJSON(path)
            guard reply.status == 200, let json = reply.json else { throw ClientError("status: GET \(path): \(reply.summary)") }
            let state = Self.state(of: json)
            if state == "done" || state == "failed" || ContinuousClock.now >= deadline { return json }
            try await Task.sleep(for: pollInterval)
        }
    }

    func findUploaded(fileName: String, steps: inout [String]) async throws -> Outcome {
        let reply = try await chat(pdf.question)
        guard reply.status == 200, let json = reply.json else { return .fail("chat: \(reply.summary)") }
        let sources = json["sources"] as? [[String: Any]] ?? []
        guard let hit = sources.first(where: { Self.sameFile($0["source"] as? String, fileName) }) else {
            let found = sources.prefix(3).map(Self.describe(source:)).joined(separator: ", ")
            return .fail("\"\(pdf.question)\" does not cite \(fileName) (sources: \(found.isEmpty ? "none" : found))")
        }
        steps.append("answered from \(Self.describe(source: hit))")
        return .pass("")
    }

    /// Deletes the uploaded document (its id from the job status, else from the document list)
    /// and checks that the list no longer has it.
    func delete(fileName: String, documentID: String?) async -> Outcome {
        do {
            var id = documentID
            if id == nil { id = try await findDocumentID(fileName: fileName) }
            guard let id else {
                return .fail("\(fileName) is not in GET /api/v1/docs")
            }
            let path = "/api/v1/docs/" + Self.pathSegment(id)
            let reply = try await client.send("DELETE", path)
            guard (200..<300).contains(reply.status) else { return .fail("DELETE \(path): \(reply.summary)") }
            if try await findDocumentID(fileName: fileName) != nil {
                return .fail("DELETE \(path) answered \(reply.status) but \(fileName) is still listed")
            }
            return .pass("deleted")
        } catch {
            return .fail("\(error)")
        }
    }

    func findDocumentID(fileName: String) async throws -> String? {
        let reply = try await client.getJSON("/api/v1/docs")
        guard reply.status == 200, let json = reply.json else { throw ClientError("GET /api/v1/docs: \(reply.summary)") }
        let documents = json["documents"] as? [[String: Any]] ?? []
        let match = documents.first { Self.sameFile($0["file"] as? String, fileName) || Self.sameFile($0["source"] as? String, fileName) }
        return match.flatMap { Self.string($0, "id") }
    }

    /// The uploaded name, or a stored name that ends with it (`uploads/<job>_<name>`), compared in NFC.
    static func sameFile(_ candidate: String?, _ fileName: String) -> Bool {
        guard let candidate = candidate?.precomposedStringWithCanonicalMapping else { return false }
        let name = fileName.precomposedStringWithCanonicalMapping
        return candidate == name || candidate.hasSuffix("/" + name) || candidate.hasSuffix("_" + name)
    }

    /// A job's state: `status`, or `state` as some services name it.
    static func state(of job: [String: Any]) -> String? {
        job["status"] as? String ?? job["state"] as? String
    }

    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id
    }

    static func documentID(in status: [String: Any]) -> String? {
        if let id = string(status, "document_id", "doc_id", "documentId") { return id }
        if let meta = status["meta"] as? [String: Any] { return string(meta, "document_id", "doc_id", "documentId") }
        return nil
    }

    /// The first of `keys` present as a string or an integer.
    static func string(_ object: [String: Any], _ keys: String...) -> String? {
        for key in keys {
            if let text = object[key] as? String, !text.isEmpty { return text }
            if let number = object[key] as? Int { return String(number) }
        }
        return nil
    }
}
