// How the parse worker OCRs pages without a usable text layer: on or off, resolution, languages,
// and the limits that keep a scan from taking a worker's whole budget (or memory).
import Foundation

public struct OCROptions: Sendable, Equatable {
    /// OCR=off: pages without text stay `needs_ocr`, as before OCR existed.
    public var enabled: Bool
    /// Rendering resolution (OCR_DPI); Tesseract is trained on text at about 300 dpi.
    public var dpi: Int
    /// Tesseract language list (OCR_LANGUAGES), e.g. `kor+eng`.
    public var languages: String
    /// Longest recognition of one page (OCR_PAGE_TIMEOUT_SECONDS).
    public var pageTimeoutSeconds: Double
    /// Most pages OCR'd in one document (OCR_MAX_PAGES); the rest stay `needs_ocr`.
    public var maxPages: Int
    /// Largest page image, in pixels, checked before anything is allocated: a 200×200-inch page
    /// at 300 dpi would be 3.6 gigapixels. 40 MP is an A3 page at 300 dpi with room to spare.
    public var maxPixels: Int

    public init(enabled: Bool = true, dpi: Int = 300, languages: String = "kor+eng", pageTimeoutSeconds: Double = 30,
                maxPages: Int = 100, maxPixels: Int = 40_000_000) {
        self.enabled = enabled
        self.dpi = dpi
        self.languages = languages
        self.pageTimeoutSeconds = pageTimeoutSeconds
        self.maxPages = maxPages
        self.maxPixels = maxPixels
    }

    public static let off = OCROptions(enabled: false)

    /// The parse worker's command-line options that carry these settings.
    public var workerArguments: [String] {
        ["--ocr", enabled ? "on" : "off", "--ocr-dpi", String(dpi), "--ocr-languages", languages,
         "--ocr-page-timeout", String(pageTimeoutSeconds), "--ocr-max-pages", String(maxPages),
         "--ocr-max-pixels", String(maxPixels)]
    }
}
