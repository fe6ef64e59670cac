// Where a request for (bucket, key) goes: virtual-hosted AWS endpoints by default
// (https://bucket.s3.region.amazonaws.com/key), or a configured S3-compatible endpoint, path-style
// (http://host:port/bucket/key) or virtual-hosted on it.
import Foundation

public struct S3Endpoint: Sendable {
    public var region: String
    /// nil: AWS.
    public var custom: URL?
    public var forcePathStyle: Bool

    public init(region: String, custom: URL? = nil, forcePathStyle: Bool = false) {
        self.region = region
        self.custom = custom
        self.forcePathStyle = forcePathStyle
    }

    public struct Target: Sendable {
        /// scheme://host[:port]
        public var origin: String
        /// The Host header value, port included when not the scheme's default (as curl sends it).
        public var host: String
        /// Encoded path, also the canonical URI.
        public var path: String
    }

    public func target(bucket: String, key: String?) -> Target {
        let scheme = custom?.scheme?.lowercased() ?? "https"
        let baseHost = custom?.host ?? "s3.\(region).amazonaws.com"
        let port = custom?.port
        let encodedKey = key.map { URIEncoding.encode($0, keepSlash: true) } ?? ""
        // Buckets with dots do not match the wildcard TLS certificate: path-style, like the SDKs.
        let pathStyle = forcePathStyle || (scheme == "https" && bucket.contains("."))
        let host = pathStyle ? baseHost : "\(bucket).\(baseHost)"
        let defaultPort = scheme == "https" ? 443 : 80
        let hostHeader = port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        // A custom endpoint may carry a base path (a proxy mounting S3 under /s3).
        let basePath = (custom?.path ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        var path = basePath.isEmpty ? "" : "/" + basePath
        if pathStyle { path += "/" + URIEncoding.encode(bucket) }
        path += "/" + encodedKey
        return Target(origin: "\(scheme)://\(hostHeader)", host: hostHeader, path: path)
    }

    public var description: String {
        custom?.absoluteString ?? "https://s3.\(region).amazonaws.com"
    }
}
