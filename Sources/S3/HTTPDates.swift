// The two date forms S3 uses: ISO 8601 in XML (`2013-05-24T00:00:00.000Z`) and RFC 1123 in
// `Last-Modified` headers. Parsed without DateFormatter, which is not Sendable.
import Foundation

enum HTTPDates {
    static func parseISO8601(_ string: String) -> Date? {
        // yyyy-MM-ddTHH:mm:ss[.fff]Z
        let parts = string.split(whereSeparator: { "-T:Z.".contains($0) })
        guard parts.count >= 6, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              let hour = Int(parts[3]), let minute = Int(parts[4]), let second = Int(parts[5]) else { return nil }
        var fraction = 0.0
        if parts.count >= 7, let digits = Double("0." + parts[6]) { fraction = digits }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second).map { $0 + fraction }
    }

    static func parseRFC1123(_ string: String) -> Date? {
        // "Fri, 24 May 2013 00:00:00 GMT"
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = string.split(whereSeparator: { " :,".contains($0) })
        guard parts.count >= 7, let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3]), let hour = Int(parts[4]), let minute = Int(parts[5]), let second = Int(parts[6]) else { return nil }
        return date(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return seconds == -1 ? nil : Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
