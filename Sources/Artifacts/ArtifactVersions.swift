// Everything that shapes a document's derived data: the parser, the OCR settings, the chunker
// and embedding windows, the tokenizer and the embedding model. An artifact is named by a
// fingerprint of these and carries them in full, so a replica never imports data that another
// configuration produced.
import Foundation
import PDFIngest
import Retrieval

public struct ArtifactVersions: Sendable {
    public var ocr: OCROptions
    public var chunker: Chunker
    public var tokenizer: Int
    /// The embedding model id (name and weight fingerprint), nil without a working model.
    public var model: String?
    /// Bytes of one stored vector (Float16 × dimension) for `model`.
    public var vectorBytes: Int

    public init(ocr: OCROptions, chunker: Chunker, tokenizer: Int, model: String?, vectorBytes: Int) {
        self.ocr = ocr
        self.chunker = chunker
        self.tokenizer = tokenizer
        self.model = model
        self.vectorBytes = model == nil ? 0 : vectorBytes
    }

    /// The full statement, stored in the artifact and compared on import.
    public var description: String {
        let windows = ManualIndex.embeddingWindows
        return [
            "parser=\(PopplerExtractor.version)",
            "ocr=\(ocr.enabled ? ocr.workerArguments.dropFirst(2).joined(separator: " ") : "off")",
            "chunker=\(Chunker.version):\(chunker.maxCharacters)/\(chunker.overlapCharacters)",
            "windows=\(windows.maxCharacters)/\(windows.overlapCharacters)",
            "tokenizer=\(tokenizer)",
            "model=\(model ?? "none")",
        ].joined(separator: ";")
    }

    /// What names the artifact beside the document's SHA-256: 16 hex digits of `description`'s hash.
    public var tag: String { String(SHA256.hex(Data(description.utf8)).prefix(16)) }
}
