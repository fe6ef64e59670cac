// What OCR did for one parsed document, in the words and numbers the index keeps: the per-page
// list for /api/v1/docs, one reason line for the document, and the /metrics counters.
import Foundation
import Metrics
import PDFIngest

struct OCRSummary {
    /// Every page that had no usable text layer, in page order, with what OCR did.
    var pages: [OCRPage]

    init(document: ExtractedDocument) {
        // A worker without OCR (or a document parsed in-process) lists nothing: its pages that
        // need OCR are still needs_ocr, for the same reason as before OCR existed.
        var byPage = Dictionary(document.ocrPages.map { ($0.page, $0) }, uniquingKeysWith: { first, _ in first })
        for page in document.pagesNeedingOCR where byPage[page] == nil {
            byPage[page] = OCRPage(page: page, status: .needsOCR, reason: "no readable text layer")
        }
        pages = byPage.values.sorted { $0.page < $1.page }
    }

    /// e.g. "OCR: 3 pages read (2, 5, 6); 1 without text (7); 997 still need OCR (8–1004: not OCR'd: past …)".
    var reason: String {
        var parts: [String] = []
        let read = pages.filter { $0.status == .ocr }
        let empty = pages.filter { $0.status == .noText }
        let pending = pages.filter { $0.status == .needsOCR }
        if !read.isEmpty { parts.append("\(read.count) page\(read.count == 1 ? "" : "s") read by OCR (\(Self.list(read)))") }
        if !empty.isEmpty { parts.append("\(empty.count) without text after OCR (\(Self.list(empty)))") }
        if !pending.isEmpty {
            let reasons = Array(NSOrderedSet(array: pending.compactMap(\.reason))).compactMap { $0 as? String }.prefix(3)
            parts.append("\(pending.count) still need\(pending.count == 1 ? "s" : "") OCR (\(Self.list(pending))): \(reasons.joined(separator: "; "))")
        }
        let clamped = pages.compactMap(\.reason).first { $0.contains("capped at") }
        if let clamped, !parts.joined().contains(clamped) { parts.append(clamped) }
        return "OCR: " + parts.joined(separator: "; ")
    }

    /// Page numbers, the first 20, then "…".
    static func list(_ pages: [OCRPage]) -> String {
        pages.prefix(20).map { String($0.page) }.joined(separator: ", ") + (pages.count > 20 ? ", …" : "")
    }

    /// manualbot_ocr_pages_total{status} and manualbot_ocr_seconds_total (render + recognition).
    func count() {
        for page in pages where page.dpi > 0 || page.status != .needsOCR {
            Counter(label: "manualbot_ocr_pages_total", dimensions: [("status", page.status.rawValue)]).increment()
        }
        let seconds = pages.reduce(0) { $0 + $1.seconds }
        if seconds > 0 { FloatingPointCounter(label: "manualbot_ocr_seconds_total").increment(by: seconds) }
    }
}
