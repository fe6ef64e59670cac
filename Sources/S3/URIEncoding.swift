// The percent-encoding SigV4 signs (RFC 3986 unreserved characters kept, everything else as
// %XX of its UTF-8 bytes, upper-case hex). S3 encodes an object key once, keeping "/", and the
// request must put exactly those bytes on the wire, so URLs are built from the same function.
import Foundation

public enum URIEncoding {
    /// Encodes `string` the AWS way; `/` is kept when `keepSlash` (paths), encoded otherwise
    /// (query names and values, `X-Amz-Credential`).
    public static func encode(_ string: String, keepSlash: Bool = false) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical query string: names and values encoded, sorted by name then value.
    public static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = items.map { (encode($0.name), encode($0.value)) }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Decodes a value S3 returned with `encoding-type=url`: S3 writes a space as `+` (and a
    /// literal `+` as `%2B`), as HTML forms do, so `+` must become a space before `%XX` decoding.
    public static func decodeListValue(_ string: String) -> String {
        let spaced = string.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
