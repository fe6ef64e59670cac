// `manualbot smoke`: the post-deploy checklist as one command. One ✓/✗ line per check with its
// time, or one JSON object with --json; exits 1 when any check fails.
import ArgumentParser
import Foundation

struct Smoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a running ManualBot after a deploy: health, S3 read permission, a manual answer, one PDF end to end.",
        discussion: """
            Checks, in order: health (GET /api/v1/health is 200), s3 (GET /api/v1/health?deep=1 reports the \
            bucket readable), answer (--question gets a reply with sources), pdf (a PDF is uploaded, reaches \
            status done, a question only it answers cites it, and it is deleted again). Without --pdf a one-page \
            PDF with a random code word is generated. Exit status 1 when any check fails.
            """)

    @Option(help: "The service, e.g. https://ai.example.com or http://127.0.0.1:9000 (a trailing /api/v1 is accepted).")
    var url: String

    @Option(help: "API key sent as 'Authorization: Bearer'; defaults to $API_KEY.")
    var apiKey: String?

    @Option(help: "PDF to upload for the end-to-end check (needs --pdf-question); default: a generated one.")
    var pdf: String?

    @Option(help: "A question only --pdf answers.")
    var pdfQuestion: String?

    @Option(help: "The manual question that must get sources.")
    var question = "노쇼 고객 환불 어떻게 해요?"

    @Option(name: .customLong("skip"), help: "Leave out a check (health, s3, answer, pdf); repeatable.")
    var skipped: [SmokeCheck] = []

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @Option(help: "Seconds to wait for each HTTP answer (deep health may take up to 20).")
    var timeout: Double = 30

    @Option(help: "Seconds to wait for the uploaded PDF to reach done or failed.")
    var ingestTimeout: Double = 180

    func validate() throws {
        guard HTTPClient.serviceRoot(url) != nil else { throw ValidationError("--url must be an http(s) URL, got \"\(url)\"") }
        if pdf != nil, pdfQuestion == nil { throw ValidationError("--pdf needs --pdf-question: a question that only that PDF answers") }
        if let pdf {
            guard FileManager.default.isReadableFile(atPath: pdf) else { throw ValidationError("cannot read \(pdf)") }
        }
        guard timeout > 0, ingestTimeout > 0 else { throw ValidationError("timeouts must be positive") }
    }

    func run() async throws {
        let root = HTTPClient.serviceRoot(url)!
        let key = apiKey ?? ProcessInfo.processInfo.environment["API_KEY"]
        let upload: SmokeRunner.UploadFile
        if let pdf {
            upload = .init(name: (pdf as NSString).lastPathComponent, data: try Data(contentsOf: URL(fileURLWithPath: pdf)),
                           question: pdfQuestion ?? "")
        } else {
            let word = SmokePDF.codeWord()
            upload = .init(name: "manualbot-smoke-\(word).pdf", data: SmokePDF.document(codeWord: word),
                           question: "smoke code word \(word)")
        }
        let runner = SmokeRunner(client: HTTPClient(base: root, apiKey: key, timeout: timeout), question: question,
                                 pdf: upload, ingestTimeout: .milliseconds(Int(ingestTimeout * 1000)))
        let checks = SmokeCheck.allCases.filter { !skipped.contains($0) }

        if !json { emit("manualbot smoke \(root.absoluteString)") }
        let results = await runner.run(checks) { result in
            if !json { printLine(result) }
        }
        let failed = results.filter { !$0.ok }.count
        if json {
            let report = SmokeReport(url: root.absoluteString, ok: failed == 0, checks: results, skipped: skipped)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            emit(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else if failed == 0 {
            emit("smoke: all \(results.count) checks passed")
        } else {
            emit("smoke: \(failed) of \(results.count) checks failed")
        }
        if failed > 0 { throw ExitCode(1) }
    }

    func printLine(_ result: SmokeResult) {
        let mark = result.ok ? "✓" : "✗"
        let name = result.name.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
        let time = String(repeating: " ", count: max(0, 6 - String(result.milliseconds).count)) + "\(result.milliseconds) ms"
        emit("\(mark) \(name)\(time)  \(result.detail)")
    }

    /// Unbuffered, so each check's line shows as soon as it is done.
    func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

struct SmokeReport: Encodable {
    var url: String
    var ok: Bool
    var checks: [SmokeResult]
    var skipped: [SmokeCheck]
}

extension SmokeCheck: ExpressibleByArgument {}
