// The S3 client against a real SigV4-checking server (SeaweedFS): list, get, head, put,
// delete and presigned URLs with awkward keys; a wrong secret is a clear error.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import S3

@Suite(.enabled(if: S3TestServer.enabled)) struct S3ClientTests {
    static let awkwardKeys = [
        "매뉴얼/프런트데스크 응대 매뉴얼.pdf",
        "a+b=c (최종)~.txt",
        "spaces in/  two  spaces.txt",
        "(괄호)/x=y+z.txt",
        "deep/er/한글 파일명 v2.txt",
        "plain.txt",
    ]

    @Test func awkwardKeysRoundTrip() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        var etags: [String: String?] = [:]
        for (number, key) in Self.awkwardKeys.enumerated() {
            etags[key] = try await client.putObject(bucket: bucket, key: key, data: Data("본문 \(number): \(key)".utf8), contentType: "text/plain; charset=utf-8")
        }
        let listed = try await client.listObjects(bucket: bucket)
        #expect(Set(listed.map(\.key)) == Set(Self.awkwardKeys))
        for object in listed {
            #expect(object.size == Int64(Data("본문 \(Self.awkwardKeys.firstIndex(of: object.key)!): \(object.key)".utf8).count))
            #expect(!object.etag.isEmpty)
            #expect(object.lastModified != nil)
        }

        let korean = try await client.listObjects(bucket: bucket, prefix: "매뉴얼/")
        #expect(korean.map(\.key) == ["매뉴얼/프런트데스크 응대 매뉴얼.pdf"])
        let plus = try await client.listObjects(bucket: bucket, prefix: "a+b=c")
        #expect(plus.map(\.key) == ["a+b=c (최종)~.txt"])

        for (number, key) in Self.awkwardKeys.enumerated() {
            let object = try await client.getObject(bucket: bucket, key: key)
            #expect(String(decoding: object.data, as: UTF8.self) == "본문 \(number): \(key)")
            let head = try await client.headObject(bucket: bucket, key: key)
            #expect(head.size == Int64(object.data.count))
            #expect(head.etag == object.etag)
            if let etag = etags[key] ?? nil { #expect(etag == head.etag) }
        }

        try await client.deleteObject(bucket: bucket, key: Self.awkwardKeys[1])
        #expect(try await client.listObjects(bucket: bucket).count == Self.awkwardKeys.count - 1)
        let missing = await #expect(throws: S3Error.self) {
            try await client.getObject(bucket: bucket, key: Self.awkwardKeys[1])
        }
        #expect(missing?.status == 404)
        #expect(missing?.code == "NoSuchKey")
        let missingHead = await #expect(throws: S3Error.self) {
            try await client.headObject(bucket: bucket, key: Self.awkwardKeys[1])
        }
        #expect(missingHead?.status == 404)
    }

    @Test func listingFollowsContinuationTokens() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        let keys = (1...7).map { "page/문서 \($0).txt" }
        for key in keys { try await client.putObject(bucket: bucket, key: key, data: Data(key.utf8)) }
        let all = try await client.listObjects(bucket: bucket, prefix: "page/", pageSize: 3)
        #expect(all.map(\.key).sorted() == keys.sorted())
        #expect(try await client.listFirstPage(bucket: bucket, maxKeys: 2).count == 2)
    }

    @Test func presignedGetAndPut() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        let key = "업로드/새 매뉴얼 (2)+v=1.txt"

        // A PUT made by ManualBot's presigner, used by a client with no credentials.
        let putURL = try await client.presignedURL(method: "PUT", bucket: bucket, key: key, expires: 300)
        #expect(putURL.absoluteString.contains("X-Amz-Expires=300"))
        var put = URLRequest(url: putURL)
        put.httpMethod = "PUT"
        put.httpBody = Data("presigned body 본문".utf8)
        let (putBody, putResponse) = try await URLSession.shared.data(for: put)
        #expect((putResponse as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: putBody, as: UTF8.self))")
        #expect(String(decoding: try await client.getObject(bucket: bucket, key: key).data, as: UTF8.self) == "presigned body 본문")

        let getURL = try await client.presignedURL(method: "GET", bucket: bucket, key: key, expires: 60)
        let (data, response) = try await URLSession.shared.data(from: getURL)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == "presigned body 본문")

        // Tampering with the URL breaks the signature.
        let tampered = URL(string: getURL.absoluteString.replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=61"))!
        let (_, rejected) = try await URLSession.shared.data(from: tampered)
        #expect((rejected as? HTTPURLResponse)?.statusCode == 403)

        await #expect(throws: S3Error.self) {
            try await client.presignedURL(method: "GET", bucket: bucket, key: key, expires: 604_801)
        }
    }

    @Test func wrongSecretIsAClearErrorWithoutRetries() async throws {
        let good = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(good)
        let wrong = try S3TestServer.client(credentials: StaticCredentialProvider(S3TestServer.credentials(secret: "not-the-secret")),
                                            retry: RetryPolicy(maxAttempts: 3, baseDelay: .seconds(30)))
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: S3Error.self) { try await wrong.listObjects(bucket: bucket) }
        // 403 is not retried: no 30 s backoff happened (the bound leaves room for a loaded machine).
        #expect(clock.now - started < .seconds(15))
        #expect(error?.status == 403)
        #expect(error?.code == "SignatureDoesNotMatch")
        #expect(error?.message.isEmpty == false)
        #expect(error?.description.contains("SignatureDoesNotMatch") == true)

        let unknown = try S3TestServer.client(credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: "NOSUCHKEY", secretAccessKey: "x")))
        let unknownError = await #expect(throws: S3Error.self) { try await unknown.listObjects(bucket: bucket) }
        #expect(unknownError?.status == 403)
        #expect(unknownError?.code == "InvalidAccessKeyId")
    }

    @Test func getObjectIsSizeCapped() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        try await client.putObject(bucket: bucket, key: "big.txt", data: Data(repeating: 65, count: 200_000))
        let error = await #expect(throws: S3Error.self) { try await client.getObject(bucket: bucket, key: "big.txt", maxBytes: 50_000) }
        #expect(error?.code == "ObjectTooLarge")
        #expect(try await client.getObject(bucket: bucket, key: "big.txt", maxBytes: 200_000).data.count == 200_000)
    }

    @Test func retriesThroughServerErrorsAndResets() async throws {
        let direct = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(direct)
        try await direct.putObject(bucket: bucket, key: "a.txt", data: Data("hello".utf8))
        let upstream = try S3TestServer.endpoint()
        let proxy = try FaultProxy(upstreamPort: upstream.port!, faults: [.slowDown, .reset, .internalError])
        defer { proxy.stop() }
        let client = try S3TestServer.client(endpoint: URL(string: "http://127.0.0.1:\(proxy.port)")!,
                                             retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10)))
        #expect(String(decoding: try await client.getObject(bucket: bucket, key: "a.txt").data, as: UTF8.self) == "hello")
        #expect(proxy.faultsServed == 3)

        // Out of attempts: the last error, with S3's code.
        let proxy2 = try FaultProxy(upstreamPort: upstream.port!, faults: [.slowDown, .slowDown])
        defer { proxy2.stop() }
        let impatient = try S3TestServer.client(endpoint: URL(string: "http://127.0.0.1:\(proxy2.port)")!,
                                                retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10)))
        let error = await #expect(throws: S3Error.self) { try await impatient.getObject(bucket: bucket, key: "a.txt") }
        #expect(error?.status == 503)
        #expect(error?.code == "SlowDown")
    }
}
