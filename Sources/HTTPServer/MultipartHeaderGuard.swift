// Stands in front of multipart-kit's `MultipartParser` on the upload path. It follows the body's
// multipart framing as the chunks arrive (they may split anywhere: inside a delimiter, a header
// name, a CRLF), the same way the parser does, and looks at every chunk before the parser does.
// It refuses, as 400 {"detail"}:
// - a byte that is not an RFC 9110 token character (tchar) in a part's header name: multipart-kit
//   4.7.1 looks such a byte up in a 128-entry table, and one of 0x80 or more traps the process;
// - a header line that starts with a space or tab (obs-fold, which RFC 7578 forms never use);
// - a part's header block over `Limits.headerBlockBytes` (the parser keeps a header in memory);
// - more than `Limits.parts` parts;
// - a boundary parameter that is empty (the parser's `precondition`), longer than 70 characters
//   or not made of RFC 2046 `bchars`;
// - a body that ends before its closing delimiter;
// - anything the parser itself would refuse, so that the parser never throws after the guard.
import Foundation
import NIOCore

struct MultipartHeaderGuard {
    struct Limits: Sendable {
        /// One part's header lines with their CRLFs and the blank line after them.
        var headerBlockBytes = 16 * 1024
        var parts = 1_000
    }

    /// RFC 2046 §5.1.1: 1 to 70 characters.
    static let maxBoundaryLength = 70

    static let malformed = "Malformed multipart body"
    static let folded = "Malformed multipart body: folded (obs-fold) header lines are not accepted"
    static let unterminated = "Malformed multipart body: it ends before the closing boundary"
    static let invalidBoundary = "Invalid multipart boundary: 1 to 70 characters of RFC 2046's bchars"

    private enum State {
        /// Before the first delimiter; `matched` bytes of "\r\n--boundary" seen.
        case preamble(matched: Int)
        /// The CRLF that ends a delimiter line.
        case delimiterLineEnd(sawCR: Bool)
        /// A header line's name; `length` bytes so far (0: a line's start).
        case headerName(length: Int)
        case headerValue
        /// CR seen after a header value.
        case headerLineLF
        /// CR seen at the start of a header line: the blank line that ends the headers.
        case blankLineLF
        /// A part's body; `matched` bytes of "\r\n--boundary" seen.
        case body(matched: Int)
        /// A whole delimiter after a body: CR (another part) or "-" (the close) comes next.
        case afterDelimiter
        /// After the closing delimiter: ignored, as the parser ignores it.
        case epilogue
    }

    let limits: Limits
    /// "\r\n--" + boundary, as the parser matches it.
    private let delimiter: [UInt8]
    private var state = State.preamble(matched: 0)
    private var headerBytes = 0
    /// Parts whose headers have begun.
    private(set) var parts = 0

    /// Throws a 400 for a boundary the parser must not be given.
    init(boundary: String, limits: Limits = Limits()) throws {
        let bytes = Array(boundary.utf8)
        guard (1...Self.maxBoundaryLength).contains(bytes.count), bytes.allSatisfy(Self.isBoundaryCharacter),
              bytes.last != .space else {
            throw APIError(.badRequest, Self.invalidBoundary)
        }
        self.limits = limits
        delimiter = Array("\r\n--".utf8) + bytes
    }

    /// Whether the body ended where it may: after its closing delimiter.
    var isComplete: Bool {
        if case .epilogue = state { true } else { false }
    }

    /// Checks the next chunk of the body; throws a 400 `APIError` at the first byte refused.
    mutating func inspect(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { try inspect($0) }
    }

    /// Throws a 400 if the body stopped before its closing delimiter.
    func finish() throws {
        guard isComplete else { throw APIError(.badRequest, Self.unterminated) }
    }

    private mutating func inspect(_ bytes: UnsafeRawBufferPointer) throws {
        var index = 0
        while index < bytes.count {
            switch state {
            case .epilogue:
                return
            case .body(matched: 0):
                // The bulk of an upload: skip to the next CR, where a delimiter could begin.
                guard let base = bytes.baseAddress,
                      let cr = memchr(base + index, Int32(UInt8.cr), bytes.count - index) else { return }
                index = base.distance(to: UnsafeRawPointer(cr))
                state = .body(matched: 1)
            default:
                try step(bytes[index])
            }
            index += 1
        }
    }

