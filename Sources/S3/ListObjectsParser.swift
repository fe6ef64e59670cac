// Parses one ListObjectsV2 page (`ListBucketResult`), decoding `encoding-type=url` values.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

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

final class ListObjectsParser: NSObject, XMLParserDelegate {
    private var page = ListObjectsPage()
    private var current: [String: String]?
    private var text = ""
    private var urlEncoded = false
    private var failure: (any Error)?

    static func parse(_ data: Data) throws -> ListObjectsPage {
        let delegate = ListObjectsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw delegate.failure ?? parser.parserError ?? CocoaError(.propertyListReadCorrupt)
        }
        if delegate.urlEncoded {
            for index in delegate.page.objects.indices {
                delegate.page.objects[index].key = URIEncoding.decodeListValue(delegate.page.objects[index].key)
            }
        }
        return delegate.page
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        if elementName == "Contents" { current = [:] }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if elementName == "Contents", let fields = current {
            page.objects.append(S3Object(
                key: fields["Key"] ?? "",
                etag: fields["ETag"] ?? "",
                size: Int64(fields["Size"] ?? "") ?? 0,
                lastModified: fields["LastModified"].flatMap(HTTPDates.parseISO8601)))
            current = nil
        } else if current != nil {
            current?[elementName] = text
        } else {
            switch elementName {
            case "IsTruncated": page.isTruncated = text.trimmingCharacters(in: .whitespaces) == "true"
            case "NextContinuationToken": page.nextContinuationToken = text
            case "EncodingType": urlEncoded = text.lowercased() == "url"
            default: break
            }
        }
        text = ""
    }
}
