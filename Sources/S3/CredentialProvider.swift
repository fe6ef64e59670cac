// Where credentials come from. Providers are asked on every request; those with temporary
// credentials cache them and refresh before they expire.
import Foundation

public protocol CredentialProvider: Sendable {
    /// Short name for health output and logs ("environment", "container", "shared-file", …).
    var name: String { get }
    func credentials() async throws -> AWSCredentials
}

public struct CredentialsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Fixed credentials (tests, or keys handed over explicitly).
public struct StaticCredentialProvider: CredentialProvider {
    public let name: String
    let value: AWSCredentials
    public init(_ credentials: AWSCredentials, name: String = "static") {
        self.value = credentials
        self.name = name
    }
    public func credentials() async throws -> AWSCredentials { value }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    let value: AWSCredentials

    /// Nil when the two key variables are not both set.
    public init?(environment: [String: String]) {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        value = AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
    }

    public func credentials() async throws -> AWSCredentials { value }
}
