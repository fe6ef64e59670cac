// ECS task-role credentials against a local server that answers like the ECS agent
// (AWS_CONTAINER_CREDENTIALS_FULL_URI on 127.0.0.1): the token is sent, credentials are cached
// until shortly before Expiration, and they sign real S3 requests.
import Foundation
import Hummingbird
import Testing
@testable import S3

actor AgentState {
    var requests = 0
    var authorizations: [String?] = []
    var expiresIn: TimeInterval = 3600
    func record(_ authorization: String?) -> TimeInterval {
        requests += 1
        authorizations.append(authorization)
        return expiresIn
    }
    func setExpiresIn(_ seconds: TimeInterval) { expiresIn = seconds }
}

@Suite struct ContainerCredentialsTests {
    static func agent(state: AgentState, accessKey: String, secret: String) async throws -> LocalHTTPServer {
        try await LocalHTTPServer { router in
            router.get("/v2/credentials/task-role") { request, _ -> Response in
                let authorization = request.headers[.authorization]
                let expiresIn = await state.record(authorization)
                guard authorization == "agent-token" else {
                    return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "{\"message\":\"bad token\"}")))
                }
                let expiration = Date().addingTimeInterval(expiresIn).formatted(.iso8601)
                let json = """
                    {"RoleArn":"arn:aws:iam::123456789012:role/manualbot-task","AccessKeyId":"\(accessKey)",\
                    "SecretAccessKey":"\(secret)","Expiration":"\(expiration)"}
                    """
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
            }
        }
    }

    @Test func fetchesCachesAndRefreshesBeforeExpiration() async throws {
        let state = AgentState()
        let server = try await Self.agent(state: state, accessKey: "ASIAEXAMPLE", secret: "secret/x")
        defer { Task { await server.stop() } }
        let folder = try TemporaryDirectory()
        let tokenFile = try folder.write("token", Data("agent-token\n".utf8))
        let provider = try #require(try ContainerCredentialProvider(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v2/credentials/task-role",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-the-file-is-set",
        ]))
        let first = try await provider.credentials()
        #expect(first.accessKeyId == "ASIAEXAMPLE")
        #expect(first.secretAccessKey == "secret/x")
        #expect(first.expiration.map { $0.timeIntervalSinceNow > 3000 } == true)
        _ = try await provider.credentials()
        #expect(await state.requests == 1)
        #expect(await state.authorizations == ["agent-token"])

        // Credentials that expire within the refresh window are fetched again on next use.
        await state.setExpiresIn(120)
        await provider.invalidate()
        _ = try await provider.credentials()
        _ = try await provider.credentials()
        #expect(await state.requests == 3)
        await server.stop()
    }

    @Test func aWrongTokenIsAClearError() async throws {
        let state = AgentState()
        let server = try await Self.agent(state: state, accessKey: "A", secret: "B")
        defer { Task { await server.stop() } }
        let provider = ContainerCredentialProvider(endpoint: URL(string: "\(server.baseURL)/v2/credentials/task-role")!,
                                                   authorizationToken: "wrong")
        let error = await #expect(throws: CredentialsError.self) { try await provider.credentials() }
        #expect(error?.message.contains("401") == true)
        await server.stop()
    }

    @Test(.enabled(if: S3TestServer.enabled)) func taskRoleCredentialsSignS3Requests() async throws {
        let keys = try S3TestServer.credentials()
        let state = AgentState()
        let server = try await Self.agent(state: state, accessKey: keys.accessKeyId, secret: keys.secretAccessKey)
        defer { Task { await server.stop() } }
        let provider = try CredentialChain.resolve(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v2/credentials/task-role",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "agent-token",
            "HOME": "/nonexistent",
        ])
        #expect(provider.name == "container")
        let client = try S3TestServer.client(credentials: provider)
        let bucket = try await S3TestServer.freshBucket(client)
        try await client.putObject(bucket: bucket, key: "역할.txt", data: Data("task role".utf8))
        #expect(try await client.listObjects(bucket: bucket).map(\.key) == ["역할.txt"])
        #expect(await state.requests == 1)
        await server.stop()
    }
}
