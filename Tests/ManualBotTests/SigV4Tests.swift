// The SigV4 signer against the examples AWS publishes in its S3 documentation
// ("Signature Calculations for the Authorization Header" and "Authenticating Requests: Using
// Query Parameters"), plus S3's URI rules for awkward keys and endpoint forms.
import Foundation
import Testing
@testable import S3

@Suite struct SigV4Tests {
    static let credentials = AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                                            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let host = "examplebucket.s3.amazonaws.com"

    func authorization(_ request: SigV4Signer.Request, payloadHash: String = SigV4Signer.emptyPayloadHash) -> String {
        Self.signer.signedHeaders(for: request, payloadHash: payloadHash, date: Self.date)
            .first { $0.name == "Authorization" }?.value ?? ""
    }

    @Test func timestamp() {
        #expect(SigV4Signer.timestamp(Self.date) == "20130524T000000Z")
    }

    /// "Example: GET Object": the first 10 bytes of test.txt with a Range header.
    @Test func getObjectWithRange() {
        let auth = authorization(.init(method: "GET", host: Self.host, path: "/test.txt", headers: [("Range", "bytes=0-9")]))
        #expect(auth == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// "Example: PUT Object": `$` in the key is encoded once in the canonical URI.
    @Test func putObject() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let hash = Digest.sha256Hex(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let path = "/" + URIEncoding.encode("test$file.text", keepSlash: true)
        #expect(path == "/test%24file.text")
        let auth = authorization(.init(method: "PUT", host: Self.host, path: path, headers: [
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ]), payloadHash: hash)
        #expect(auth.hasSuffix("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
            + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))
    }

    /// "Example: GET Bucket Lifecycle": a query parameter without a value.
    @Test func getBucketLifecycle() {
        let auth = authorization(.init(method: "GET", host: Self.host, path: "/", query: [("lifecycle", "")]))
        #expect(auth.hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))
    }

    /// "Example: Get Bucket (List Objects)": query parameters sorted.
    @Test func listObjects() {
        let auth = authorization(.init(method: "GET", host: Self.host, path: "/", query: [("prefix", "J"), ("max-keys", "2")]))
        #expect(auth.hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
    }

    /// The presigned URL example: GET test.txt for 86400 s.
    @Test func presignedURL() {
        let query = Self.signer.presignedQuery(for: .init(method: "GET", host: Self.host, path: "/test.txt"), expires: 86400, date: Self.date)
        #expect(query == "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func sessionTokenIsSignedAndSent() {
        var signer = Self.signer
        signer.credentials.sessionToken = "token/with+chars="
        let headers = signer.signedHeaders(for: .init(method: "GET", host: Self.host, path: "/a"), payloadHash: SigV4Signer.emptyPayloadHash, date: Self.date)
        #expect(headers.contains { $0.name == "x-amz-security-token" && $0.value == "token/with+chars=" })
        #expect(headers.first { $0.name == "Authorization" }?.value.contains("x-amz-security-token") == true)
        let query = signer.presignedQuery(for: .init(method: "GET", host: Self.host, path: "/a"), expires: 60, date: Self.date)
        #expect(query.contains("X-Amz-Security-Token=token%2Fwith%2Bchars%3D"))
    }

    @Test func awkwardKeysEncodeOnceKeepingSlashes() {
        #expect(URIEncoding.encode("매뉴얼/프런트 데스크+v1=(최종)~.pdf", keepSlash: true)
            == "%EB%A7%A4%EB%89%B4%EC%96%BC/%ED%94%84%EB%9F%B0%ED%8A%B8%20%EB%8D%B0%EC%8A%A4%ED%81%AC%2Bv1%3D%28%EC%B5%9C%EC%A2%85%29~.pdf")
        #expect(URIEncoding.encode("a/b c", keepSlash: false) == "a%2Fb%20c")
        #expect(URIEncoding.encode("!'()*") == "%21%27%28%29%2A")
        #expect(URIEncoding.canonicalQuery([("b", "2"), ("a", "x y"), ("a", "+")]) == "a=%2B&a=x%20y&b=2")
    }

    @Test func listingValuesDecodePlusAsSpace() {
        #expect(URIEncoding.decodeListValue("a+b%2Bc%3D%28%29~/%ED%95%9C") == "a b+c=()~/한")
    }

    @Test func endpoints() {
        let aws = S3Endpoint(region: "ap-northeast-2")
        let target = aws.target(bucket: "gaekdam-ai-bot-bucket", key: "manuals/a b.pdf")
        #expect(target.origin == "https://gaekdam-ai-bot-bucket.s3.ap-northeast-2.amazonaws.com")
        #expect(target.host == "gaekdam-ai-bot-bucket.s3.ap-northeast-2.amazonaws.com")
        #expect(target.path == "/manuals/a%20b.pdf")
        #expect(aws.target(bucket: "my.bucket", key: "k").path == "/my.bucket/k")

        let local = S3Endpoint(region: "us-east-1", custom: URL(string: "http://127.0.0.1:8333")!, forcePathStyle: true)
        let path = local.target(bucket: "b", key: "x/y.pdf")
        #expect(path.origin == "http://127.0.0.1:8333")
        #expect(path.host == "127.0.0.1:8333")
        #expect(path.path == "/b/x/y.pdf")
        #expect(local.target(bucket: "b", key: nil).path == "/b/")
    }

    @Test func retryDelaysGrowAndStayCapped() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(250))
        for _ in 0..<50 {
            #expect(policy.delay(afterAttempt: 1) <= .milliseconds(100))
            #expect(policy.delay(afterAttempt: 4) <= .milliseconds(250))
        }
    }

    @Test func errorsCarryCodeAndMessage() {
        let body = Data("<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>R1</RequestId></Error>".utf8)
        let error = S3Error.from(status: 404, body: body, operation: "GetObject a.pdf", requestId: nil)
        #expect(error.code == "NoSuchKey")
        #expect(error.message == "The specified key does not exist.")
        #expect(!error.isRetryable)
        #expect(error.description == "S3 GetObject a.pdf: 404 NoSuchKey: The specified key does not exist. (request R1)")
        #expect(S3Error.from(status: 503, body: Data("<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>".utf8), operation: "x", requestId: nil).isRetryable)
        #expect(S3Error.from(status: 500, body: Data(), operation: "x", requestId: nil).isRetryable)
        #expect(!S3Error.from(status: 403, body: Data(), operation: "x", requestId: nil).isRetryable)
        #expect(S3Error.from(status: 400, body: Data("<Error><Code>RequestTimeout</Code><Message>m</Message></Error>".utf8), operation: "x", requestId: nil).isRetryable)
    }

    @Test func sharedCredentialsFile() {
        let parsed = SharedCredentialsFileProvider.parse("""
            # comment
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = secret/default

            [profile other]
            aws_access_key_id=AKIDOTHER
            aws_secret_access_key=s2
            aws_session_token=tok
            """)
        #expect(parsed["default"]?["aws_access_key_id"] == "AKIDDEFAULT")
        #expect(parsed["default"]?["aws_secret_access_key"] == "secret/default")
        #expect(parsed["other"]?["aws_session_token"] == "tok")
    }

    @Test func credentialChainOrder() throws {
        let env = try CredentialChain.resolve(environment: [
            "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x",
        ])
        #expect(env.name == "environment")
        let container = try CredentialChain.resolve(environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x", "HOME": "/nonexistent"])
        #expect(container.name == "container")
        #expect((container as? ContainerCredentialProvider)?.endpoint.absoluteString == "http://169.254.170.2/v2/credentials/x")
        // Plain http to anything but loopback or the agents is refused.
        #expect(throws: CredentialsError.self) {
            try CredentialChain.resolve(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.0.0.1/creds"])
        }
        #expect(throws: CredentialsError.self) {
            try CredentialChain.resolve(environment: ["HOME": "/nonexistent"])
        }
    }
}
