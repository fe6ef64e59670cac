// 405 Method Not Allowed, with `Allow`, for a request whose path is a route's but whose method is
// none of that route's (Hummingbird answers those 404). Added to the router after every route,
// so it only sits in front of the not-found responder; a path no route has stays 404.
import Hummingbird

struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    struct Route: Sendable {
        /// Path components; nil for a `{capture}`.
        var components: [String?]
        var methods: [HTTPRequest.Method]
    }

    let routes: [Route]

    /// `routes`: each route's path (`/api/v1/docs/{id}`) and method, as `Router.routes` lists them.
    init(routes: [(path: String, method: HTTPRequest.Method)]) {
        var table: [Route] = []
        for route in routes {
            let components = Self.split(route.path).map { part -> String? in
                part.hasPrefix("{") && part.hasSuffix("}") ? nil : String(part)
            }
            if let index = table.firstIndex(where: { $0.components == components }) {
                if !table[index].methods.contains(route.method) { table[index].methods.append(route.method) }
            } else {
                table.append(Route(components: components, methods: [route.method]))
            }
        }
        self.routes = table
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let route = route(for: request.uri.path), !route.methods.contains(request.method) else {
            return try await next(request, context)
        }
        let allow = route.methods.map(\.rawValue).sorted().joined(separator: ", ")
        throw HTTPError(.methodNotAllowed, headers: [.allow: allow])
    }

    /// The route the router would pick for `path`: literal components beat captures, leftmost first.
    func route(for path: String) -> Route? {
        let parts = Self.split(path)
        let matching = routes.filter { route in
            route.components.count == parts.count
                && zip(route.components, parts).allSatisfy { component, part in component.map { $0 == part } ?? true }
        }
        return matching.max { a, b in
            // a < b when b has a literal at the first position where they differ.
            for (x, y) in zip(a.components, b.components) where (x == nil) != (y == nil) { return x == nil }
            return false
        }
    }

    static func split(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
