// In-process PDF text extraction with poppler-glib. Runs inside the `manualbot extract` child
// process (see IsolatedExtractor): poppler is C and the PDFs are untrusted.
import CPoppler
import Foundation

public enum PopplerExtractor {
    /// Bump when what extraction or OCR produces changes: replicas share parse results
    /// (artifacts) only of one version.
    public static let version = 1

    /// Parses PDF bytes into per-page text. Throws `ExtractionError` with a user-facing reason.
    /// With `ocr`, pages without a usable text layer are rendered and OCR'd (OCRPass).
    public static func extract(pdf data: Data, ocr: OCRRun? = nil) throws(ExtractionError) -> ExtractedDocument {
        guard !data.isEmpty else { throw .empty }
        guard looksLikePDF(data) else { throw .notPDF }

        let bytes = data.withUnsafeBytes { raw in g_bytes_new(raw.baseAddress, gsize(raw.count)) }
        defer { g_bytes_unref(bytes) }
        var gError: UnsafeMutablePointer<GError>?
        guard let document = poppler_document_new_from_bytes(bytes, nil, &gError) else {
            throw error(from: gError)
        }
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }

        let count = Int(poppler_document_get_n_pages(document))
        var pages: [String] = []
        pages.reserveCapacity(count)
        for index in 0..<count {
            guard let page = poppler_document_get_page(document, Int32(index)) else {
                pages.append("")
                continue
            }
            pages.append(normalise(takeString(poppler_page_get_text(page))))
            g_object_unref(UnsafeMutableRawPointer(page))
        }

        var ocrPages: [OCRPage] = []
        if let ocr {
            let needing = pages.indices.filter { TextQuality.needsOCR(pages[$0]) }
            if !needing.isEmpty {
                ocrPages = OCRPass.run(document: document, pages: &pages, needing: needing, run: ocr)
            }
        }

        var metadata: [String: String] = [:]
        let title = takeString(poppler_document_get_title(document)).trimmingCharacters(in: .whitespacesAndNewlines)
        for (key, value) in [
            ("author", takeString(poppler_document_get_author(document))),
            ("subject", takeString(poppler_document_get_subject(document))),
            ("producer", takeString(poppler_document_get_producer(document))),
            ("creator", takeString(poppler_document_get_creator(document))),
        ] where !value.isEmpty {
            metadata[key] = normalise(value)
        }
        return ExtractedDocument(pages: pages, title: title.isEmpty ? nil : normalise(title), metadata: metadata, ocrPages: ocrPages)
    }

    /// PDF readers accept the header anywhere in the first kilobyte; so do we.
    public static func looksLikePDF(_ data: Data) -> Bool {
        let head = data.prefix(1024)
        return head.range(of: Data("%PDF-".utf8)) != nil
    }

    static func error(from gError: UnsafeMutablePointer<GError>?) -> ExtractionError {
        defer { if let gError { g_error_free(gError) } }
        guard let gError else { return ExtractionError(.damaged, "damaged PDF: poppler could not open it") }
        let message = gError.pointee.message.map { String(cString: $0) } ?? "unknown error"
        if gError.pointee.domain == poppler_error_quark(),
           gError.pointee.code == Int32(POPPLER_ERROR_ENCRYPTED.rawValue) {
            return .encrypted
        }
        return ExtractionError(.damaged, "damaged PDF: \(message)")
    }

    /// Copies and frees a `gchar*` that poppler handed over.
    static func takeString(_ pointer: UnsafeMutablePointer<gchar>?) -> String {
        guard let pointer else { return "" }
        defer { g_free(pointer) }
        return String(cString: pointer)
    }

    static func normalise(_ text: String) -> String {
        (text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "") : text).fastNFC
    }
}
