// AWS Signature Version 4 as one pure value: canonical request, string to sign, signing key,
// then either the Authorization header or a presigned query. No clock, no I/O: the date is an
// argument, so AWS's published examples are exact unit tests.
import Foundation

public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What is signed: `path` is already the canonical URI (for S3, each key encoded once with
    /// `URIEncoding.encode(_:keepSlash: true)`), the query is decoded name/value pairs.
    public struct Request: Sendable {
        public var method: String
        public var host: String
        public var path: String
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]

        public init(method: String, host: String, path: String, query: [(name: String, value: String)] = [],
                    headers: [(name: String, value: String)] = []) {
            self.method = method
            self.host = host
            self.path = path.isEmpty ? "/" : path
            self.query = query
            self.headers = headers
        }
    }

    /// The headers to send with `request`: `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` (temporary credentials) and `Authorization`. Every header of the
    /// request plus `host` is signed.
    public func signedHeaders(for request: Request, payloadHash: String, date: Date) -> [(name: String, value: String)] {
        let stamp = Self.timestamp(date)
        var added: [(name: String, value: String)] = [("x-amz-date", stamp), ("x-amz-content-sha256", payloadHash)]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        var all = request.headers.filter { !["x-amz-date", "x-amz-content-sha256", "x-amz-security-token"].contains($0.name.lowercased()) }
        all += added
        all.append(("host", request.host))
        let canonical = canonicalHeaders(all)
        let creq = canonicalRequest(method: request.method, path: request.path, query: URIEncoding.canonicalQuery(request.query),
                                    canonicalHeaders: canonical.text, signedHeaders: canonical.names, payloadHash: payloadHash)
        let signature = self.signature(stringToSign: stringToSign(canonicalRequest: creq, timestamp: stamp))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope(stamp)), "
            + "SignedHeaders=\(canonical.names), Signature=\(signature)"
        return added + [("Authorization", authorization)]
    }

    /// A presigned URL's query: the request's own query plus the `X-Amz-*` parameters and the
    /// signature, already encoded. Only `host` is signed and the payload is `UNSIGNED-PAYLOAD`,
    /// so any client can use it with a plain GET or PUT.
    public func presignedQuery(for request: Request, expires: Int, date: Date) -> String {
        let stamp = Self.timestamp(date)
        var query = request.query
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(stamp))"))
        query.append(("X-Amz-Date", stamp))
        query.append(("X-Amz-Expires", String(expires)))
        query.append(("X-Amz-SignedHeaders", "host"))
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        let canonicalQuery = URIEncoding.canonicalQuery(query)
        let canonical = canonicalHeaders(request.headers + [("host", request.host)])
        let creq = canonicalRequest(method: request.method, path: request.path, query: canonicalQuery,
                                    canonicalHeaders: canonical.text, signedHeaders: canonical.names,
                                    payloadHash: Self.unsignedPayload)
        let signature = self.signature(stringToSign: stringToSign(canonicalRequest: creq, timestamp: stamp))
        return canonicalQuery + "&X-Amz-Signature=" + signature
    }

    // MARK: - The steps, internal for tests

    func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (text: String, names: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            // Trimmed, inner runs of spaces collapsed; repeated headers joined with commas.
            let cleaned = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                .trimmingCharacters(in: .whitespaces)
            merged[name.lowercased(), default: []].append(cleaned)
        }
        let names = merged.keys.sorted()
        let text = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (text, names.joined(separator: ";"))
    }

    func canonicalRequest(method: String, path: String, query: String, canonicalHeaders: String,
                          signedHeaders: String, payloadHash: String) -> String {
        [method, path, query, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
    }

    func stringToSign(canonicalRequest: String, timestamp: String) -> String {
        ["AWS4-HMAC-SHA256", timestamp, scope(timestamp), Digest.sha256Hex(canonicalRequest)].joined(separator: "\n")
    }

    func signature(stringToSign: String) -> String {
        Digest.hex(Digest.hmacSHA256(key: signingKey(day: String(stringToSign.split(separator: "\n")[1].prefix(8))), stringToSign))
    }

    func signingKey(day: String) -> [UInt8] {
        let dateKey = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), day)
        let regionKey = Digest.hmacSHA256(key: dateKey, region)
        let serviceKey = Digest.hmacSHA256(key: regionKey, service)
        return Digest.hmacSHA256(key: serviceKey, "aws4_request")
    }

    func scope(_ timestamp: String) -> String { "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request" }

    /// `20130524T000000Z`, always UTC; gmtime_r, since DateFormatter is neither cheap nor Sendable.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
