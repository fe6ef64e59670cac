// Parsing real and broken PDFs: page numbers, and a clear reason for every bad case, with the
// parser isolated in child processes.
import Foundation
import Testing
@testable import PDFIngest

@Suite struct ExtractionTests {
    @Test func koreanPagesKeepTheirNumbers() throws {
        let data = try Data(contentsOf: Paths.fixtures.appendingPathComponent("korean_pages.pdf"))
        let document = try PopplerExtractor.extract(pdf: data)
        #expect(document.pageCount == 3)
        #expect(document.title == "테스트 문서")
        #expect(document.pages[0].contains("첫번째 페이지 체크인 안내"))
        #expect(document.pages[1].contains("노쇼 고객에게는 첫날 숙박 요금이 부과됩니다."))
        #expect(document.pages[2].contains("세번째 페이지 주차 요금"))
        #expect(!document.pages[0].contains("노쇼"))
        #expect(document.pagesNeedingOCR.isEmpty)
    }

    @Test func isolatedChildGivesTheSameText() async throws {
        let path = Paths.fixtures.appendingPathComponent("korean_pages.pdf").path
        guard case .document(let document) = await isolatedExtractor().extract(fileAt: path) else {
            Issue.record("expected a document")
            return
        }
        #expect(document.pages.count == 3)
        #expect(document.pages[1].contains("환불 규정"))
    }

    @Test func textLessPDFNeedsOCR() async throws {
        let path = Paths.fixtures.appendingPathComponent("blank_pages.pdf").path
        guard case .document(let document) = await isolatedExtractor().extract(fileAt: path) else {
            Issue.record("expected a document")
            return
        }
        #expect(document.pageCount == 2)
        #expect(document.hasNoText)
    }

