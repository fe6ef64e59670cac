// What an S3 call failing means to the caller: S3's own `Code` and `Message` when the server
// answered, or the transport failure when it did not, plus whether trying again can help.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public struct S3Error: Error, Sendable, CustomStringConvertible, Equatable {
    /// The operation and object, e.g. "GetObject manuals/a.pdf".
    public var operation: String
    /// The HTTP status, nil when no response arrived.
    public var status: Int?
    /// S3's error code (`AccessDenied`, `NoSuchKey`, `SignatureDoesNotMatch`, `SlowDown`…) or
    /// ours: `NetworkError`, `ObjectTooLarge`, `InvalidResponse`.
    public var code: String
    public var message: String
    public var requestId: String?

    public init(operation: String, status: Int?, code: String, message: String, requestId: String? = nil) {
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
    }

    public var description: String {
        let status = status.map { "\($0) " } ?? ""
        let request = requestId.map { " (request \($0))" } ?? ""
        return "S3 \(operation): \(status)\(code): \(message)\(request)"
    }

    /// Retried like the AWS SDKs' standard mode: server errors, throttling and timeouts, and
    /// connections that failed or dropped; never 403/404 or other client errors.
    public var isRetryable: Bool {
        if Self.retryableCodes.contains(code) { return true }
        guard let status else { return false }
        return status >= 500 || status == 429
    }

    static let retryableCodes: Set<String> = [
        "NetworkError", "RequestTimeout", "RequestTimeoutException", "SlowDown", "Throttling", "ThrottlingException",
        "ThrottledException", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "RequestLimitExceeded", "BandwidthLimitExceeded", "InternalError",
        "ServiceUnavailable", "TransactionInProgressException", "PriorRequestNotComplete", "IncompleteBody",
    ]

    /// Parses S3's `<Error><Code>…</Code><Message>…</Message></Error>` body; a body-less answer
    /// (HEAD) gets a code from its status.
    static func from(status: Int, body: Data, operation: String, requestId: String?) -> S3Error {
        let fields = ErrorBodyParser.parse(body)
        let code = fields["Code"] ?? Self.codeForStatus(status)
        let message = fields["Message"] ?? HTTPURLResponse.localizedString(forStatusCode: status)
        return S3Error(operation: operation, status: status, code: code, message: message,
                       requestId: fields["RequestId"] ?? requestId)
    }

    static func codeForStatus(_ status: Int) -> String {
        switch status {
        case 301: "PermanentRedirect"
        case 400: "BadRequest"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 409: "Conflict"
        case 412: "PreconditionFailed"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        default: "HTTP\(status)"
        }
    }

    static func transport(_ error: any Error, operation: String) -> S3Error {
        if let urlError = error as? URLError {
            let retryable: Set<URLError.Code> = [
                .timedOut, .networkConnectionLost, .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed,
                .notConnectedToInternet, .badServerResponse, .cannotParseResponse, .resourceUnavailable,
                .secureConnectionFailed, .zeroByteResource, .unknown,
            ]
            let code = urlError.code == .timedOut ? "RequestTimeout" : retryable.contains(urlError.code) ? "NetworkError" : "TransportError"
            return S3Error(operation: operation, status: nil, code: code, message: "\(urlError.localizedDescription) (URLError \(urlError.code.rawValue))")
        }
        return S3Error(operation: operation, status: nil, code: "NetworkError", message: "\(error)")
    }
}
