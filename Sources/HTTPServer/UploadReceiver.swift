// Streams a multipart upload's `file` part to a temporary file while it arrives: the size limit
// is enforced as bytes come in (413 without reading the rest), the SHA-256 is computed on the
// way, and the type is then checked by content (`%PDF-`, or UTF-8 text), not by name.
import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import PDFIngest

struct ReceivedUpload {
    var filename: String
    var path: String
    var size: Int
    var sha256: String
    var kind: ManualKind
}

enum UploadReceiver {
    static let unsupported = "Unsupported file type. Use pdf or txt."

    /// The one wording of the upload size error, for every upload path.
    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "File too large (limit \(limit >> 20) MB)")
    }

    static func receive(_ request: Request, limit: Int, temporaryDirectory: String) async throws -> ReceivedUpload {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = boundary(of: contentType) else {
            throw APIError(.unprocessableContent, "Expected a multipart/form-data body with a file field")
        }
        // Multipart framing adds a little; a body much larger than the limit is refused unread.
        let framing = 64 * 1024
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit + framing {
            throw tooLarge(limit)
        }

        try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: true)
        let path = (temporaryDirectory as NSString).appendingPathComponent("upload-\(UUID().uuidString)")
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(atPath: path) } }
        let part = try await receiveFilePart(request.body, boundary: boundary, limit: limit, framing: framing, to: path)
        let name = sanitizedFileName(part.filename)
        guard part.size > 0 else { throw APIError(.badRequest, "The uploaded file is empty") }
        guard let kind = try kind(ofFileAt: path, name: name) else { throw APIError(.badRequest, unsupported) }
        keep = true
        return ReceivedUpload(filename: withExtension(name, for: kind), path: path, size: part.size,
                              sha256: part.sha256, kind: kind)
    }

    struct FilePart {
        var filename: String
        var size: Int
        var sha256: String
    }

    /// Parses a multipart body as it arrives and writes the `file` part's bytes to `path`. Each
    /// chunk passes `MultipartHeaderGuard` before multipart-kit's parser reads a byte of it.
    static func receiveFilePart<Body: AsyncSequence>(_ body: Body, boundary: String, limit: Int, framing: Int, to path: String,
                                                     limits: MultipartHeaderGuard.Limits = .init()) async throws -> FilePart
    where Body.Element == ByteBuffer {
        let tooLargeError = Self.tooLarge(limit)
        var framingGuard = try MultipartHeaderGuard(boundary: boundary, limits: limits)
        let sink = try PartSink(path: path, limit: limit)
        defer { sink.close() }
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in sink.header(name: name, value: value) }
        parser.onBody = { buffer in sink.body(&buffer) }
        parser.onPartComplete = { sink.partComplete() }
        var received = 0
        do {
            for try await buffer in body {
                received += buffer.readableBytes
                if received > limit + framing { throw tooLargeError }
                try framingGuard.inspect(buffer)
                try parser.execute(buffer)
                if sink.overLimit { throw tooLargeError }
            }
            try framingGuard.finish()
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, "Malformed multipart body")
        }
        guard sink.fileComplete, let rawName = sink.filename else {
            throw APIError(.unprocessableContent, "Field required: file")
        }
        return FilePart(filename: rawName, size: sink.size, sha256: sink.hasher.finalize())
    }

    static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                // An empty boundary (`boundary=""`) is no boundary at all (and would trap the parser).
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// PDF by its header; text only when named .txt and valid UTF-8 without NUL bytes.
    static func kind(ofFileAt path: String, name: String) throws -> ManualKind? {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let head = try handle.read(upToCount: 1024) ?? Data()
        if PopplerExtractor.looksLikePDF(head) { return .pdf }
        guard ManualKind(fileName: name) == .txt else { return nil }
        try handle.seek(toOffset: 0)
        let data = try handle.readToEnd() ?? Data()
        guard !data.contains(0), String(validating: data, as: UTF8.self) != nil else { return nil }
        return .txt
    }

    /// NFC (macOS sends NFD Hangul), no folders, no control characters, bounded length.
    static func sanitizedFileName(_ raw: String) -> String {
        let normalised = raw.precomposedStringWithCanonicalMapping
        let last = normalised.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let visible = String(String.UnicodeScalarView(last.unicodeScalars.filter {
            !$0.properties.generalCategory.isControlOrFormat
        })).trimmingCharacters(in: .whitespacesAndNewlines)
        let cleaned = visible.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if cleaned.isEmpty { return "upload" }
        return String(cleaned.prefix(180))
    }

    /// A PDF sent under another name still gets a .pdf name, so citations and folder scans agree.
    static func withExtension(_ name: String, for kind: ManualKind) -> String {
        ManualKind(fileName: name) == kind ? name : name + "." + kind.rawValue
    }
}

extension Unicode.GeneralCategory {
    var isControlOrFormat: Bool {
        switch self {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }
}

/// Receives the parser's callbacks for one request: writes the `file` part to disk.
private final class PartSink {
    let handle: FileHandle
    let limit: Int
    let hasher = SHA256.Hasher()
    var size = 0
    var overLimit = false
    var filename: String?
    var fileComplete = false
    private var currentIsFile = false
    private var closed = false

    init(path: String, limit: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw APIError(.internalServerError, "cannot store the upload")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        self.limit = limit
    }

    func header(name: String, value: String) {
        guard name.lowercased() == "content-disposition" else { return }
        let parameters = Self.parameters(value)
        currentIsFile = parameters["name"] == "file" && !fileComplete
        if currentIsFile { filename = parameters["filename*"].flatMap(Self.decodeExtended) ?? parameters["filename"] ?? "upload" }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard currentIsFile, !overLimit else { return }
        size += buffer.readableBytes
        if size > limit {
            overLimit = true
            return
        }
        buffer.withUnsafeReadableBytes { bytes in
            hasher.update(bytes)
            handle.write(Data(bytes))
        }
    }

    func partComplete() {
        if currentIsFile { fileComplete = true }
        currentIsFile = false
    }

    func close() {
        guard !closed else { return }
        closed = true
        try? handle.close()
    }

    /// `form-data; name="file"; filename="a b.pdf"` → ["name": "file", "filename": "a b.pdf"].
    static func parameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(value)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop(while: { $0 == " " })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var after = rest[rest.index(after: equals)...]
            let parsed: String
            if after.first == "\"" {
                after = after.dropFirst()
                var characters = ""
                var index = after.startIndex
                while index < after.endIndex, after[index] != "\"" {
                    if after[index] == "\\", after.index(after: index) < after.endIndex { index = after.index(after: index) }
                    characters.append(after[index])
                    index = after.index(after: index)
                }
                parsed = characters
                rest = index < after.endIndex ? after[after.index(after: index)...] : after[after.endIndex...]
            } else {
                let end = after.firstIndex(of: ";") ?? after.endIndex
                parsed = after[..<end].trimmingCharacters(in: .whitespaces)
                rest = after[end...]
            }
            result[key] = parsed
        }
        return result
    }

    /// RFC 5987 `UTF-8''%ED%95%9C.pdf`.
    static func decodeExtended(_ value: String) -> String? {
        guard let marker = value.range(of: "''") else { return nil }
        return String(value[marker.upperBound...]).removingPercentEncoding
    }
}
