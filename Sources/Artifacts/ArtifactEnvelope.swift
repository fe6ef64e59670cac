// The bytes of an artifact object: one header line, `MANUALBOT-ARTIFACT/1 <length> <sha256>`,
// then the artifact as JSON (sorted keys, so two replicas that computed the same data write
// the same bytes). The length and checksum catch a truncated or damaged object before a byte
// of it is trusted.
import Embeddings
import Foundation
import PDFIngest
import Retrieval

public enum ArtifactEnvelope {
    static let magic = "MANUALBOT-ARTIFACT/1"

    public static func seal(_ artifact: DocumentArtifact) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(artifact)
        return Data("\(magic) \(body.count) \(SHA256.hex(body))\n".utf8) + body
    }

    /// The artifact inside `data`, checked against what the reader expects of it.
    public static func open(_ data: Data, documentSHA256: String, versions: ArtifactVersions) throws(ArtifactError) -> DocumentArtifact {
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")), newline - data.startIndex <= 200 else {
            throw ArtifactError(.damaged, "no artifact header")
        }
        let header = String(decoding: data[data.startIndex..<newline], as: UTF8.self).split(separator: " ")
        guard header.count == 3, header[0] == magic, let length = Int(header[1]) else {
            throw ArtifactError(.damaged, "not a \(magic) header")
        }
        let body = data[(newline + 1)...]
        guard body.count == length else {
            throw ArtifactError(.truncated, "\(body.count) of \(length) bytes")
        }
        guard SHA256.hex(Data(body)) == header[2] else { throw ArtifactError(.damaged, "checksum mismatch") }
        let artifact: DocumentArtifact
        do {
            artifact = try JSONDecoder().decode(DocumentArtifact.self, from: Data(body))
        } catch {
            throw ArtifactError(.damaged, "unreadable JSON: \(error)")
        }
        guard artifact.documentSHA256 == documentSHA256 else {
            throw ArtifactError(.mismatch, "made from other bytes (\(artifact.documentSHA256.prefix(12)))")
        }
        guard artifact.versions == versions.description, artifact.model == versions.model else {
            throw ArtifactError(.mismatch, "made by other versions: \(artifact.versions)")
        }
        guard artifact.vectors.values.allSatisfy({ $0.count == versions.vectorBytes }) else {
            throw ArtifactError(.damaged, "a vector is not \(versions.vectorBytes) bytes")
        }
        let tokenBytes = TokenStates.bytesPerToken(dimension: versions.vectorBytes / 2)
        guard (artifact.tokens ?? [:]).values.allSatisfy({ $0.count % tokenBytes == 0 }) else {
            throw ArtifactError(.damaged, "token states are not whole \(tokenBytes)-byte tokens")
        }
        guard artifact.chunks.allSatisfy({ (1...max(1, artifact.pages)).contains($0.page) }) else {
            throw ArtifactError(.damaged, "a chunk outside the document's pages")
        }
        return artifact
    }
}

public struct ArtifactError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Shorter than its header says: a cut-off upload.
        case truncated
        /// Not an artifact, a bad checksum, or contents that cannot be right.
        case damaged
        /// Intact, but for other bytes or made by other versions.
        case mismatch
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(kind.rawValue): \(reason)" }
}
