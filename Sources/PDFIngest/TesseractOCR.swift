// PageOCR with Tesseract's C API: the LSTM engine, languages as OCR_LANGUAGES names them,
// language data from Debian's tessdata folder. Loading kor+eng takes a few hundred ms, so a
// worker keeps one engine for all the files it parses (`shared`).
import CTesseract
import Foundation

public final class TesseractOCR: PageOCR {
    /// Debian's tesseract-ocr-* packages put the language files here; TESSDATA_PREFIX overrides.
    static let debianTessdata = "/usr/share/tesseract-ocr/5/tessdata"

    let handle: OpaquePointer
    public let languages: String
    /// With several languages: an engine for the first alone, for TesseractWordRecheck.
    private let primary: OpaquePointer?
    private let primaryLanguage: String

    public init(languages: String) throws(ExtractionError) {
        guard let handle = TessBaseAPICreate() else { throw ExtractionError(.crashed, "OCR: cannot create the Tesseract engine") }
        let environment = ProcessInfo.processInfo.environment["TESSDATA_PREFIX"]
        let dataPath = environment ?? (FileManager.default.fileExists(atPath: Self.debianTessdata) ? Self.debianTessdata : nil)
        let status = TessBaseAPIInit2(handle, dataPath, languages, OEM_LSTM_ONLY)
        guard status == 0 else {
            TessBaseAPIDelete(handle)
            throw ExtractionError(.unreadable, "OCR: Tesseract could not load languages \(languages) from \(dataPath ?? "its default path") (tesseract-ocr-kor/-eng installed?)")
        }
        // Warnings (e.g. "Invalid resolution") would go to stderr, which the worker discards anyway.
        _ = TessBaseAPISetVariable(handle, "debug_file", "/dev/null")
        // One block of text per page: on the sample manual's scans automatic segmentation (PSM 3)
        // dropped the indented answer paragraphs (similarity 0.56 against 0.94).
        TessBaseAPISetPageSegMode(handle, PSM_SINGLE_BLOCK)
        self.handle = handle
        self.languages = languages
        primaryLanguage = languages.split(separator: "+").first.map(String.init) ?? languages
        if languages.contains("+"), let second = TessBaseAPICreate() {
            if TessBaseAPIInit2(second, dataPath, primaryLanguage, OEM_LSTM_ONLY) == 0 {
                _ = TessBaseAPISetVariable(second, "debug_file", "/dev/null")
                TessBaseAPISetPageSegMode(second, PSM_SINGLE_WORD)
                primary = second
            } else {
                TessBaseAPIDelete(second)
                primary = nil
            }
        } else {
            primary = nil
        }
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
        if let primary {
            TessBaseAPIEnd(primary)
            TessBaseAPIDelete(primary)
        }
    }

    public func recognise(_ image: GrayImage, timeout: Duration) -> RecognitionResult {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height else {
            return .failed("empty page image")
        }
        image.pixels.withUnsafeBufferPointer { buffer in
            TessBaseAPISetImage(handle, buffer.baseAddress, Int32(image.width), Int32(image.height), 1, Int32(image.width))
        }
        defer { TessBaseAPIClear(handle) }
        TessBaseAPISetSourceResolution(handle, Int32(image.dpi))
        guard let monitor = TessMonitorCreate() else { return .failed("cannot create the OCR progress monitor") }
        defer { TessMonitorDelete(monitor) }
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        TessMonitorSetDeadlineMSecs(monitor, Int32(clamping: max(1, milliseconds)))
        let started = ContinuousClock.now
        let status = TessBaseAPIRecognize(handle, monitor)
        // At the deadline Tesseract stops between words and fails the page (status -1); layout
        // analysis comes before any deadline check, so a page may overrun and still finish.
        guard status == 0 else {
            if ContinuousClock.now - started >= timeout * 0.9 { return .timedOut }
            return .failed("Tesseract could not recognise the page (status \(status))")
        }
        guard let raw = TessBaseAPIGetUTF8Text(handle) else { return .text("", confidence: 0) }
        var text = String(cString: raw)
        TessDeleteText(raw)
        let confidence = Int(TessBaseAPIMeanTextConf(handle))
        if let primary { text = textWithRecheck(text, by: primary, image: image, primaryLanguage: primaryLanguage) }
        return .text(Self.tidy(text), confidence: confidence)
    }

    /// The kor model writes the obsolete Hangul letter araea (U+318D) for the middle dots and
    /// bullets of Korean text ("예약·요금"); modern Korean never uses the letter.
    static func tidy(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{318D}", with: "\u{00B7}")
    }

    /// The worker's engine, created on first use and kept for the next files (one per language list).
    public static func shared(languages: String) throws(ExtractionError) -> TesseractOCR {
        if let engine = cache.engine, engine.languages == languages { return engine }
        cache.engine = nil
        let engine = try TesseractOCR(languages: languages)
        cache.engine = engine
        return engine
    }

    /// Ends the shared engine (before exit: Tesseract reports its language data as leaked otherwise).
    public static func releaseShared() { cache.engine = nil }

    /// A parse worker handles one file at a time on one thread; the lock only keeps Swift's
    /// concurrency checking honest.
    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: TesseractOCR?
        var engine: TesseractOCR? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
    private static let cache = Cache()
}
