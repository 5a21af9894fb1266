/// HTTP dates (RFC 9110, IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`), formatted and parsed
/// without Foundation's locale machinery.
enum HTTPDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(secondsSince1970 t: Int) -> String {
        let day = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - day * 86400
        let (y, m, d) = civil(fromDays: day)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[((day % 7) + 7) % 7]), \(two(d)) \(months[m - 1]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }

    /// Seconds since 1970 of an IMF-fixdate, or nil for anything else.
    static func parse(_ s: Substring) -> Int? {
        let parts = s.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let d = Int(parts[1]), let y = Int(parts[3]),
            let m = months.firstIndex(of: String(parts[2]))
        else { return nil }
        let hms = parts[4].split(separator: ":")
        guard hms.count == 3, let hh = Int(hms[0]), let mm = Int(hms[1]), let ss = Int(hms[2]) else { return nil }
        return days(fromCivil: y, m + 1, d) * 86400 + hh * 3600 + mm * 60 + ss
    }

    // Howard Hinnant's civil-calendar conversions (days since 1970-01-01).
    private static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
