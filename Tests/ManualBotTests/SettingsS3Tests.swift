// The S3 part of the configuration: defaults, parsing, and refusals that name the variable.
import Foundation
import Testing
@testable import HTTPServer

@Suite struct SettingsS3Tests {
    @Test func defaultsKeepTheLocalFolder() throws {
        let settings = try Settings.fromEnvironment([:])
        #expect(settings.s3Bucket == nil)
        #expect(settings.awsRegion == "ap-northeast-2")
        #expect(settings.syncIntervalSeconds == 300)
        #expect(settings.s3Prefix == "")
        #expect(settings.s3Artifacts == true)
        #expect(settings.s3ArtifactsPrefix == ".manualbot/artifacts/")
    }

    @Test func artifactSettings() throws {
        let settings = try Settings.fromEnvironment(["S3_ARTIFACTS": "off", "S3_ARTIFACTS_PREFIX": "/shared/derived"])
        #expect(settings.s3Artifacts == false)
        #expect(settings.s3ArtifactsPrefix == "shared/derived/")
    }

    @Test func bucketSettings() throws {
        let settings = try Settings.fromEnvironment([
            "S3_BUCKET": "gaekdam-ai-bot-bucket", "S3_PREFIX": "/manuals/", "AWS_REGION": "ap-northeast-2",
            "S3_ENDPOINT": "http://127.0.0.1:8333", "S3_FORCE_PATH_STYLE": "true", "SYNC_INTERVAL_SECONDS": "60",
        ])
        #expect(settings.s3Bucket == "gaekdam-ai-bot-bucket")
        #expect(settings.s3Prefix == "manuals/")
        #expect(settings.s3Endpoint?.absoluteString == "http://127.0.0.1:8333")
        #expect(settings.s3ForcePathStyle == true)
        #expect(settings.syncIntervalSeconds == 60)
    }

    @Test(arguments: [
        ("S3_BUCKET", "Not_A_Bucket"), ("S3_ENDPOINT", "ftp://x"), ("S3_FORCE_PATH_STYLE", "maybe"),
        ("SYNC_INTERVAL_SECONDS", "-1"), ("AWS_REGION", "서울"), ("S3_ARTIFACTS", "sometimes"), ("S3_ARTIFACTS_PREFIX", "/"),
    ])
    func malformedValuesNameTheVariable(name: String, value: String) {
        let error = #expect(throws: SettingsError.self) { try Settings.fromEnvironment([name: value]) }
        #expect(error?.message.contains(name) == true)
    }
}
