// The S3 operations ManualBot needs — ListObjectsV2 (every page), GetObject (size-capped),
// HeadObject, PutObject, DeleteObject, CreateBucket and presigned URLs — each signed with SigV4
// using the current credentials and retried like the AWS SDKs.
import Foundation
import Metrics
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public struct S3ObjectData: Sendable {
    public var data: Data
    public var etag: String?
    public var lastModified: Date?
    public var contentType: String?
}

public struct S3ObjectHead: Sendable, Equatable {
    public var size: Int64
    public var etag: String?
    public var lastModified: Date?
    public var contentType: String?
}

public final class S3Client: Sendable {
    public let endpoint: S3Endpoint
    public let credentialProvider: any CredentialProvider
    public let retry: RetryPolicy
    let transport: HTTPTransport

    /// Listing pages and error bodies are small; this bounds a misbehaving server.
    static let metadataLimit = 16 << 20

    public init(endpoint: S3Endpoint, credentials: any CredentialProvider, retry: RetryPolicy = RetryPolicy(),
                requestTimeout: TimeInterval = 30, resourceTimeout: TimeInterval = 600) {
        self.endpoint = endpoint
        self.credentialProvider = credentials
        self.retry = retry
        transport = HTTPTransport(requestTimeout: requestTimeout, resourceTimeout: resourceTimeout)
    }

    /// Lets go of the URLSession once running requests end.
    public func shutdown() { transport.shutdown() }

    // MARK: - Operations

