// The OCR step of parsing one PDF, inside the parse worker: every page whose text layer is
// missing or unusable (TextQuality) is rendered and recognised, page by page, until the page cap
// (OCR_MAX_PAGES) or the document's time budget is reached; the rest stay `needs_ocr` with the
// reason. Pages with a text layer are never rendered, so text PDFs parse as fast as before.
import CPoppler
import Foundation

/// One document's OCR settings and budget, as the worker hands them to PopplerExtractor.
public struct OCRRun {
    public var options: OCROptions
    /// OCR starts no page after this, so the document finishes inside the worker's wall-clock and
    /// CPU limits (what was OCR'd so far is kept; the worker is not killed).
    public var deadline: ContinuousClock.Instant
    /// The engine, created on the first page that needs it (most documents never do).
    public var makeEngine: () throws(ExtractionError) -> any PageOCR
    /// Called once before the first page is rendered (the worker tells its parent).
    public var willStart: () -> Void

    public init(options: OCROptions, deadline: ContinuousClock.Instant,
                makeEngine: @escaping () throws(ExtractionError) -> any PageOCR, willStart: @escaping () -> Void = {}) {
        self.options = options
        self.deadline = deadline
        self.makeEngine = makeEngine
        self.willStart = willStart
    }

    /// Tesseract, kept by the worker between documents.
    public static func tesseract(_ options: OCROptions, budget: Duration, willStart: @escaping () -> Void = {}) -> OCRRun {
        OCRRun(options: options, deadline: .now + budget, makeEngine: { () throws(ExtractionError) -> any PageOCR in
            try TesseractOCR.shared(languages: options.languages)
        }, willStart: willStart)
    }
}

enum OCRPass {
    /// Mean word confidence below which a page's OCR text is dropped. Scans of the sample
    /// manual score about 91, clean or degraded; the real-world fixtures' photo (023) 31.
    static let minimumConfidence = 55

    /// OCRs `needing` (0-based page indexes, in order) of `document`, replacing their text in `pages`.
    static func run(document: OpaquePointer, pages: inout [String], needing: [Int], run: OCRRun) -> [OCRPage] {
        let options = run.options
        var results: [OCRPage] = []
        var engine: (any PageOCR)?
        var engineError: String?
        var attempted = 0
        if options.enabled, options.maxPages > 0 { run.willStart() }
        for index in needing {
            let number = index + 1
            guard options.enabled else {
                results.append(OCRPage(page: number, status: .needsOCR, reason: "no readable text layer; OCR is off (OCR=off)"))
                continue
            }
            guard attempted < options.maxPages else {
                results.append(OCRPage(page: number, status: .needsOCR,
                                       reason: "not OCR'd: past the \(options.maxPages)-page OCR cap for one document (OCR_MAX_PAGES)"))
                continue
            }
            let remaining = run.deadline - .now
            guard remaining > .seconds(1) else {
                results.append(OCRPage(page: number, status: .needsOCR,
                                       reason: "not OCR'd: the document's parse time (PARSE_TIMEOUT_SECONDS) was used up by earlier pages"))
                continue
            }
            if let engineError {
                results.append(OCRPage(page: number, status: .needsOCR, reason: engineError))
                continue
            }
            attempted += 1
            // The engine (Tesseract loads its models, ~0.3 s) only once a page has something
            // to read: blank pages of text PDFs never pay for it.
            let engineForPage = { () -> (any PageOCR)? in
                if engine == nil, engineError == nil {
                    do throws(ExtractionError) { engine = try run.makeEngine() } catch { engineError = error.reason }
                }
                return engine
            }
            results.append(ocr(page: index, of: document, into: &pages, engine: engineForPage, engineError: { engineError },
                               options: options, remaining: remaining))
        }
        return results
    }

    static func ocr(page index: Int, of document: OpaquePointer, into pages: inout [String], engine makeEngine: () -> (any PageOCR)?,
                    engineError: () -> String?, options: OCROptions, remaining: Duration) -> OCRPage {
        let number = index + 1
        let started = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = (ContinuousClock.now - started).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        }
        guard let page = poppler_document_get_page(document, Int32(index)) else {
            return OCRPage(page: number, status: .needsOCR, reason: "OCR: poppler could not open the page")
        }
        // Text PDFs often have a blank page or two (covers, "intentionally left blank"): a 24-dpi
        // look (~1/150 of the pixels) finds them before a full render. Anti-aliasing leaves even
        // small print a gray trace at that size, hence the strict threshold.
        if case .success(let preview) = PageRenderer.render(page, dpi: 24, maxPixels: 1_000_000),
           !preview.image.pixels.contains(where: { $0 < 250 }) {
            g_object_unref(UnsafeMutableRawPointer(page))
            return OCRPage(page: number, status: .noText, reason: "the page is blank", seconds: seconds(), dpi: 24)
        }
        let rendered = PageRenderer.render(page, dpi: options.dpi, maxPixels: options.maxPixels)
        g_object_unref(UnsafeMutableRawPointer(page))
        let image: GrayImage, note: String?
        switch rendered {
        case .failure(let error):
            return OCRPage(page: number, status: .needsOCR, reason: "OCR: \(error.reason)", seconds: seconds())
        case .success(let output):
            image = output.image
            note = output.clampNote
        }
        if image.isBlank {
            return OCRPage(page: number, status: .noText, reason: note ?? "the page is blank", seconds: seconds(), dpi: image.dpi)
        }
        guard let engine = makeEngine() else {
            return OCRPage(page: number, status: .needsOCR, reason: engineError() ?? "OCR engine unavailable", seconds: seconds())
        }
        let pageBudget = Duration.milliseconds(Int64(options.pageTimeoutSeconds * 1000))
        let timeout = min(pageBudget, remaining - (ContinuousClock.now - started))
        switch engine.recognise(image, timeout: timeout) {
        case .text(let raw, let confidence):
            let text = PopplerExtractor.normalise(raw.trimmingCharacters(in: .whitespacesAndNewlines))
            guard !TextQuality.needsOCR(text) else {
                return OCRPage(page: number, status: .noText, reason: note ?? "OCR found no text on the page", seconds: seconds(), dpi: image.dpi)
            }
            // Photos and drawings come back as strings of stray letters with low confidence;
            // indexed, they would only add noise to searches.
            guard confidence >= minimumConfidence else {
                return OCRPage(page: number, status: .noText,
                               reason: "OCR confidence \(confidence)% is below \(minimumConfidence)%: a picture rather than text?"
                                   + (note.map { "; \($0)" } ?? ""),
                               seconds: seconds(), dpi: image.dpi)
            }
            pages[index] = text
            return OCRPage(page: number, status: .ocr, reason: note, seconds: seconds(), dpi: image.dpi)
        case .timedOut:
            let which = timeout < pageBudget ? "the document's remaining parse time" : "OCR_PAGE_TIMEOUT_SECONDS=\(options.pageTimeoutSeconds)"
            return OCRPage(page: number, status: .needsOCR,
                           reason: "OCR stopped: the page took longer than \(which)" + (note.map { "; \($0)" } ?? ""),
                           seconds: seconds(), dpi: image.dpi)
        case .failed(let reason):
            return OCRPage(page: number, status: .needsOCR, reason: "OCR failed: \(reason)", seconds: seconds(), dpi: image.dpi)
        }
    }
}
