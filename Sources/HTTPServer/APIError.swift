// Every error leaves the service FastAPI-shaped, `{"detail": "..."}`, with the right status;
// anything unexpected is logged and answered 500 without internals.
import Foundation
import Hummingbird
import Logging

public struct APIError: Error, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var detail: String

    public init(_ status: HTTPResponse.Status, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(ErrorBody(detail: detail), status: status)
    }
}

struct DetailErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONBody.response(ErrorBody(detail: error.detail), status: error.status)
        } catch let error as HTTPError {
            return JSONBody.response(ErrorBody(detail: error.body ?? Self.defaultDetail(error.status)), status: error.status, headers: error.headers)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            return JSONBody.response(ErrorBody(detail: "Internal Server Error"), status: .internalServerError)
        }
    }

    static func defaultDetail(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "Not Found"
        case .methodNotAllowed: "Method Not Allowed"
        case .contentTooLarge: "Request body too large"
        default: status.reasonPhrase
        }
    }
}

enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        response(encoded: bytes(value), status: status, headers: headers)
    }

    /// `value` as JSON; the contract's 500 body if it cannot be encoded.
    static func bytes(_ value: some Encodable) -> ByteBuffer {
        ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data(#"{"detail":"Internal Server Error"}"#.utf8))
    }

    /// A JSON response whose body is already encoded (cached, or embedded in the binary).
    static func response(encoded body: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }
}
