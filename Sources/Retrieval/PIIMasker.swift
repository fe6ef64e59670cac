// Masks personal data before any text leaves the process (to an LLM): e-mail addresses, Korean
// phone numbers, resident registration numbers and payment card numbers. Each class is checked
// beyond its digit shape (RRN birth date and gender digit, card Luhn checksum, phone prefixes),
// so dates, prices, room numbers and reservation codes stay as they are.
import Foundation

public enum PIIMasker {
    public static func mask(_ text: String) -> String {
        apply(to: text) { kind in "[\(kind)_REDACTED]" }
    }

    /// The text with personal data removed: what a search should look for. (A customer's phone
    /// number says nothing about which manual page answers, and would only dilute the question.)
    public static func strip(_ text: String) -> String {
        apply(to: text) { _ in " " }
    }

    /// Replaces each class of personal data, in an order where no class eats another's digits.
    static func apply(to text: String, _ replacement: (String) -> String) -> String {
        var result = text
        result = replace(email, in: result) { _ in replacement("EMAIL") }
        result = replace(residentNumber, in: result) { isResidentNumber($0) ? replacement("ID") : nil }
        result = replace(cardNumber, in: result) { isCardNumber($0) ? replacement("CARD") : nil }
        result = replace(phone, in: result) { _ in replacement("PHONE") }
        return result
    }

    static let email = try! NSRegularExpression(pattern: #"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"#)
    /// YYMMDD-GNNNNNN, not inside a longer digit run.
    static let residentNumber = try! NSRegularExpression(pattern: #"(?<![0-9\-])\d{6}\s?-\s?\d{7}(?![0-9\-])"#)
    /// 13–19 digits, optionally in groups split by spaces or hyphens.
    static let cardNumber = try! NSRegularExpression(pattern: #"(?<![0-9\-])(?:\d[ \-]?){12,18}\d(?![0-9\-])"#)
    /// Mobile 010/011/016–019, Seoul 02, area codes 031–064, 070 and 050x, 15xx/16xx/18xx
    /// service numbers; with +82 or not; hyphens, dots or spaces.
    static let phone = try! NSRegularExpression(pattern: #"(?<![0-9\-])(?:(?:\+82[ \-]?|0)(?:1[016789]|2|[3-6][1-5]|70|50\d)[ \-.]?\d{3,4}[ \-.]?\d{4}|1[5689]\d{2}[ \-]\d{4})(?![0-9\-])"#)

    static func isResidentNumber(_ match: String) -> Bool {
        let digits = match.filter(\.isNumber).compactMap { Int(String($0)) }
        guard digits.count == 13 else { return false }
        let month = digits[2] * 10 + digits[3]
        let day = digits[4] * 10 + digits[5]
        return (1...12).contains(month) && (1...31).contains(day) && (1...8).contains(digits[6])
    }

    static func isCardNumber(_ match: String) -> Bool {
        let digits = match.filter(\.isNumber).compactMap { Int(String($0)) }
        guard (13...19).contains(digits.count) else { return false }
        // Luhn: what card issuers use; random digit runs pass one time in ten.
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    /// Replaces each match for which `replacement` returns a string; leaves the others.
    static func replace(_ expression: NSRegularExpression, in text: String, _ replacement: (String) -> String?) -> String {
        let whole = NSRange(text.startIndex..., in: text)
        let matches = expression.matches(in: text, range: whole)
        guard !matches.isEmpty else { return text }
        var result = text
        for match in matches.reversed() {
            guard let range = Range(match.range, in: result) else { continue }
            if let substitute = replacement(String(result[range])) {
                result.replaceSubrange(range, with: substitute)
            }
        }
        return result
    }
}
