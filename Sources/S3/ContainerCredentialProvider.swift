// ECS task-role credentials: the ECS agent serves them as JSON at
// http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or at
// $AWS_CONTAINER_CREDENTIALS_FULL_URI with the token in AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE].
// They expire (hours); they are cached and fetched again a few minutes before `Expiration`.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public actor ContainerCredentialProvider: CredentialProvider {
    public nonisolated let name = "container"
    public nonisolated let endpoint: URL
    let authorizationToken: String?
    let authorizationTokenFile: String?
    let refreshBefore: TimeInterval
    let session: URLSession
    private var cached: AWSCredentials?
    private var inFlight: Task<AWSCredentials, any Error>?

    /// The ECS agent's fixed address for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    public static let ecsHost = "169.254.170.2"

    public init(endpoint: URL, authorizationToken: String? = nil, authorizationTokenFile: String? = nil,
                refreshBefore: TimeInterval = 300) {
        self.endpoint = endpoint
        self.authorizationToken = authorizationToken
        self.authorizationTokenFile = authorizationTokenFile
        self.refreshBefore = refreshBefore
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        configuration.timeoutIntervalForResource = 10
        session = URLSession(configuration: configuration)
    }

    /// Nil when neither container variable is set; throws when FULL_URI names a host the SDKs
    /// refuse (credentials must not be fetched from an arbitrary http host).
    public init?(environment: [String: String]) throws {
        let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let tokenFile = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            guard let url = URL(string: "http://\(Self.ecsHost)\(path)") else {
                throw CredentialsError("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a valid path: \(relative)")
            }
            self.init(endpoint: url, authorizationToken: token, authorizationTokenFile: tokenFile)
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard let url = URL(string: full), let host = url.host, let scheme = url.scheme?.lowercased(),
                  scheme == "https" || (scheme == "http" && Self.isAllowedHTTPHost(host)) else {
                throw CredentialsError("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or ECS/EKS agent address: \(full)")
            }
            self.init(endpoint: url, authorizationToken: token, authorizationTokenFile: tokenFile)
        } else {
            return nil
        }
    }

    /// The SDKs allow plain http only to loopback and the ECS/EKS agents' link-local addresses.
    static func isAllowedHTTPHost(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare.hasPrefix("127.") || bare == "::1" || bare == ecsHost
            || bare == "169.254.170.23" || bare.lowercased() == "fd00:ec2::23"
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, !needsRefresh(cached) { return cached }
        // One fetch at a time; concurrent callers share it.
        if let inFlight { return try await inFlight.value }
        let task = Task { try await self.fetch() }
        inFlight = task
        defer { inFlight = nil }
        do {
            let fresh = try await task.value
            cached = fresh
            return fresh
        } catch {
            // A failed refresh keeps serving credentials that are still valid.
            if let cached, let expiration = cached.expiration, expiration > Date() { return cached }
            throw error
        }
    }

    /// Forgets the cache (after S3 answered ExpiredToken).
    public func invalidate() { cached = nil }

    func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSinceNow < refreshBefore
    }

    func fetch() async throws -> AWSCredentials {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "GET"
        if let token = try authorization() { request.setValue(token, forHTTPHeaderField: "Authorization") }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw CredentialsError("container credentials: cannot reach \(endpoint.absoluteString): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw CredentialsError("container credentials: \(endpoint.absoluteString) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        struct Body: Decodable {
            var AccessKeyId: String?
            var SecretAccessKey: String?
            var Token: String?
            var Expiration: String?
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: data),
              let id = body.AccessKeyId, !id.isEmpty, let secret = body.SecretAccessKey, !secret.isEmpty else {
            throw CredentialsError("container credentials: \(endpoint.absoluteString) did not return AccessKeyId and SecretAccessKey")
        }
        let expiration = body.Expiration.flatMap(HTTPDates.parseISO8601)
        if body.Expiration != nil, expiration == nil {
            throw CredentialsError("container credentials: unreadable Expiration \(body.Expiration ?? "")")
        }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: body.Token, expiration: expiration)
    }

    /// The token file wins over the variable and is read on every fetch: EKS rotates it.
    func authorization() throws -> String? {
        if let authorizationTokenFile {
            guard let text = try? String(contentsOfFile: authorizationTokenFile, encoding: .utf8) else {
                throw CredentialsError("container credentials: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(authorizationTokenFile)")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return authorizationToken
    }
}
