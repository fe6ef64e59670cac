// OCR of pages without a usable text layer, in the isolated parse worker: scans get text and
// answer questions with the right page cited, mixed PDFs get both, OCR=off is the old
// behaviour, and the limits (pixel cap, page cap, page timeout, memory) hold on hostile scans.
// Fixtures: scripts/make_ocr_fixtures.py.
import Foundation
import Testing
@testable import HTTPServer
@testable import PDFIngest
@testable import Retrieval

@Suite(.serialized) struct OCRTests {
    static func fixture(_ name: String) -> String { Paths.fixtures.appendingPathComponent(name).path }

    /// The sample manual's own text layer: what the scans were made from.
    static func sourcePage(_ number: Int) throws -> String {
        let data = try Data(contentsOf: Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        return try PopplerExtractor.extract(pdf: data).pages[number - 1]
    }

    /// OCR options for tests: a generous page timeout, since the suite runs its tests in
    /// parallel on two shared cores (a 5 s page took over 30 s under that load).
    static var options: OCROptions {
        var options = OCROptions()
        options.pageTimeoutSeconds = 120
        return options
    }

    func extract(_ name: String, ocr: OCROptions = OCRTests.options, memoryMB: Int = 1024) async throws -> ExtractedDocument {
        let extractor = IsolatedExtractor(executable: Paths.manualbot, timeout: .seconds(180),
                                          limits: .init(memoryBytes: memoryMB << 20, cpuSeconds: 180), ocr: ocr)
        let outcome = await extractor.extract(fileAt: Self.fixture(name))
        guard case .document(let document) = outcome else {
            Issue.record("\(name): \(outcome)")
            throw CancellationError()
        }
        return document
    }

    @Test func cleanScanIsReadAndAnswersCitingItsPage() async throws {
        let document = try await extract("scan_clean_300dpi.pdf")
        #expect(document.ocrPages.map(\.status) == [.ocr])
        #expect(document.ocrPages.first?.dpi == 300)
        #expect(document.pagesNeedingOCR.isEmpty)
        let score = CharacterSimilarity.score(document.pages[0], try Self.sourcePage(2))
        #expect(score >= 0.92, "similarity \(score)")

        let data = try TemporaryDirectory(), manuals = try TemporaryDirectory()
        try manuals.copy(URL(fileURLWithPath: Self.fixture("scan_clean_300dpi.pdf")))
        let index = try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
        let extractor = IsolatedExtractor(executable: Paths.manualbot, timeout: .seconds(180),
                                          limits: .init(cpuSeconds: 180), ocr: Self.options)
        try await FolderIngestor(index: index, extractor: extractor).sync(folder: manuals.path)
        let record = try #require(try await index.documents().first)
        #expect(record.status == .done)
        #expect(record.ocrPageList.map(\.status) == [.ocr])
        #expect(record.chunks > 0)
        let result = try await index.find("노쇼 고객 환불 어떻게 해요?", limit: 3)
        #expect(result.hits.first?.fileName == "scan_clean_300dpi.pdf")
        #expect(result.hits.first?.page == 1)
        let reply = ExtractiveAnswer(maxCharacters: 700).reply(to: result)
        #expect(reply.contains("[출처: scan_clean_300dpi.pdf p.1]"), "\(reply)")
    }

    @Test func degradedScanIsRead() async throws {
        let document = try await extract("scan_degraded_200dpi.pdf")
        #expect(document.ocrPages.map(\.status) == [.ocr])
        let score = CharacterSimilarity.score(document.pages[0], try Self.sourcePage(5))
        #expect(score >= 0.88, "similarity \(score)")
    }

    @Test func mixedPDFTakesTextPagesFromTheTextLayerAndOCRsTheScans() async throws {
        let document = try await extract("scan_mixed.pdf")
        #expect(document.pageCount == 4)
        #expect(document.ocrPages.map(\.page) == [2, 4])  // text pages are never rendered
        #expect(document.ocrPages.allSatisfy { $0.status == .ocr })
        #expect(document.pages[0] == (try Self.sourcePage(1)))
        #expect(document.pages[2] == (try Self.sourcePage(3)))
        #expect(document.pages[1].contains("노쇼"))
        #expect(document.pages[3].contains("1330"))
        #expect(document.pagesNeedingOCR.isEmpty)
    }

    @Test func ocrOffKeepsTodaysNeedsOCR() async throws {
        let document = try await extract("scan_clean_300dpi.pdf", ocr: .off)
        #expect(document.hasNoText)
        #expect(document.ocrPages.map(\.status) == [.needsOCR])
        #expect(document.ocrPages.first?.reason?.contains("OCR=off") == true)

        let data = try TemporaryDirectory()
        let index = try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
        let record = try await index.store(outcome: .document(document), fileName: "scan.pdf", source: "/x/scan.pdf",
                                           size: 1, modifiedAt: 1, sha256: "x")
        #expect(record.status == .needsOCR)
        #expect(record.reason?.contains("OCR=off") == true, "\(record.reason ?? "")")
        #expect(record.chunks == 0)
    }

    @Test func hugePageIsRenderedWithinThePixelCap() async throws {
        let size = PageRenderer.pixelSize(widthPoints: 14_400, heightPoints: 14_400, dpi: 300, maxPixels: 40_000_000)
        #expect(size.clamped)
        #expect(size.width * size.height <= 40_000_000)
        #expect(PageRenderer.pixelSize(widthPoints: 595, heightPoints: 842, dpi: 300, maxPixels: 40_000_000).clamped == false)
        // One side huge, the other tiny: cairo's 32,767-pixel side limit holds too.
        let strip = PageRenderer.pixelSize(widthPoints: 14_400, heightPoints: 3, dpi: 300, maxPixels: 40_000_000)
        #expect(strip.width <= PageRenderer.maximumSide)

        // 3.6 gigapixels at 300 dpi; under the default 1,024 MB address-space limit it is
        // rendered at ~32 dpi (40 MP) and read.
        let document = try await extract("scan_huge_page.pdf")
        let page = try #require(document.ocrPages.first)
        #expect(page.dpi > 0 && page.dpi < 300)
        #expect(page.reason?.contains("capped at 40 MP") == true, "\(page.reason ?? "")")
    }

    @Test func pagesPastTheCapStayNeedsOCRWithTheReason() async throws {
        var options = Self.options
        options.maxPages = 3
        let started = ContinuousClock.now
        let document = try await extract("scan_1000_pages.pdf", ocr: options)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(document.pageCount == 1000)
        #expect(document.ocrPages.count == 1000)
        #expect(document.ocrPages.prefix(3).allSatisfy { $0.dpi > 0 })
        let capped = document.ocrPages.dropFirst(3)
        #expect(capped.allSatisfy { $0.status == .needsOCR && $0.reason?.contains("OCR_MAX_PAGES") == true })

        let data = try TemporaryDirectory()
        let index = try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
        let record = try await index.store(outcome: .document(document), fileName: "scan.pdf", source: "/x/scan.pdf",
                                           size: 1, modifiedAt: 1, sha256: "x")
        #expect(record.status == .needsOCR)
        #expect(record.reason?.contains("997 still need OCR") == true, "\(record.reason ?? "")")
        #expect(record.ocrPageList.count == 1000)
    }

    @Test func aPageOverItsTimeoutStaysNeedsOCR() async throws {
        var options = OCROptions()
        options.pageTimeoutSeconds = 0.05
        let document = try await extract("scan_clean_300dpi.pdf", ocr: options)
        let page = try #require(document.ocrPages.first)
        #expect(page.status == .needsOCR)
        #expect(page.reason?.contains("OCR_PAGE_TIMEOUT_SECONDS") == true, "\(page.reason ?? "")")
    }

    /// The server indexes a decompression bomb, a huge page and a 1,000-page scan beside good
    /// files under a smaller memory limit (768 MB): the bad ones end failed or needs_ocr with a reason, the
    /// others are indexed and answer, /api/v1/docs shows the OCR pages and /metrics counts them.
    @Test func hostileScansDoNotStopTheServerOrTheOtherFiles() async throws {
        let files = ["scan_bomb.pdf", "scan_huge_page.pdf", "scan_1000_pages.pdf", "scan_clean_300dpi.pdf"].map {
            URL(fileURLWithPath: Self.fixture($0))
        } + [Paths.fixtures.appendingPathComponent("korean_pages.pdf")]
        let server = try await LiveServer(manualFiles: files) { settings in
            settings.parseMemoryMB = 768
            settings.parseTimeoutSeconds = 180
            settings.ocr = OCRTests.options
            settings.ocr.maxPages = 5
        }
        for _ in 0..<3600 {
            let status = await server.service.ingestStatus()
            if !status.running, status.lastFinishedAt != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let docs = try await server.request("GET", "/api/v1/docs")
        #expect(docs.status == 200)
        let list = try #require(docs.json["documents"] as? [[String: Any]])
        let byFile = Dictionary(uniqueKeysWithValues: list.map { ($0["file"] as! String, $0) })
        for bad in ["scan_bomb.pdf", "scan_1000_pages.pdf"] {
            let status = byFile[bad]?["status"] as? String
            #expect(status == "failed" || status == "needs_ocr", "\(bad): \(status ?? "missing")")
            #expect((byFile[bad]?["reason"] as? String)?.isEmpty == false)
        }
        #expect(byFile["korean_pages.pdf"]?["status"] as? String == "done")
        #expect(byFile["scan_clean_300dpi.pdf"]?["status"] as? String == "done")
        let ocrPages = try #require(byFile["scan_clean_300dpi.pdf"]?["ocr_pages"] as? [[String: Any]])
        #expect(ocrPages.first?["page"] as? Int == 1)
        #expect(ocrPages.first?["status"] as? String == "ocr")
        let huge = byFile["scan_huge_page.pdf"]?["ocr_pages"] as? [[String: Any]]
        #expect((huge?.first?["reason"] as? String)?.contains("capped") == true)

        let answer = try await server.postJSON("/api/v1/chat", ["message": "노쇼 고객 환불 어떻게 해요?"])
        #expect(answer.status == 200)
        let sources = answer.json["sources"] as? [[String: Any]] ?? []
        #expect(sources.contains { $0["source"] as? String == "scan_clean_300dpi.pdf" && $0["page"] as? Int == 1 })
        let metrics = try await server.request("GET", "/metrics", authorized: false).text
        #expect(metrics.contains("manualbot_ocr_pages_total{status=\"ocr\"}"))
        #expect(metrics.contains("manualbot_ocr_seconds_total"))
        #expect(try await server.request("GET", "/api/v1/health").status == 200)
        await server.stop()
    }

    /// A worker that dies once it has said "ocr" (memory, CPU, a crash inside rendering or
    /// Tesseract) costs the scanned pages, not the document: its text layer is parsed again in a
    /// fresh worker with OCR off, and the pages say why they were not OCR'd.
    @Test func aWorkerDyingDuringOCRLeavesTheTextLayerIndexed() async throws {
        let tools = try TemporaryDirectory()
        let worker = try tools.writeScript("fake-worker", """
            #!/bin/sh
            case "$*" in *"--ocr on"*) IFS= read -r line; echo ocr; kill -SEGV $$ ;; esac
            while IFS= read -r line; do
              out=$(printf '%s' "$line" | sed -E 's/^\\["(.*)","(.*)"\\]$/\\2/')
              printf '%s' '{"document":{"_0":{"pages":["본문 페이지",""],"metadata":{},"pagesNeedingOCR":[2],"ocrPages":[{"page":2,"status":"needs_ocr","reason":"OCR is off","seconds":0,"dpi":0}]}}}' > "$out"
              echo done
            done

            """)
        let extractor = IsolatedExtractor(executable: worker, concurrency: 1)
        guard case .document(let document) = await extractor.extract(fileAt: "/tmp/mixed.pdf") else {
            Issue.record("the text layer must survive"); return
        }
        #expect(document.pages[0] == "본문 페이지")
        #expect(document.ocrPages.map(\.page) == [2])
        let reason = document.ocrPages.first?.reason ?? ""
        #expect(reason.contains("crashed") && reason.contains("without OCR"), "\(reason)")
    }

    @Test func settingsReadTheOCRVariables() throws {
        let settings = try Settings.fromEnvironment(["OCR": "off", "OCR_DPI": "200", "OCR_LANGUAGES": "kor",
                                                      "OCR_PAGE_TIMEOUT_SECONDS": "5", "OCR_MAX_PAGES": "7"])
        #expect(settings.ocr == OCROptions(enabled: false, dpi: 200, languages: "kor", pageTimeoutSeconds: 5, maxPages: 7))
        #expect(try Settings.fromEnvironment([:]).ocr == OCROptions())
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(["OCR": "maybe"]) }
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(["OCR_LANGUAGES": "kor+../../etc"]) }
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(["OCR_DPI": "5000"]) }
    }
}

/// 1 − edit distance / longer length, whitespace ignored: the benchmark's measure (scripts/ocr_bench.py).
enum CharacterSimilarity {
    static func score(_ a: String, _ b: String) -> Double {
        let x = Array(a.precomposedStringWithCanonicalMapping.unicodeScalars.filter { !$0.properties.isWhitespace })
        let y = Array(b.precomposedStringWithCanonicalMapping.unicodeScalars.filter { !$0.properties.isWhitespace })
        guard !x.isEmpty || !y.isEmpty else { return 1 }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...max(1, x.count) where !x.isEmpty {
            current[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        let distance = x.isEmpty ? y.count : previous[y.count]
        return 1 - Double(distance) / Double(max(x.count, y.count))
    }
}
