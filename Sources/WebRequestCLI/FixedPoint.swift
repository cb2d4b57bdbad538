/// Numbers printed with a fixed number of decimals, as `String(format: "%.Nf")` prints them,
/// without Foundation's formatting, which FoundationEssentials does not have.
extension Double {
    /// This value with `digits` (0 to 9) digits after the point, none with no point, rounded to
    /// nearest with ties to even as printf does; a value whose digits do not fit in 63 bits, or
    /// that is not finite, as Swift describes it.
    package func fixed(_ digits: Int) -> String {
        guard isFinite, (0...9).contains(digits) else { return "\(self)" }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (magnitude * Double(scale)).rounded(.toNearestOrEven)
        guard scaled < 9e18 else { return "\(self)" }
        let units = Int64(scaled)
        let sign = self.sign == .minus ? "-" : ""  // as printf: -0.001 is "-0.00"
        guard digits > 0 else { return sign + "\(units)" }
        let fraction = String(units % scale)
        return sign + "\(units / scale)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
