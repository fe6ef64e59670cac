// The OCR engine behind a protocol: the parse worker hands it one rendered page at a time, so
// Tesseract (TesseractOCR) can be swapped or faked without touching rendering or the worker.
import Foundation

/// An 8-bit grayscale page image, one byte a pixel, rows `width` bytes apart (0 black, 255 white).
public struct GrayImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
    /// The resolution it was rendered at, for the engine's size assumptions.
    public var dpi: Int

    public init(width: Int, height: Int, pixels: [UInt8], dpi: Int) {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.dpi = dpi
    }

    /// True when no pixel is darker than light gray: nothing on the page for OCR to read.
    public var isBlank: Bool { !pixels.contains { $0 < 160 } }
}

public enum RecognitionResult: Sendable, Equatable {
    /// The page's text and the engine's mean word confidence, 0–100.
    case text(String, confidence: Int)
    /// The engine's deadline passed before it finished the page.
    case timedOut
    case failed(String)
}

public protocol PageOCR: AnyObject {
    /// Recognises one page within `timeout`.
    func recognise(_ image: GrayImage, timeout: Duration) -> RecognitionResult
}
