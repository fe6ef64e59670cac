// The result of parsing one PDF or text manual: its pages' text, in order, plus metadata.
import Foundation

public struct ExtractedDocument: Codable, Sendable, Equatable {
    /// Page texts, NFC-normalised; `pages[0]` is page 1.
    public var pages: [String]
    public var title: String?
    public var metadata: [String: String]
    /// 1-based numbers of pages whose text layer is missing or unreadable (scans, broken fonts),
    /// after OCR: pages OCR read are not in it.
    public var pagesNeedingOCR: [Int]
    /// Every page OCR was needed for, in page order: what OCR did with it.
    public var ocrPages: [OCRPage]

    public init(pages: [String], title: String? = nil, metadata: [String: String] = [:], pagesNeedingOCR: [Int]? = nil,
                ocrPages: [OCRPage] = []) {
        self.pages = pages
        self.title = title
        self.metadata = metadata
        self.pagesNeedingOCR = pagesNeedingOCR ?? pages.indices.filter { TextQuality.needsOCR(pages[$0]) }.map { $0 + 1 }
        self.ocrPages = ocrPages
    }

    enum CodingKeys: String, CodingKey { case pages, title, metadata, pagesNeedingOCR, ocrPages }

    /// `ocrPages` may be missing: a worker older than OCR (or a test's fake one) does not send it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pages = try container.decode([String].self, forKey: .pages)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        pagesNeedingOCR = try container.decode([Int].self, forKey: .pagesNeedingOCR)
        ocrPages = try container.decodeIfPresent([OCRPage].self, forKey: .ocrPages) ?? []
    }

    public var pageCount: Int { pages.count }

    /// True when no page holds readable text: the document is a scan or its fonts are unusable.
    public var hasNoText: Bool { pagesNeedingOCR.count == pages.count }
}

/// Why a document could not be parsed. `reason` is shown to users as is.
public struct ExtractionError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        case empty, notPDF, encrypted, damaged, noText, timeout, crashed, resourceLimit, tooLarge, unreadable, invalidText
        /// Not parsed at all: the parse was still waiting for a worker when its task was cancelled.
        case cancelled
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }

    public static let empty = ExtractionError(.empty, "empty file (0 bytes)")
    public static let notPDF = ExtractionError(.notPDF, "not a PDF: the file does not start with %PDF-")
    public static let encrypted = ExtractionError(.encrypted, "encrypted PDF: it needs a password to open")
    public static let invalidText = ExtractionError(.invalidText, "text file is not valid UTF-8")
    public static let cancelled = ExtractionError(.cancelled, "not parsed: cancelled (the server is shutting down)")
}
