// `manualbot smoke` and `manualbot healthcheck`, run as the built binary against a live server on
// 127.0.0.1, plus the pieces they rely on (the generated PDF, the S3 verdict, URL handling).
import Foundation
import Testing
@testable import ManualBot
@testable import Retrieval

@Suite(.serialized) struct SmokeTests {
    /// `manualbot smoke --url <server> …`.
    func smoke(_ server: LiveServer, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        try await runManualbot(["smoke", "--url", "http://127.0.0.1:\(server.port)"] + arguments, environment: environment)
    }

    @Test func healthAndAnswerPassAgainstALiveServer() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let run = try await smoke(server, ["--skip", "s3", "--skip", "pdf"])
        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "manualbot smoke http://127.0.0.1:\(server.port)")
        #expect(lines.contains { $0.hasPrefix("✓ health") && $0.contains(" ms ") && $0.contains("200 ok") })
        #expect(lines.contains { $0.hasPrefix("✓ answer") && $0.contains(Paths.sampleManualName) })
        #expect(lines.filter { $0.hasPrefix("✓") || $0.hasPrefix("✗") }.count == 2)
        #expect(lines.last == "smoke: all 2 checks passed")
        await server.stop()
    }

    /// Every check reports, each failure with a reason, and the exit status follows them; this
    /// holds whether or not the server already has S3 and uploads.
    @Test func everyCheckReportsInJSON() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let run = try await runManualbot(["smoke", "--url", "http://127.0.0.1:\(server.port)/api/v1", "--json", "--ingest-timeout", "60"])
        let report = run.json
        let checks = try #require(report["checks"] as? [[String: Any]], "\(run.output)")
        #expect(checks.map { $0["name"] as? String } == ["health", "s3", "answer", "pdf"])
        for check in checks {
            #expect(check["ms"] is Int)
            #expect((check["detail"] as? String)?.isEmpty == false)
        }
        let byName = Dictionary(uniqueKeysWithValues: checks.map { ($0["name"] as! String, $0) })
        #expect(byName["health"]?["ok"] as? Bool == true)
        #expect(byName["answer"]?["ok"] as? Bool == true)
        let allOK = checks.allSatisfy { $0["ok"] as? Bool == true }
        #expect(report["ok"] as? Bool == allOK)
        #expect(run.status == (allOK ? 0 : 1))
        if byName["pdf"]?["ok"] as? Bool != true {
            #expect((byName["pdf"]?["detail"] as? String)?.contains("upload") == true)
        }
        await server.stop()
    }

    /// The pdf check end to end against the real upload API.
    @Test func pdfCheckUploadsFindsAndDeletesTheGeneratedPDF() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let run = try await smoke(server, ["--skip", "s3", "--json", "--ingest-timeout", "60"],
                                  environment: ["API_KEY": LiveServer.apiKey])
        #expect(run.status == 0, "\(run.output)")
        let checks = try #require(run.json["checks"] as? [[String: Any]], "\(run.output)")
        #expect(checks.map { $0["name"] as? String } == ["health", "answer", "pdf"])
        let pdf = try #require(checks.last?["detail"] as? String)
        #expect(pdf.hasPrefix("uploaded manualbot-smoke-zq"))
        #expect(pdf.contains("→ done in "))
        #expect(pdf.contains("→ answered from manualbot-smoke-zq"))
        #expect(pdf.hasSuffix("→ deleted"))
        // Nothing is left behind: only the sample manual, in the folder and in the index.
        let uploads = server.manuals.url.appendingPathComponent("uploads").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).isEmpty)
        #expect(try await server.service.index.documents().map(\.fileName) == [Paths.sampleManualName])
        await server.stop()
    }

    @Test func pdfCheckWithAGivenPDFAndQuestion() async throws {
        let server = try await LiveServer()
        // The index must hold the sample before the check below can say nothing else was added.
        try await server.waitForIngest()
        let run = try await smoke(server, ["--api-key", LiveServer.apiKey,
                                           "--skip", "s3", "--skip", "answer",
                                           "--pdf", Paths.fixtures.appendingPathComponent("korean_pages.pdf").path,
                                           "--pdf-question", "투숙객 차량은 몇 대까지 무료로 세울 수 있나요?"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("✓ pdf"))
        #expect(run.output.contains("korean_pages.pdf p.3"))
        #expect(try await server.service.index.documents().map(\.fileName) == [Paths.sampleManualName])
        await server.stop()
    }

    @Test func aFailedJobIsReportedAndCleanedUp() async throws {
        let server = try await LiveServer()
        // The index must hold the sample before the check below can say nothing else was added.
        try await server.waitForIngest()
        let locked = Paths.sharedFixtures.appendingPathComponent("005-libreoffice-writer-password_libreoffice-writer-password.pdf")
        let run = try await smoke(server, ["--api-key", LiveServer.apiKey,
                                           "--skip", "s3", "--skip", "answer", "--pdf", locked.path, "--pdf-question", "암호"])
        #expect(run.status == 1)
        #expect(run.output.contains("✗ pdf"))
        #expect(run.output.contains("encrypted"))
        #expect(run.output.contains("cleaned up"))
        #expect(try await server.service.index.documents().map(\.fileName) == [Paths.sampleManualName])
        await server.stop()
    }

    @Test func aWrongKeyFailsTheCheckedEndpointsButNotHealth() async throws {
        let server = try await LiveServer()
        let run = try await smoke(server, ["--api-key", "wrong", "--skip", "s3"])
        #expect(run.status == 1)
        #expect(run.output.contains("✓ health"))
        #expect(run.output.contains("✗ answer") && run.output.contains("401 Invalid or missing API Key"))
        #expect(run.output.contains("(pass --api-key or set API_KEY)"))
        await server.stop()
    }

    @Test func aQuestionWithoutSourcesFails() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let run = try await smoke(server, ["--skip", "s3", "--skip", "pdf",
                                           "--question", "비트코인 시세 전망"])
        #expect(run.status == 1)
        #expect(run.output.contains("✗ answer"))
        #expect(run.output.contains("no sources"))
        #expect(run.output.contains("smoke: 1 of 2 checks failed"))
        await server.stop()
    }

    @Test func anUnreachableServiceFailsEveryCheckQuickly() async throws {
        let port = try closedPort()
        let started = ContinuousClock.now
        let run = try await runManualbot(["smoke", "--url", "http://127.0.0.1:\(port)", "--json"])
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(run.status == 1)
        let checks = try #require(run.json["checks"] as? [[String: Any]], "\(run.output)")
        #expect(checks.count == 4)
        #expect(checks.allSatisfy { $0["ok"] as? Bool == false })
        #expect(checks.first?["detail"] as? String == "connection refused")
        #expect((checks.last?["detail"] as? String)?.contains("unreachable") == true)
    }

    @Test func badArgumentsAreRejected() async throws {
        let noPDFQuestion = try await runManualbot(["smoke", "--url", "http://127.0.0.1:1", "--pdf", Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName).path])
        #expect(noPDFQuestion.status != 0 && noPDFQuestion.status != 1)
        #expect(noPDFQuestion.output.contains("--pdf-question"))
        let badURL = try await runManualbot(["smoke", "--url", "ftp://example"])
        #expect(badURL.status != 0 && badURL.status != 1)
        let badCheck = try await runManualbot(["smoke", "--url", "http://127.0.0.1:1", "--skip", "nope"])
        #expect(badCheck.status != 0 && badCheck.status != 1)
    }

    @Test func healthcheckExitsZeroOnlyFor200() async throws {
        let server = try await LiveServer()
        let healthy = try await runManualbot(["healthcheck", "--url", "http://127.0.0.1:\(server.port)/api/v1/health"])
        #expect(healthy.status == 0, "\(healthy.output)")
        let byPort = try await runManualbot(["healthcheck"], environment: ["PORT": String(server.port)])
        #expect(byPort.status == 0, "\(byPort.output)")
        let notFound = try await runManualbot(["healthcheck", "--url", "http://127.0.0.1:\(server.port)/api/v1/nope"])
        #expect(notFound.status == 1)
        #expect(notFound.output.contains("401"))  // unknown paths need the key too
        await server.stop()
        let down = try await runManualbot(["healthcheck", "--url", "http://127.0.0.1:\(try closedPort())/api/v1/health", "--timeout", "2"])
        #expect(down.status == 1)
        #expect(down.output.contains("connection refused"))
    }

    /// The generated upload is a real PDF whose code word only it answers.
    @Test func generatedPDFIsFoundByItsCodeWordOnly() async throws {
        let word = SmokePDF.codeWord()
        #expect(word.count == 12 && word.allSatisfy { $0.isLowercase })
        let manuals = try TemporaryDirectory()
        try manuals.copy(Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        try manuals.write("manualbot-smoke-\(word).pdf", SmokePDF.document(codeWord: word))
        let data = try TemporaryDirectory()
        let index = try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
        let report = try await FolderIngestor(index: index, extractor: isolatedExtractor()).sync(folder: manuals.path)
        #expect(report.failed.isEmpty, "\(report.failed)")
        let smoke = try #require(try await index.documents().first { $0.fileName.hasPrefix("manualbot-smoke-") })
        #expect(smoke.status == .done)
        #expect(smoke.pages == 1)

        let hits = try await index.search("smoke code word \(word)", limit: 5)
        #expect(hits.first?.fileName == "manualbot-smoke-\(word).pdf")
        let other = try await index.search("노쇼 고객 환불 어떻게 해요?", limit: 5)
        #expect(!other.isEmpty)
        #expect(!other.contains { $0.fileName.hasPrefix("manualbot-smoke-") })
    }

    @Test func pdfLiteralsAreEscaped() throws {
        #expect(SmokePDF.escape("a (b) \\ c 한") == "a \\(b\\) \\\\ c ?")
        let pdf = String(decoding: SmokePDF.make(lines: ["x"]), as: UTF8.self)
        #expect(pdf.hasPrefix("%PDF-1.4\n"))
        #expect(pdf.hasSuffix("%%EOF\n"))
        // startxref points at the xref table.
        let offset = try #require(Int(pdf.components(separatedBy: "startxref\n")[1].split(separator: "\n")[0]))
        #expect(pdf.utf8.dropFirst(offset).starts(with: "xref".utf8))
    }

    @Test func s3VerdictReadsTheUsualShapes() {
        #expect(SmokeRunner.s3Verdict(true).0)
        #expect(!SmokeRunner.s3Verdict(false).0)
        #expect(SmokeRunner.s3Verdict("ok").0)
        #expect(!SmokeRunner.s3Verdict("denied").0)
        #expect(SmokeRunner.s3Verdict(["ok": true, "bucket": "b"]).0)
        #expect(!SmokeRunner.s3Verdict(["ok": false, "error": "AccessDenied"]).0)
        #expect(SmokeRunner.s3Verdict(["status": "ok"]).0)
        #expect(!SmokeRunner.s3Verdict(["status": "error"]).0)
        #expect(SmokeRunner.s3Verdict(["list": true, "read": true, "bucket": "b"]).0)
        #expect(!SmokeRunner.s3Verdict(["list": true, "read": false]).0)
        #expect(!SmokeRunner.s3Verdict(["bucket": "b"]).0)
        #expect(SmokeRunner.s3Verdict(["ok": true]).1 == #"{"ok":true}"#)
    }

    @Test func serviceRootAndFileMatching() {
        #expect(HTTPClient.serviceRoot("https://ai.example.com/api/v1/")?.absoluteString == "https://ai.example.com")
        #expect(HTTPClient.serviceRoot("http://127.0.0.1:9000")?.absoluteString == "http://127.0.0.1:9000")
        #expect(HTTPClient.serviceRoot("example.com") == nil)
        #expect(HTTPClient.serviceRoot("ftp://example.com") == nil)
        #expect(SmokeRunner.sameFile("a.pdf", "a.pdf"))
        #expect(SmokeRunner.sameFile("uploads/123_a.pdf", "a.pdf"))
        #expect(SmokeRunner.sameFile("123_a.pdf", "a.pdf"))
        #expect(!SmokeRunner.sameFile("ba.pdf", "a.pdf"))
        // NFD (as macOS names files) against NFC.
        #expect(SmokeRunner.sameFile("매뉴얼.pdf".decomposedStringWithCanonicalMapping, "매뉴얼.pdf"))
        #expect(Healthcheck.defaultURL(environment: [:]) == "http://127.0.0.1:9000/api/v1/health")
        #expect(Healthcheck.defaultURL(environment: ["PORT": "8080"]) == "http://127.0.0.1:8080/api/v1/health")
    }
}

/// A loopback port with nothing listening: bound, then closed.
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
