// A set of AWS credentials; temporary ones (task role, STS) carry a session token and expiry.
import Foundation

public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var expiration: Date?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Never prints the secret or the token (they end up in logs otherwise).
    public var description: String {
        "AWSCredentials(\(accessKeyId), secret: ***\(sessionToken == nil ? "" : ", token: ***")\(expiration.map { ", expires \($0)" } ?? ""))"
    }
}
