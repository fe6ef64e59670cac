// Property tests: the tokenizer, the chunker and the multipart reader under random input never
// crash and keep their invariants.
import Foundation
import MultipartKit
import NIOCore
import PropertyBased
import Testing
@testable import HTTPServer
@testable import PDFIngest
@testable import Retrieval
@testable import S3

/// Characters of what manuals contain: Hangul syllables and jamo, Latin, digits, CJK, symbols,
/// combining marks, full-width forms, emoji, spaces and line breaks.
let manualAlphabet: [Character] = {
    var scalars: [Unicode.Scalar] = []
    scalars += stride(from: 0xAC00, through: 0xD7A3, by: 211).compactMap(Unicode.Scalar.init)
    scalars += stride(from: 0x1100, through: 0x11FF, by: 7).compactMap(Unicode.Scalar.init)
    scalars += stride(from: 0x3131, through: 0x318E, by: 5).compactMap(Unicode.Scalar.init)
    scalars += stride(from: 0x4E00, through: 0x9FFF, by: 997).compactMap(Unicode.Scalar.init)
    scalars += stride(from: 0xFF01, through: 0xFF5E, by: 3).compactMap(Unicode.Scalar.init)
    scalars += stride(from: 0x0300, through: 0x036F, by: 9).compactMap(Unicode.Scalar.init)
    var characters = scalars.map(Character.init)
    characters += Array("abcXYZ0123456789 \n\n\n.,?!-/()·•…★「」“”\u{FFFD}😀@:%")
    characters += Array("환불은 체크인을 고객이 객실에서 노쇼 와이파이 엘베 ")
    return characters
}()

let manualText = Gen.int(in: 0...(manualAlphabet.count - 1)).array(of: 0...300).map { indices in
    String(indices.map { manualAlphabet[$0] })
}

let byteArrays = Gen.int(in: 0...255).map { UInt8($0) }

@Suite struct PropertyTests {
    let tokenizer = KoreanTokenizer()

    @Test func tokenizerIsTotalDeterministicAndNormalisationBlind() async {
        await propertyCheck(count: 300, input: manualText) { text in
            let terms = tokenizer.terms(text)
            #expect(terms == tokenizer.terms(text))
            #expect(terms.allSatisfy { !$0.isEmpty && !$0.contains(" ") })
            #expect(tokenizer.terms(text.decomposedStringWithCanonicalMapping) == tokenizer.terms(text.precomposedStringWithCanonicalMapping))
            _ = tokenizer.weightedQueryTerms(text)
            _ = PIIMasker.mask(text)
        }
    }