    /// Every object under `prefix`, following continuation tokens across pages.
    public func listObjects(bucket: String, prefix: String = "", pageSize: Int = 1000) async throws -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            let page = try await listPage(bucket: bucket, prefix: prefix, pageSize: pageSize, continuationToken: token)
            objects += page.objects
            token = page.nextContinuationToken
        } while token != nil
        return objects
    }

    /// One page of at most `maxKeys` objects (a cheap permission check).
    public func listFirstPage(bucket: String, prefix: String = "", maxKeys: Int) async throws -> [S3Object] {
        try await listPage(bucket: bucket, prefix: prefix, pageSize: maxKeys, continuationToken: nil).objects
    }

    func listPage(bucket: String, prefix: String, pageSize: Int, continuationToken: String?) async throws -> ListObjectsPage {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("encoding-type", "url"), ("max-keys", String(pageSize))]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let operation = "ListObjectsV2 \(bucket)/\(prefix)"
        let response = try await send(operation: operation, method: "GET", bucket: bucket, key: nil, query: query,
                                      limit: Self.metadataLimit)
        var page: ListObjectsPage
        do {
            page = try ListObjectsParser.parse(response.body)
        } catch {
            throw S3Error(operation: operation, status: response.status, code: "InvalidResponse", message: "unreadable listing: \(error)")
        }
        if !page.isTruncated {
            page.nextContinuationToken = nil
        } else if page.nextContinuationToken?.isEmpty ?? true {
            throw S3Error(operation: operation, status: response.status, code: "InvalidResponse",
                          message: "truncated listing without NextContinuationToken")
        }
        return page
    }

    /// The object's bytes; over `maxBytes` → `ObjectTooLarge`, after reading at most that much.
    public func getObject(bucket: String, key: String, maxBytes: Int = 256 << 20) async throws -> S3ObjectData {
        let response = try await send(operation: "GetObject \(key)", method: "GET", bucket: bucket, key: key, limit: maxBytes)
        return S3ObjectData(data: response.body, etag: response.headers["etag"],
                            lastModified: response.headers["last-modified"].flatMap(HTTPDates.parseRFC1123),
                            contentType: response.headers["content-type"])
    }

    public func headObject(bucket: String, key: String) async throws -> S3ObjectHead {
        let response = try await send(operation: "HeadObject \(key)", method: "HEAD", bucket: bucket, key: key, limit: .max)
        return S3ObjectHead(size: Int64(response.headers["content-length"] ?? "") ?? 0, etag: response.headers["etag"],
                            lastModified: response.headers["last-modified"].flatMap(HTTPDates.parseRFC1123),
                            contentType: response.headers["content-type"])
    }

    /// Uploads `data` (payload signed); returns the new ETag.
    @discardableResult
    public func putObject(bucket: String, key: String, data: Data, contentType: String = "application/octet-stream") async throws -> String? {
        let response = try await send(operation: "PutObject \(key)", method: "PUT", bucket: bucket, key: key,
                                      headers: [("content-type", contentType)], body: data, limit: Self.metadataLimit)
        return response.headers["etag"]
    }

    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await send(operation: "DeleteObject \(key)", method: "DELETE", bucket: bucket, key: key, limit: Self.metadataLimit)
    }

    /// Creates a bucket on an S3-compatible server (tests, local set-ups); an existing bucket
    /// of ours is not an error.
    public func createBucket(_ bucket: String) async throws {
        do {
            _ = try await send(operation: "CreateBucket \(bucket)", method: "PUT", bucket: bucket, key: nil, limit: Self.metadataLimit)
        } catch let error as S3Error where error.code == "BucketAlreadyOwnedByYou" || error.code == "BucketAlreadyExists" {
            return
        }
    }

    /// A URL anyone can GET or PUT without credentials until `expires` seconds after `date`
    /// (1 s … 7 days). A PUT through it must send the body only; no signed headers.
    public func presignedURL(method: String, bucket: String, key: String, expires: Int, date: Date = Date()) async throws -> URL {
        guard (1...604_800).contains(expires) else {
            throw S3Error(operation: "Presign \(key)", status: nil, code: "InvalidArgument", message: "expires must be 1...604800 seconds, got \(expires)")
        }
        let target = endpoint.target(bucket: bucket, key: key)
        let signer = SigV4Signer(credentials: try await credentialProvider.credentials(), region: endpoint.region)
        let query = signer.presignedQuery(for: .init(method: method, host: target.host, path: target.path), expires: expires, date: date)
        guard let url = URL(string: target.origin + target.path + "?" + query) else {
            throw S3Error(operation: "Presign \(key)", status: nil, code: "InvalidArgument", message: "cannot form a URL for \(key)")
        }
        return url
    }

    // MARK: - Sending

    func send(operation: String, method: String, bucket: String, key: String?, query: [(name: String, value: String)] = [],
              headers: [(name: String, value: String)] = [], body: Data? = nil, limit: Int) async throws -> HTTPResponse {
        let target = endpoint.target(bucket: bucket, key: key)
        let queryString = URIEncoding.canonicalQuery(query)
        guard let url = URL(string: target.origin + target.path + (queryString.isEmpty ? "" : "?" + queryString)) else {
            throw S3Error(operation: operation, status: nil, code: "InvalidArgument", message: "cannot form a URL for \(key ?? bucket)")
        }
        let payloadHash = body.map { Digest.sha256Hex($0) } ?? SigV4Signer.emptyPayloadHash
        var refreshedCredentials = false
        var attempt = 0
        while true {
            attempt += 1
            let credentials = try await credentialProvider.credentials()
            let signer = SigV4Signer(credentials: credentials, region: endpoint.region)
            var request = URLRequest(url: url)
            request.httpMethod = method
            let signed = signer.signedHeaders(for: .init(method: method, host: target.host, path: target.path, query: query, headers: headers),
                                              payloadHash: payloadHash, date: Date())
            for (name, value) in headers + signed { request.setValue(value, forHTTPHeaderField: name) }
            if let body { request.httpBody = body }

            let failure: S3Error
            do {
                let response = try await transport.send(request, limit: limit)
                if (200..<300).contains(response.status) { return response }
                failure = S3Error.from(status: response.status, body: response.body, operation: operation,
                                       requestId: response.headers["x-amz-request-id"])
            } catch let error as BodyTooLarge {
                let size = error.length.map { "\($0) bytes" } ?? "more than \(error.limit) bytes"
                throw S3Error(operation: operation, status: nil, code: "ObjectTooLarge", message: "\(size); the limit is \(error.limit) bytes")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failure = S3Error.transport(error, operation: operation)
            }
            // Temporary credentials that expired under us: fetch new ones once and try again.
            if ["ExpiredToken", "InvalidToken", "TokenRefreshRequired"].contains(failure.code), !refreshedCredentials,
               let container = credentialProvider as? ContainerCredentialProvider {
                refreshedCredentials = true
                await container.invalidate()
                attempt -= 1
                continue
            }
            guard failure.isRetryable, attempt < retry.maxAttempts else { throw failure }
            Counter(label: "manualbot_s3_retries_total", dimensions: [("operation", operation), ("code", failure.code)]).increment()
            try await Task.sleep(for: retry.delay(afterAttempt: attempt))
        }
    }
}