    /// One byte, with the transitions of multipart-kit 4.7.1's `MultipartParser`.
    private mutating func step(_ byte: UInt8) throws {
        switch state {
        case .preamble(var matched):
            // The parser lets the first delimiter go without its leading CRLF.
            if matched == 0, byte == delimiter[2] {
                matched = 3
            } else if byte == delimiter[matched] {
                matched += 1
            } else if matched > 0, byte == delimiter[0] {
                matched = 1
            } else {
                matched = 0
            }
            state = matched == delimiter.count ? .delimiterLineEnd(sawCR: false) : .preamble(matched: matched)

        case .delimiterLineEnd(sawCR: false):
            guard byte == .cr else { throw APIError(.badRequest, Self.malformed) }
            state = .delimiterLineEnd(sawCR: true)

        case .delimiterLineEnd(sawCR: true):
            guard byte == .lf else { throw APIError(.badRequest, Self.malformed) }
            parts += 1
            guard parts <= limits.parts else {
                throw APIError(.badRequest, "Too many multipart parts (limit \(limits.parts))")
            }
            headerBytes = 0
            state = .headerName(length: 0)

        case .headerName(let length):
            try countHeaderByte()
            if byte == .colon, length > 0 {
                state = .headerValue
            } else if byte == .cr, length == 0 {
                state = .blankLineLF
            } else if byte.isTokenCharacter {
                state = .headerName(length: length + 1)
            } else if length == 0, byte == .space || byte == .tab {
                throw APIError(.badRequest, Self.folded)
            } else {
                throw APIError(.badRequest, Self.malformed)
            }

        case .headerValue:
            try countHeaderByte()
            if byte == .cr { state = .headerLineLF }

        case .headerLineLF:
            try countHeaderByte()
            guard byte == .lf else { throw APIError(.badRequest, Self.malformed) }
            state = .headerName(length: 0)

        case .blankLineLF:
            try countHeaderByte()
            guard byte == .lf else { throw APIError(.badRequest, Self.malformed) }
            state = .body(matched: 0)

        case .body(var matched):
            if byte == delimiter[matched] {
                matched += 1
            } else if byte == delimiter[0] {
                matched = 1
            } else {
                matched = 0
            }
            state = matched == delimiter.count ? .afterDelimiter : .body(matched: matched)

        case .afterDelimiter:
            // The parser takes one "-" as the close, and a CR as the start of the line's CRLF.
            switch byte {
            case .cr: state = .delimiterLineEnd(sawCR: true)
            case .hyphen: state = .epilogue
            default: throw APIError(.badRequest, Self.malformed)
            }

        case .epilogue:
            break
        }
    }

    private mutating func countHeaderByte() throws {
        headerBytes += 1
        guard headerBytes <= limits.headerBlockBytes else {
            throw APIError(.badRequest, "Multipart part headers too large (limit \(limits.headerBlockBytes >> 10) KB)")
        }
    }

    /// RFC 2046 bchars: DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?" / " ".
    static func isBoundaryCharacter(_ byte: UInt8) -> Bool { boundaryCharacters[Int(byte)] }

    private static let boundaryCharacters = byteTable(extra: "'()+_,-./:=? ")
    static let tokenCharacters = byteTable(extra: "!#$%&'*+-.^_`|~")

    /// 256 entries: DIGIT, ALPHA and `extra`.
    private static func byteTable(extra: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for byte in Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8) + Array(extra.utf8) {
            table[Int(byte)] = true
        }
        return table
    }
}

extension UInt8 {
    fileprivate static let cr = UInt8(ascii: "\r")
    fileprivate static let lf = UInt8(ascii: "\n")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let hyphen = UInt8(ascii: "-")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let tab = UInt8(ascii: "\t")

    /// RFC 9110 tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
    fileprivate var isTokenCharacter: Bool { MultipartHeaderGuard.tokenCharacters[Int(self)] }
}