    @Test func everyChunkKeepsAValidPage() async {
        await propertyCheck(count: 200, input: manualText.array(of: 0...8), Gen.int(in: 60...600)) { pages, size in
            let chunker = Chunker(maxCharacters: size, overlapCharacters: size / 5)
            let chunks = chunker.chunks(of: ExtractedDocument(pages: pages))
            #expect(chunks.allSatisfy { (1...max(1, pages.count)).contains($0.page) })
            #expect(chunks.allSatisfy { !$0.text.isEmpty })
            #expect(chunks.allSatisfy { $0.text.count <= chunker.maxCharacters })
            #expect(chunks.map(\.page) == chunks.map(\.page).sorted())
            for chunk in chunks {
                #expect(!pages[chunk.page - 1].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            }
        }
    }

    /// Any file bytes, cut into any pieces on the wire, come out whole with their SHA-256.
    @Test func multipartRoundTrip() async throws {
        let bytes = byteArrays.array(of: 0...4000)
        let cuts = Gen.int(in: 1...700)
        await propertyCheck(count: 120, input: bytes, cuts, Gen.int(in: 0...2).map { ["a.pdf", "객실 안내.txt", "x y.pdf"][$0] }) { data, cut, name in
            let form = LiveServer.multipart(fileName: name, data: Data(data))
            let boundary = UploadReceiver.boundary(of: form.contentType)!
            var pieces: [ByteBuffer] = []
            var offset = 0
            while offset < form.body.count {
                let end = min(form.body.count, offset + cut)
                pieces.append(ByteBuffer(bytes: form.body[offset..<end]))
                offset = end
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("prop-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                let part = try await UploadReceiver.receiveFilePart(Buffers(pieces), boundary: boundary, limit: 1 << 20, framing: 1 << 16, to: path)
                #expect(part.size == data.count)
                #expect(FileManager.default.contents(atPath: path) == Data(data))
                #expect(part.sha256 == PDFIngest.SHA256.hex(Data(data)))
                #expect(part.filename == name)
            } catch {
                Issue.record("multipart failed: \(error)")
            }
        }
    }

    /// Random garbage is refused with a client error, never a crash.
    @Test func garbageMultipartIsAClientError() async {
        await propertyCheck(count: 150, input: byteArrays.array(of: 0...2000)) { data in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("prop-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try await UploadReceiver.receiveFilePart(Buffers([ByteBuffer(bytes: data)]), boundary: "XyZ", limit: 1 << 20, framing: 1 << 16, to: path)
            } catch let error as APIError {
                #expect((400..<500).contains(error.status.code))
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}

/// Bodies made of the pieces multipart framing is built from (delimiters whole and cut, CR, LF,
/// header lines, colons, spaces and tabs, bytes of 0x80 and more), for the boundary "XyZ".
let multipartPieces: [[UInt8]] = [
    "--XyZ", "--XyZ\r\n", "\r\n--XyZ", "\r\n--XyZ\r\n", "\r\n--XyZ--", "--XyZ--\r\n", "\r\n--Xy", "Z", "XyZ",
    "\r\n", "\r\n\r\n", "\r", "\n", "-", "--", ":", ": ", " ", "\t", "x", "name", "a.txt", "hello",
    "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n",
    "Content-Disposition: form-data; name=\"other\"\r\n", "Content-Type: text/plain\r\n", "X-A: 1\r\n",
].map { Array($0.utf8) } + [[0x80], [0xFF], [0xC3, 0xA9], [0x00], [0x7F], [0x0D, 0x0A, 0x20]]

let multipartBodies = Gen.int(in: 0...(multipartPieces.count - 1)).array(of: 0...80).map { indices in
    indices.flatMap { multipartPieces[$0] }
}

/// `bytes` cut into `size`-byte buffers.
func pieces(_ bytes: [UInt8], size: Int) -> [ByteBuffer] {
    stride(from: 0, to: bytes.count, by: size).map { ByteBuffer(bytes: bytes[$0..<min(bytes.count, $0 + size)]) }
}

/// MultipartHeaderGuard against multipart-kit's parser, on random framing-heavy bodies cut anywhere.
@Suite struct MultipartGuardPropertyTests {
    /// The guard follows the parser's framing exactly: what the guard lets through never makes
    /// the parser throw (or trap, which would end this run), header names reaching the parser are
    /// tokens, and a body the guard calls complete has as many parts as the parser completed.
    @Test func guardAndParserAgree() async {
        await propertyCheck(count: 400, input: multipartBodies, Gen.int(in: 1...40)) { body, size in
            var framing = try! MultipartHeaderGuard(boundary: "XyZ")
            let parser = MultipartParser(boundary: "XyZ")
            var names: [String] = []
            var completed = 0
            parser.onHeader = { name, _ in names.append(name) }
            parser.onPartComplete = { completed += 1 }
            var refused = false
            for buffer in pieces(body, size: size) {
                do { try framing.inspect(buffer) } catch { refused = true; break }
                do { try parser.execute(buffer) } catch {
                    Issue.record("the parser refused what the guard passed: \(body)")
                    return
                }
            }
            #expect(names.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { MultipartHeaderGuard.tokenCharacters[Int($0)] } })
            if !refused {
                if framing.isComplete {
                    #expect(completed == framing.parts)
                } else {
                    #expect(completed == framing.parts || completed == framing.parts - 1)
                }
            }
        }
    }

    /// Through the whole upload path: a file or a 4xx with a detail, the same at every chunking.
    @Test func randomBodiesGetTheSameAnswerAtAnyChunking() async {
        await propertyCheck(count: 200, input: multipartBodies, Gen.int(in: 1...40)) { body, size in
            func receive(_ buffers: [ByteBuffer]) async -> String {
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("prop-\(UUID().uuidString)").path
                defer { try? FileManager.default.removeItem(atPath: path) }
                do {
                    let part = try await UploadReceiver.receiveFilePart(Buffers(buffers), boundary: "XyZ", limit: 1 << 20, framing: 1 << 16, to: path)
                    return "file \(part.size) \(part.sha256) \(part.filename)"
                } catch let error as APIError {
                    #expect((400..<500).contains(error.status.code))
                    #expect(!error.detail.isEmpty)
                    return "\(error.status.code) \(error.detail)"
                } catch {
                    Issue.record("unexpected error \(error)")
                    return "\(error)"
                }
            }
            let whole = await receive([ByteBuffer(bytes: body)])
            #expect(await receive(pieces(body, size: size)) == whole)
        }
    }
}

struct Buffers: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffers: [ByteBuffer]
    init(_ buffers: [ByteBuffer]) { self.buffers = buffers }
    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { rest.popFirst() }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: buffers[...]) }
}

/// SigV4 canonicalisation under random keys and query values.
@Suite struct SigV4PropertyTests {
    @Test func encodingRoundTripsAndIsCanonical() async {
        await propertyCheck(count: 300, input: manualText) { key in
            let encoded = S3.URIEncoding.encode(key, keepSlash: true)
            #expect(encoded.removingPercentEncoding == key)
            // Only unreserved characters, "/", and %XX with upper-case hex are left.
            #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.~/%".unicodeScalars.contains($0)) })
            #expect(S3.URIEncoding.encode(key) == encoded.replacingOccurrences(of: "/", with: "%2F"))
            #expect(encoded.range(of: "%([^0-9A-F]|.[^0-9A-F])", options: .regularExpression) == nil)
        }
    }

    @Test func queryOrderDoesNotChangeTheSignature() async {
        let signer = S3.SigV4Signer(credentials: S3.AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret/with+chars="), region: "ap-northeast-2")
        await propertyCheck(count: 150, input: manualText.array(of: 1...5), manualText) { values, key in
            let items = values.enumerated().map { (name: "p\($0.offset)", value: $0.element) }
            let date = Date(timeIntervalSince1970: 1_700_000_000)
            func sign(_ query: [(name: String, value: String)]) -> [(name: String, value: String)] {
                signer.signedHeaders(for: .init(method: "GET", host: "bucket.s3.amazonaws.com", path: "/" + S3.URIEncoding.encode(key, keepSlash: true), query: query),
                                     payloadHash: S3.SigV4Signer.emptyPayloadHash, date: date)
            }
            let forward = sign(items)
            let backward = sign(items.reversed())
            #expect(forward.map(\.value) == backward.map(\.value))
            #expect(forward.contains { $0.name.lowercased() == "authorization" && $0.value.contains("Signature=") })
        }
    }
}
