// A small blocking-free HTTP client over URLSession for the commands that talk to a running
// ManualBot (`smoke`, `healthcheck`): a per-request timeout, the API key on every call, JSON and
// multipart bodies, and transport errors turned into short readable messages.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct HTTPClient: Sendable {
    /// Service root, e.g. `https://ai.example.com` (paths such as `/api/v1/health` are appended).
    let base: URL
    let apiKey: String?
    let session: URLSession

    init(base: URL, apiKey: String?, timeout: TimeInterval) {
        self.base = base
        self.apiKey = apiKey
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        self.session = URLSession(configuration: configuration)
    }

    /// Accepts the service root with or without a trailing `/` or the frontend's `/api/v1` suffix.
    static func serviceRoot(_ text: String) -> URL? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasSuffix("/api/v1") { trimmed.removeLast("/api/v1".count) }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil else { return nil }
        return url
    }

    struct Reply: Sendable {
        var status: Int
        var data: Data

        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] }

        /// The FastAPI-style `detail`, or the start of the body.
        var summary: String {
            if let detail = json?["detail"] as? String { return "\(status) \(detail)" }
            let text = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "\(status)" : "\(status) \(text)"
        }
    }

    func send(_ method: String, _ path: String, body: Data? = nil, contentType: String? = nil,
              authorized: Bool = true) async throws -> Reply {
        guard let url = URL(string: base.absoluteString + path) else { throw ClientError("bad URL \(base.absoluteString + path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.setValue("manualbot-smoke", forHTTPHeaderField: "User-Agent")
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if authorized, let apiKey, !apiKey.isEmpty { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw ClientError("not an HTTP response") }
            return Reply(status: http.statusCode, data: data)
        } catch let error as URLError {
            throw ClientError(Self.describe(error, timeout: session.configuration.timeoutIntervalForRequest), transport: true)
        }
    }

    func getJSON(_ path: String, authorized: Bool = true) async throws -> Reply {
        try await send("GET", path, authorized: authorized)
    }

    func postJSON(_ path: String, _ object: Any) async throws -> Reply {
        try await send("POST", path, body: JSONSerialization.data(withJSONObject: object), contentType: "application/json")
    }

    /// `multipart/form-data` with one file field, as the frontend's upload sends it.
    func postFile(_ path: String, field: String, fileName: String, contentType: String, data: Data) async throws -> Reply {
        let boundary = "manualbot-\(UUID().uuidString)"
        var body = Data()
        let quotedName = fileName.replacingOccurrences(of: "\"", with: "_")
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(quotedName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return try await send("POST", path, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    static func describe(_ error: URLError, timeout: TimeInterval) -> String {
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .timedOut: return "no answer within \(Int(timeout)) s"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .networkConnectionLost: return "connection closed by the server"
        case .notConnectedToInternet: return "network unreachable"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS failed (\(error.code.rawValue))"
        default: return "request failed (URLError \(error.code.rawValue))"
        }
    }
}

struct ClientError: Error, CustomStringConvertible {
    var message: String
    /// True when no HTTP answer came at all (refused, timed out, DNS, TLS).
    var transport: Bool
    init(_ message: String, transport: Bool = false) {
        self.message = message
        self.transport = transport
    }
    var description: String { message }
}
