// What OCR did for one page whose text layer was missing or unusable: shown in /api/v1/docs
// (`ocr_pages`) and counted in /metrics.
import Foundation

public struct OCRPage: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// The page's text came from OCR.
        case ocr
        /// OCR ran and found no text (a photo, a blank page).
        case noText = "no_text"
        /// Not OCR'd, or OCR gave up (page cap, time budget, OCR off, engine error): `reason` says which.
        case needsOCR = "needs_ocr"
    }

    /// 1-based page number, as cited.
    public var page: Int
    public var status: Status
    /// Why the page is not (fully) OCR'd, or what was changed to OCR it (a clamped resolution).
    public var reason: String?
    /// Rendering plus recognition time.
    public var seconds: Double
    /// Resolution the page was rendered at (lower than OCR_DPI when the pixel cap applied); 0 when not rendered.
    public var dpi: Int

    public init(page: Int, status: Status, reason: String? = nil, seconds: Double = 0, dpi: Int = 0) {
        self.page = page
        self.status = status
        self.reason = reason
        self.seconds = seconds
        self.dpi = dpi
    }
}
