// Plain-text manuals (.txt): one page, UTF-8 only.
import Foundation

public enum TextManual {
    public static func extract(text data: Data) throws(ExtractionError) -> ExtractedDocument {
        guard !data.isEmpty else { throw .empty }
        guard let text = String(validating: data, as: UTF8.self) else { throw .invalidText }
        var body = text.precomposedStringWithCanonicalMapping
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        return ExtractedDocument(pages: [body])
    }
}

public enum ManualKind: String, Sendable, Codable {
    case pdf, txt

    /// Manuals are recognised by extension when scanning folders; uploads check content too.
    public init?(fileName: String) {
        switch (fileName as NSString).pathExtension.lowercased() {
        case "pdf": self = .pdf
        case "txt": self = .txt
        default: return nil
        }
    }
}
