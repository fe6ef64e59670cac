// The multipart bodies that crashed the server or could hold it (non-ASCII header-name bytes,
// an empty boundary, a body that never closes, 10,000 tiny parts, a 1 MB header line), fed to
// the upload path in process at many chunkings and over HTTP to a live server: each is a client
// error with a `detail`, read no further than needed, and the server keeps serving.
import Foundation
import NIOCore
import Testing
@testable import HTTPServer

enum MultipartInputs {
    static let boundary = "guard-test-boundary"
    static let contentType = "multipart/form-data; boundary=\(boundary)"
    static let fileDisposition = "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"

    /// One `file` part with `extraHeaders` (raw bytes, each line ending in CRLF), closed.
    static func filePart(extraHeaders: [UInt8] = [], body: String = "hello") -> Data {
        var data = Data("--\(boundary)\r\n\(fileDisposition)".utf8)
        data.append(contentsOf: extraHeaders)
        data.append(Data("\r\n\(body)\r\n--\(boundary)--\r\n".utf8))
        return data
    }

    static let tooManyParts: Data = {
        var data = Data("--\(boundary)\r\n\(fileDisposition)\r\nhello".utf8)
        for index in 0..<10_000 {
            data.append(Data("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"p\(index)\"\r\n\r\n\(index % 10)".utf8))
        }
        data.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return data
    }()

    /// (what, body, the expected 400 detail).
    static let refused: [(what: String, body: Data, detail: String)] = [
        ("é in a header name", filePart(extraHeaders: Array("X-\u{E9}t\u{E9}: 1\r\n".utf8)), MultipartHeaderGuard.malformed),
        ("0x80 in a header name", filePart(extraHeaders: Array("X-".utf8) + [0x80] + Array(": 1\r\n".utf8)), MultipartHeaderGuard.malformed),
        ("0xFF starting a header name", filePart(extraHeaders: [0xFF] + Array("oo: 1\r\n".utf8)), MultipartHeaderGuard.malformed),
        ("a header name of one 0xC0 byte", filePart(extraHeaders: [0xC0, 0x3A, 0x20, 0x31, 0x0D, 0x0A]), MultipartHeaderGuard.malformed),
        ("a folded header line", filePart(extraHeaders: Array("X-A: 1\r\n  continued\r\n".utf8)), MultipartHeaderGuard.folded),
        ("a tab-folded header line", filePart(extraHeaders: Array("X-A: 1\r\n\tcontinued\r\n".utf8)), MultipartHeaderGuard.folded),
        ("a boundary that never closes",
         Data("--\(boundary)\r\n\(fileDisposition)\r\nhello".utf8), MultipartHeaderGuard.unterminated),
        ("a file part closed, the body not",
         Data("--\(boundary)\r\n\(fileDisposition)\r\nhello\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nmore".utf8),
         MultipartHeaderGuard.unterminated),
        ("no delimiter at all", Data("hello, this is not multipart".utf8), MultipartHeaderGuard.unterminated),
        ("10,000 tiny parts", tooManyParts, "Too many multipart parts (limit 1000)"),
        ("a 1 MB header line", filePart(extraHeaders: Array("X-Long: ".utf8) + [UInt8](repeating: 0x61, count: 1 << 20) + [0x0D, 0x0A]),
         "Multipart part headers too large (limit 16 KB)"),
        ("a 1 MB header name", filePart(extraHeaders: [UInt8](repeating: 0x58, count: 1 << 20) + Array(": 1\r\n".utf8)),
         "Multipart part headers too large (limit 16 KB)"),
    ]
}

