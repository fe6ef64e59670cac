// The OpenAPI document (GET /api/v1/openapi.json): served without a key, and in step with the
// router: every route is documented, and every documented operation is routed and answered by
// its handler (not the router's 404 or 405). Undeclared methods get 405 with `Allow`.
import Foundation
import Testing
@testable import HTTPServer

@Suite(.serialized) struct OpenAPITests {
    /// Documented operations whose route is added on another branch (issue 8: /metrics on main);
    /// remove an entry once its route is merged.
    static let routedElsewhere: Set<String> = []
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// "METHOD /path/{param}" for every operation in the document.
    static func documentedOperations(_ document: [String: Any]) throws -> Set<String> {
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: Set<String> = []
        for (path, item) in paths {
            for method in item.keys where methods.contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    /// A concrete path for a documented one: ids that exist nowhere.
    static func concrete(_ path: String) -> String {
        path.replacingOccurrences(of: "{job_id}", with: "no-such-job").replacingOccurrences(of: "{id}", with: "999999999")
    }

    @Test func servedWithoutAKey() async throws {
        let server = try await LiveServer()
        let reply = try await server.request("GET", "/api/v1/openapi.json", authorized: false)
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(reply.json["openapi"] as? String == "3.1.0")
        #expect(Data(OpenAPIDocument.bytes) == reply.data)
        await server.stop()
    }

    @Test func everyRouteIsDocumentedAndEveryOperationIsRouted() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let document = try await server.request("GET", "/api/v1/openapi.json").json
        let documented = try Self.documentedOperations(document)
        let router = buildRouter(service: server.service, settings: server.settings)
        let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.json")
        #expect(documented.subtracting(routed).subtracting(Self.routedElsewhere).isEmpty, "documented but not routed")
        #expect(documented.count >= 12)

        for operation in documented.intersection(routed).sorted() {
            let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
            let reply = try await server.request(parts[0], Self.concrete(parts[1]))
            #expect(reply.status != 405, "\(operation)")
            let routerNotFound = reply.status == 404 && reply.json["detail"] as? String == "Not Found"
            #expect(!routerNotFound, "\(operation) answered by the router's 404")
            #expect(reply.status < 500, "\(operation): \(reply.status) \(reply.text.prefix(200))")
        }
        await server.stop()
    }

    @Test func undeclaredMethodsGet405WithAllow() async throws {
        let server = try await LiveServer()
        let put = try await server.request("PUT", "/api/v1/chat")
        #expect(put.status == 405)
        #expect(put.headers["allow"] == "POST")
        #expect(put.json["detail"] as? String == "Method Not Allowed")
        // A literal path beats the `{id}` capture beside it, as in the router.
        let upload = try await server.request("DELETE", "/api/v1/docs/upload")
        #expect(upload.status == 405)
        #expect(upload.headers["allow"] == "POST")
        let document = try await server.request("GET", "/api/v1/docs/5")
        #expect(document.status == 405)
        #expect(document.headers["allow"] == "DELETE")
        let root = try await server.request("POST", "/")
        #expect(root.status == 405)
        #expect(root.headers["allow"] == "GET")
        // Unknown paths stay 404, and the key is still checked first.
        #expect(try await server.request("GET", "/api/v1/nope").status == 404)
        #expect(try await server.request("PUT", "/api/v1/chat", authorized: false).status == 401)
        await server.stop()
    }
}
