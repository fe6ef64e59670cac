// The S3 test server that scripts/test.sh starts (SeaweedFS, see scripts/s3-test-server.sh):
// its endpoint and keys come in MANUALBOT_TEST_S3_*. Run by the test command (or CI) without
// them, the S3 tests fail; run by hand without them, they are skipped.
import Foundation
import Testing
@testable import S3

enum S3TestServer {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether S3 tests run: always under scripts/test.sh and CI, else only with a server.
    static var enabled: Bool {
        environment["MANUALBOT_TEST_S3_ENDPOINT"] != nil || environment["MANUALBOT_TEST_REQUIRE_S3"] == "1" || environment["CI"] == "true"
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "MANUALBOT_TEST_S3_ENDPOINT is not set: run the tests with scripts/test.sh, which starts the S3 test server"
        }
    }

    static func endpoint() throws -> URL {
        guard let raw = environment["MANUALBOT_TEST_S3_ENDPOINT"], let url = URL(string: raw) else { throw Missing() }
        return url
    }

    static var region: String { environment["MANUALBOT_TEST_S3_REGION"] ?? "ap-northeast-2" }

    static func credentials(secret: String? = nil) throws -> AWSCredentials {
        guard let id = environment["MANUALBOT_TEST_S3_ACCESS_KEY"], let key = environment["MANUALBOT_TEST_S3_SECRET_KEY"] else { throw Missing() }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret ?? key)
    }

    static func client(endpoint: URL? = nil, credentials: (any CredentialProvider)? = nil,
                       retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20))) throws -> S3Client {
        S3Client(endpoint: S3Endpoint(region: region, custom: try endpoint ?? self.endpoint(), forcePathStyle: true),
                 credentials: try credentials ?? StaticCredentialProvider(self.credentials()), retry: retry,
                 requestTimeout: 10, resourceTimeout: 60)
    }

    /// A new, empty bucket for one test.
    static func freshBucket(_ client: S3Client) async throws -> String {
        let name = "mbtest-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
        try await client.createBucket(name)
        return name
    }
}