/// Hands out `data` in `size`-byte chunks as they are asked for, counting them.
struct CountedChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    final class Counter: @unchecked Sendable { var pulled = 0 }
    let data: Data
    let size: Int
    let counter = Counter()

    init(_ data: Data, size: Int) {
        self.data = Data(data)  // indices from 0
        self.size = size
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let data: Data
        let size: Int
        let counter: Counter
        var offset = 0
        mutating func next() async -> ByteBuffer? {
            guard offset < data.count else { return nil }
            let end = Swift.min(data.count, offset + size)
            defer { offset = end }
            counter.pulled += 1
            return ByteBuffer(bytes: data[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(data: data, size: size, counter: counter) }
}

@Suite struct MultipartGuardTests {
    /// Receives `body` in process; the `APIError` it is refused with, or nil when accepted.
    static func refusal(_ body: Data, boundary: String = MultipartInputs.boundary, chunk: Int,
                        limit: Int = 50 << 20) async throws -> (error: APIError?, pulled: Int, part: UploadReceiver.FilePart?) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("guard-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let chunks = CountedChunks(body, size: chunk)
        do {
            let part = try await UploadReceiver.receiveFilePart(chunks, boundary: boundary, limit: limit, framing: 64 << 10, to: path)
            return (nil, chunks.counter.pulled, part)
        } catch let error as APIError {
            return (error, chunks.counter.pulled, nil)
        }
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13, 64, 1000, 1 << 30])
    func crashInputsAreRefusedAtAnyChunking(chunk: Int) async throws {
        for input in MultipartInputs.refused {
            // One-byte chunks of the two big bodies take long in a debug build and add nothing.
            if chunk < 5, input.body.count > 100_000 { continue }
            let (error, _, _) = try await Self.refusal(input.body, chunk: chunk)
            #expect(error?.status == .badRequest, "\(input.what), chunks of \(chunk)")
            #expect(error?.detail == input.detail, "\(input.what), chunks of \(chunk)")
        }
    }

    /// The limits hold while the body arrives: the rest is never asked for.
    @Test func limitsStopReadingEarly() async throws {
        let header = MultipartInputs.filePart(extraHeaders: Array("X-Long: ".utf8) + [UInt8](repeating: 0x61, count: 1 << 20) + [0x0D, 0x0A])
        let long = try await Self.refusal(header, chunk: 4096)
        #expect(long.error?.status == .badRequest)
        #expect(long.pulled <= 6, "16 KB of headers are 5 chunks of 4 KB, not \(header.count / 4096)")

        let parts = try await Self.refusal(MultipartInputs.tooManyParts, chunk: 4096)
        #expect(parts.error?.detail == "Too many multipart parts (limit 1000)")
        #expect(parts.pulled < MultipartInputs.tooManyParts.count / 4096 / 5)

        let folded = try await Self.refusal(MultipartInputs.refused[4].body, chunk: 1)
        #expect(folded.error?.detail == MultipartHeaderGuard.folded)
        #expect(folded.pulled < MultipartInputs.refused[4].body.count)
    }

    @Test func boundaryParameter() throws {
        for bad in ["", String(repeating: "a", count: 71), "a@b", "a\"b", "end-in-space ", "bo\u{E9}", "a\rb", "a;b"] {
            #expect(throws: APIError.self, "\(bad.debugDescription)") { try MultipartHeaderGuard(boundary: bad) }
            do {
                _ = try MultipartHeaderGuard(boundary: bad)
            } catch let error as APIError {
                #expect(error.status == .badRequest)
                #expect(error.detail == MultipartHeaderGuard.invalidBoundary)
            }
        }
        for good in [String(repeating: "a", count: 70), "----WebKitFormBoundary7MA4YWxkTrZu0gW", "a'()+_,-./:=?b", "a b", "0"] {
            #expect(throws: Never.self, "\(good)") { try MultipartHeaderGuard(boundary: good) }
        }
    }

    /// Real forms pass at any chunking: fields before and after the file, every tchar in a
    /// header name, a preamble and an epilogue, UTF-8 in header values, a CR LF inside the file.
    @Test(arguments: [1, 2, 7, 64, 1 << 30])
    func wellFormedBodiesPass(chunk: Int) async throws {
        let b = MultipartInputs.boundary
        let file = "line one\r\n--not-the-boundary\r\n-\(b)\r\nend"
        let body = Data("""
        This is the preamble.\r
        --\(b)\r
        Content-Disposition: form-data; name="note"\r
        \r
        first\r
        --\(b)\r
        Content-Disposition: form-data; name="file"; filename="객실 안내.txt"\r
        Content-Type: text/plain; charset=utf-8\r
        X-!#$%&'*+-.^_`|~09azAZ:\tvalue\r
        \r
        \(file)\r
        --\(b)\r
        Content-Disposition: form-data; name="after"\r
        \r
        last\r
        --\(b)--\r
        epilogue, ignored: \u{FF} X-\u{E9}: 1
        """.utf8)
        let (error, _, part) = try await Self.refusal(body, chunk: chunk)
        #expect(error == nil, "\(error?.detail ?? "")")
        #expect(part?.filename == "객실 안내.txt")
        #expect(part?.size == file.utf8.count)
    }

    /// At most 1,000 parts and 16 KB of headers per part are fine.
    @Test func limitsAreInclusive() async throws {
        let b = MultipartInputs.boundary
        var body = Data("--\(b)\r\n\(MultipartInputs.fileDisposition)\r\nhello".utf8)
        for index in 1..<1_000 {
            body.append(Data("\r\n--\(b)\r\nContent-Disposition: form-data; name=\"p\(index)\"\r\n\r\nx".utf8))
        }
        body.append(Data("\r\n--\(b)--\r\n".utf8))
        #expect(try await Self.refusal(body, chunk: 4096).error == nil)

        // Headers of exactly 16 KB with their CRLFs and the blank line.
        let fixed = MultipartInputs.fileDisposition.utf8.count + "X-Pad: ".utf8.count + 2 + 2
        let padded = MultipartInputs.filePart(extraHeaders: Array("X-Pad: ".utf8) + [UInt8](repeating: 0x70, count: (16 << 10) - fixed) + [0x0D, 0x0A])
        #expect(try await Self.refusal(padded, chunk: 1000).error == nil)
        let over = MultipartInputs.filePart(extraHeaders: Array("X-Pad: ".utf8) + [UInt8](repeating: 0x70, count: (16 << 10) - fixed + 1) + [0x0D, 0x0A])
        #expect(try await Self.refusal(over, chunk: 1000).error?.detail == "Multipart part headers too large (limit 16 KB)")
    }
}

/// The same inputs over HTTP: 400 (422 for `boundary=""`, as before) with a `detail`, and the
/// server answers and takes a real upload afterwards.
@Suite(.serialized) struct MultipartGuardLiveTests {
    @Test func crashInputsGetClientErrorsAndTheServerStaysUp() async throws {
        let server = try await LiveServer(manualFiles: [])
        for input in MultipartInputs.refused {
            let reply = try await server.request("POST", "/api/v1/docs/upload", body: input.body,
                                                 headers: ["Content-Type": MultipartInputs.contentType])
            #expect(reply.status == 400, "\(input.what)")
            #expect(reply.json["detail"] as? String == input.detail, "\(input.what)")
            #expect(try await server.request("GET", "/api/v1/health").status == 200, "after \(input.what)")
        }
        // An empty boundary stays "not multipart" (422, as UploadTests pins it); an unusable one is 400.
        for (contentType, status) in [("multipart/form-data; boundary=\"\"", 422), ("multipart/form-data; boundary=", 422),
                                      ("multipart/form-data; boundary=\(String(repeating: "b", count: 71))", 400),
                                      ("multipart/form-data; boundary=\"a@b\"", 400)] {
            let reply = try await server.request("POST", "/api/v1/docs/upload", body: MultipartInputs.filePart(),
                                                 headers: ["Content-Type": contentType])
            #expect(reply.status == status, "\(contentType)")
            #expect((reply.json["detail"] as? String)?.isEmpty == false, "\(contentType)")
        }
        let upload = try await server.upload(fileName: "체크아웃.txt", data: Data("체크아웃은 오전 11시입니다.".utf8), contentType: "text/plain")
        #expect(upload.status == 200)
        #expect(upload.json["filename"] as? String == "체크아웃.txt")
        await server.stop()
    }
}
