// CORS for the gaekdam web app: Hummingbird's CORSMiddleware for origins in ALLOWED_ORIGINS
// (credentials allowed, preflight allows Authorization, x-api-key, Content-Type); requests from
// any other origin get no CORS headers at all, and their preflight is refused.
import Foundation
import Hummingbird

struct AllowedOriginsCORS<Context: RequestContext>: RouterMiddleware {
    let allowed: Set<String>
    let cors: CORSMiddleware<Context>

    init(origins: [String]) {
        allowed = Set(origins)
        cors = CORSMiddleware(
            allowOrigin: .originBased,
            allowHeaders: [.authorization, .contentType, .init("x-api-key")!, .accept, .origin],
            allowMethods: [.get, .post, .delete, .put, .options, .head],
            allowCredentials: true,
            maxAge: .seconds(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        if allowed.contains(origin) {
            return try await cors.handle(request, context: context, next: next)
        }
        if request.method == .options {
            return JSONBody.response(ErrorBody(detail: "Origin not allowed"), status: .forbidden)
        }
        return try await next(request, context)
    }
}
