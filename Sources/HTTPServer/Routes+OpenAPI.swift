// GET /api/v1/openapi.json: the OpenAPI 3.1 document of this API (Sources/HTTPServer/openapi.json,
// embedded in the binary at build time), served without a key like FastAPI's /openapi.json.
import Hummingbird
import NIOCore

enum OpenAPIDocument {
    static let path = "/api/v1/openapi.json"
    /// The document's bytes, as SwiftPM embedded them.
    static let bytes: [UInt8] = PackageResources.openapi_json
}

func addOpenAPIRoute(to router: Router<BasicRequestContext>) {
    router.get(RouterPath(OpenAPIDocument.path)) { _, _ in
        JSONBody.response(encoded: ByteBuffer(bytes: OpenAPIDocument.bytes))
    }
}
