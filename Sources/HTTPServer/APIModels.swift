// Request and response bodies of the HTTP API (names as in the contract).
import Foundation
import PDFIngest
import NIOCore
import Retrieval

struct ChatRequest: Decodable {
    var userId: String?
    var sessionId: String?
    var message: String
    var customerAttributes: [String: JSONValue]?

    enum CodingKeys: String, CodingKey { case userId, sessionId, message, customerAttributes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // The frontend sends ids as strings; numbers are accepted too, anything else is a 422.
        userId = try Self.identifier(container, .userId)
        sessionId = try Self.identifier(container, .sessionId)
        message = try container.decode(String.self, forKey: .message)
        customerAttributes = try container.decodeIfPresent([String: JSONValue].self, forKey: .customerAttributes)
    }

    /// A string or a number (as text), or nil when absent or null.
    static func identifier(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> String? {
        switch try container.decodeIfPresent(JSONValue.self, forKey: key) {
        case .none, .null?: return nil
        case let value? where value.isStringOrNumber: return value.text
        case _?:
            throw DecodingError.typeMismatch(String.self, .init(codingPath: container.codingPath + [key], debugDescription: "a string or a number"))
        }
    }
}

struct ChatSource: Encodable, Sendable {
    var type = "manual"
    var source: String
    var score: Double
    var page: Int
    var snippet: String

    init(_ hit: SearchHit) {
        source = hit.fileName
        score = (hit.score * 1000).rounded() / 1000
        page = hit.page
        snippet = HTTPServer.snippet(hit.text)
    }
}

/// One server-sent event: `event: NAME` and a JSON `data:` line.
enum ServerSentEvent {
    static func buffer(_ name: String, _ payload: some Encodable) -> ByteBuffer {
        let data = (try? JSONBody.encoder.encode(payload)) ?? Data("{}".utf8)
        return ByteBuffer(string: "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n")
    }
}

struct ChatResponse: Encodable {
    var reply: String
    var sources: [ChatSource]
    var mode = "extractive"
}

struct DocumentSummary: Encodable {
    var id: Int64
    var file: String
    var source: String
    var title: String?
    var pages: Int
    var chunks: Int
    /// Each page that had no usable text layer: OCR'd (`ocr`), `no_text`, or still `needs_ocr` with the reason.
    var ocrPages: [OCRPage]
    var status: String
    var reason: String?
    var sha256: String
    var indexedAt: Date
    /// Manuals from S3: the object key and the ETag indexed.
    var s3Key: String? = nil
    var etag: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, file, source, title, pages, chunks, ocrPages = "ocr_pages", status, reason, sha256, indexedAt = "indexed_at"
        case s3Key = "s3_key", etag
    }
}

struct ErrorBody: Encodable {
    var detail: String
}

/// Any JSON value, for fields the service accepts but does not interpret.
public enum JSONValue: Codable, Sendable {
    case string(String), number(Double), bool(Bool), object([String: JSONValue]), array([JSONValue]), null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    var isStringOrNumber: Bool {
        switch self {
        case .string, .number: true
        default: false
        }
    }

    var text: String? {
        switch self {
        case .string(let value): value
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): String(value)
        default: nil
        }
    }
}
