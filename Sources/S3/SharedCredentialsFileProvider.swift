// The shared credentials file (`~/.aws/credentials`, or `AWS_SHARED_CREDENTIALS_FILE`), profile
// `AWS_PROFILE` (default "default"). Read on each call, so an edited file takes effect.
import Foundation

public struct SharedCredentialsFileProvider: CredentialProvider {
    public let name = "shared-file"
    public let path: String
    public let profile: String

    public init(path: String, profile: String) {
        self.path = path
        self.profile = profile
    }

    /// Nil when no such file exists.
    public init?(environment: [String: String]) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (home as NSString).appendingPathComponent(".aws/credentials")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        self.init(path: path, profile: environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    public func credentials() async throws -> AWSCredentials {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CredentialsError("cannot read the shared credentials file \(path)")
        }
        let values = Self.parse(text)[profile] ?? [:]
        guard let id = values["aws_access_key_id"], !id.isEmpty,
              let secret = values["aws_secret_access_key"], !secret.isEmpty else {
            throw CredentialsError("profile [\(profile)] in \(path) has no aws_access_key_id/aws_secret_access_key")
        }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: values["aws_session_token"])
    }

    /// INI sections → lower-cased keys → values; `#`/`;` comments.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var section: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                section = name
                continue
            }
            guard let section, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key] = value
        }
        return sections
    }
}
