// Parses one ListObjectsV2 page (`ListBucketResult`), decoding `encoding-type=url` values.
import Foundation

public struct S3Object: Sendable, Equatable {
    public var key: String
    /// As S3 sends it, quotes included: compared, never interpreted (multipart ETags are not MD5s).
    public var etag: String
    public var size: Int64
    public var lastModified: Date?

    public init(key: String, etag: String, size: Int64, lastModified: Date?) {
        self.key = key
        self.etag = etag
        self.size = size
        self.lastModified = lastModified
    }
}

struct ListObjectsPage: Sendable {
    var objects: [S3Object] = []
    var isTruncated = false
    var nextContinuationToken: String?
}

enum ListObjectsParser {
    static func parse(_ data: Data) throws -> ListObjectsPage {
        var page = ListObjectsPage()
        var current: [String: String]?
        var urlEncoded = false
        try XMLScanner.scan(data) { event in
            switch event {
            case .start(let name):
                if name == "Contents" { current = [:] }
            case .end(let name, let text):
                if name == "Contents", let fields = current {
                    page.objects.append(S3Object(
                        key: fields["Key"] ?? "",
                        etag: fields["ETag"] ?? "",
                        size: Int64(fields["Size"] ?? "") ?? 0,
                        lastModified: fields["LastModified"].flatMap(HTTPDates.parseISO8601)))
                    current = nil
                } else if current != nil {
                    current?[name] = text
                } else {
                    switch name {
                    case "IsTruncated": page.isTruncated = text.trimmingCharacters(in: .whitespaces) == "true"
                    case "NextContinuationToken": page.nextContinuationToken = text
                    case "EncodingType": urlEncoded = text.lowercased() == "url"
                    default: break
                    }
                }
            }
        }
        if urlEncoded {
            for index in page.objects.indices {
                page.objects[index].key = URIEncoding.decodeListValue(page.objects[index].key)
            }
        }
        return page
    }
}