    @Test func cidAndReplacementGarbageNeedsOCR() {
        #expect(TextQuality.needsOCR("(cid:1234)(cid:55)(cid:77) (cid:12)(cid:90)"))
        #expect(TextQuality.needsOCR("\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD} 가"))
        #expect(!TextQuality.needsOCR("체크인은 오후 3시부터 가능합니다. (cid:12)"))
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: Data
        var kind: ExtractionError.Kind
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = {
        let valid = (try? Data(contentsOf: Paths.fixtures.appendingPathComponent("korean_pages.pdf"))) ?? Data()
        return [
            BadCase(name: "empty.pdf", bytes: Data(), kind: .empty),
            BadCase(name: "not-a-pdf.pdf", bytes: Data("<html>hello</html>".utf8), kind: .notPDF),
            BadCase(name: "truncated.pdf", bytes: valid.prefix(400), kind: .damaged),
            BadCase(name: "garbage.pdf", bytes: Data("%PDF-1.7\n".utf8) + Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }), kind: .damaged),
            BadCase(name: "latin1.txt", bytes: Data([0x48, 0xE9, 0xFF, 0xFE, 0x00]), kind: .invalidText),
        ]
    }()

    @Test(arguments: badCases)
    func badFilesGetTheirOwnReason(_ bad: BadCase) async throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(bad.name, bad.bytes)
        guard case .failure(let error) = await isolatedExtractor().extract(fileAt: path) else {
            Issue.record("\(bad.name) should fail")
            return
        }
        #expect(error.kind == bad.kind, "\(error.reason)")
        #expect(!error.reason.isEmpty)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Paths.sharedFixtures.path), "needs ../shared/fixtures/real-pdfs, which a plain clone (GitHub Actions) lacks")) func encryptedPDFIsReportedAsEncrypted() async throws {
        let path = Paths.sharedFixtures.appendingPathComponent("005-libreoffice-writer-password_libreoffice-writer-password.pdf").path
        guard case .failure(let error) = await isolatedExtractor().extract(fileAt: path) else {
            Issue.record("an encrypted PDF must fail")
            return
        }
        #expect(error.kind == .encrypted)
        #expect(error.reason.contains("encrypted"))
    }

    /// A child that hangs is killed at the wall-clock timeout; one that crashes is reported.
    @Test func hungAndCrashingChildrenAreContained() async throws {
        let folder = try TemporaryDirectory()
        // The hung child sleeps 300 s; the bound below is far under that and far over the
        // 0.5 s timeout, so a loaded CI machine (spawn, scheduling) cannot make it flaky.
        let hang = try folder.writeScript("hang.sh", "#!/bin/sh\nexec sleep 300\n")
        let crash = try folder.writeScript("crash.sh", "#!/bin/sh\nkill -SEGV $$\n")
        let junk = try folder.writeScript("junk.sh", "#!/bin/sh\necho not-json\n")

        let clock = ContinuousClock()
        let started = clock.now
        let hung = await IsolatedExtractor(executable: hang, timeout: .milliseconds(500)).extract(fileAt: "x.pdf")
        #expect(clock.now - started < .seconds(60), "the hung child must be killed at the timeout, not waited for")
        guard case .failure(let timeout) = hung else { Issue.record("hang must fail"); return }
        #expect(timeout.kind == .timeout, "\(timeout.reason)")

        guard case .failure(let crashed) = await IsolatedExtractor(executable: crash).extract(fileAt: "x.pdf") else {
            Issue.record("crash must fail"); return
        }
        #expect(crashed.kind == .crashed)
        #expect(crashed.reason.contains("signal 11"))

        guard case .failure(let garbled) = await IsolatedExtractor(executable: junk).extract(fileAt: "x.pdf") else {
            Issue.record("junk must fail"); return
        }
        #expect(garbled.kind == .resourceLimit)
    }

    /// Workers are kept between files: three files, one process start.
    @Test func oneWorkerParsesFileAfterFile() async throws {
        let tools = try TemporaryDirectory()
        let starts = tools.url.appendingPathComponent("starts.log").path
        let counting = try tools.writeScript("counting-manualbot", "#!/bin/sh\necho start >> '\(starts)'\nexec '\(Paths.manualbot)' \"$@\"\n")
        let extractor = IsolatedExtractor(executable: counting, concurrency: 1)
        let manual = Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName).path
        for _ in 0..<3 {
            guard case .document(let document) = await extractor.extract(fileAt: manual) else {
                Issue.record("the sample manual must parse"); return
            }
            #expect(document.pageCount == 6)
        }
        let log = try String(contentsOfFile: starts, encoding: .utf8)
        #expect(log.split(separator: "\n").count == 1)
    }

    /// A file that kills its worker fails alone (after one retry in a fresh worker, in case the
    /// old worker's past was to blame), and the next file gets a new worker and parses.
    @Test func aCrashingFileCostsOnlyItsOwnParse() async throws {
        let tools = try TemporaryDirectory()
        let starts = tools.url.appendingPathComponent("starts.log").path
        // A stand-in worker: requests are ["input","output"] lines; "crash" in the name kills it.
        let worker = try tools.writeScript("fake-worker", """
            #!/bin/sh
            echo start >> '\(starts)'
            while IFS= read -r line; do
              case "$line" in *crash*) kill -SEGV $$ ;; esac
              out=$(printf '%s' "$line" | sed -E 's/^\\["(.*)","(.*)"\\]$/\\2/')
              printf '%s' '{"document":{"_0":{"pages":["본문"],"metadata":{},"pagesNeedingOCR":[]}}}' > "$out"
              echo done
            done

            """)
        let extractor = IsolatedExtractor(executable: worker, concurrency: 1)
        guard case .document = await extractor.extract(fileAt: "/tmp/good-1.pdf") else { Issue.record("good-1"); return }
        guard case .failure(let crashed) = await extractor.extract(fileAt: "/tmp/crash.pdf") else { Issue.record("crash"); return }
        #expect(crashed.kind == .crashed, "\(crashed.reason)")
        guard case .document = await extractor.extract(fileAt: "/tmp/good-2.pdf") else { Issue.record("good-2"); return }
        let log = try String(contentsOfFile: starts, encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)  // first worker, the retry's, the next file's
    }

    /// Every real-world fixture parses in its child without taking anything down, and the
    /// README's expectations hold.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: Paths.sharedFixtures.path), "needs ../shared/fixtures/real-pdfs, which a plain clone (GitHub Actions) lacks")) func realWorldPDFs() async throws {
        let folder = Paths.sharedFixtures
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".pdf") }.sorted()
        try #require(files.count >= 30, "shared fixtures missing at \(folder.path)")
        let extractor = isolatedExtractor()
        var outcomes: [String: ExtractionOutcome] = [:]
        await withTaskGroup(of: (String, ExtractionOutcome).self) { group in
            for file in files {
                group.addTask { (file, await extractor.extract(fileAt: folder.appendingPathComponent(file).path)) }
            }
            for await (file, outcome) in group { outcomes[file] = outcome }
        }
        for (file, outcome) in outcomes {
            switch outcome {
            case .failure(let error):
                #expect(file.hasPrefix("005-"), "\(file) failed: \(error.reason)")
            case .document(let document):
                #expect(document.pageCount > 0, "\(file)")
                // OCR ran on every page without a usable text layer, and said what it found.
                #expect(Set(document.pagesNeedingOCR).isSubset(of: document.ocrPages.map(\.page)), "\(file)")
                if file.hasPrefix("007-") || file.hasPrefix("019-") || file.hasPrefix("023-") {
                    // Image-only: pictures, no text for OCR to find (023's photo reads as 31%-confidence noise).
                    #expect(document.hasNoText, "\(file) is image-only")
                    #expect(document.ocrPages.allSatisfy { $0.status == .noText }, "\(file)")
                }
                if file.hasPrefix("009-") {
                    #expect(document.pageCount == 117)
                    #expect(document.pagesNeedingOCR.count < 10)
                }
                if file.hasPrefix("015-") || file.hasPrefix("004-") || file.hasPrefix("001-") {
                    #expect(!document.hasNoText, "\(file) has text")
                }
            }
        }
    }
}
