/// A decimal number read from text exactly: an integer significand and a count of decimal places.
///
/// `"-12.345"` is `significand -12345, scale 3`. Used to parse amounts and FX rates without ever passing
/// through binary floating point.
struct DecimalText: Hashable, Sendable {
    let significand: Int128
    let scale: Int

    enum Failure: Error, Equatable {
        case malformed
        case tooManyDigits
    }

    /// The most digits a significand may carry; keeps every later multiplication inside `Int128`.
    static let digitsMax = 30

    /// Reads `[+-]digits[.digits]`. No exponents, no thousands separators, no spaces.
    init(parsing text: Substring) throws(Failure) {
        var bytes = text.utf8[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var significand: Int128 = 0
        var digitCount = 0
        var scale = 0
        var seenPoint = false
        var integerDigits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint, integerDigits > 0 else { throw .malformed }
                seenPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .malformed }
            if seenPoint { scale += 1 } else { integerDigits += 1 }
            // Leading zeros do not count towards the digit limit.
            if significand != 0 || byte != UInt8(ascii: "0") { digitCount += 1 }
            guard digitCount <= Self.digitsMax else { throw .tooManyDigits }
            significand = significand * 10 + Int128(byte - UInt8(ascii: "0"))
        }
        guard integerDigits > 0, !seenPoint || scale > 0 else { throw .malformed }
        self.significand = negative ? -significand : significand
        self.scale = scale
    }

    init(significand: Int128, scale: Int) {
        self.significand = significand
        self.scale = scale
    }
}

/// 10 to the power `exponent`, for the small exponents decimal scaling needs.
func powerOfTen(_ exponent: Int) -> Int128 {
    precondition(exponent >= 0 && exponent <= 38, "power of ten out of Int128 range")
    var result: Int128 = 1
    for _ in 0..<exponent { result *= 10 }
    return result
}

/// Renders `significand / 10^scale` as a plain decimal string with exactly `scale` places.
func decimalString(significand: Int128, scale: Int) -> String {
    let digits = String(significand.magnitude)
    let sign = significand < 0 ? "-" : ""
    guard scale > 0 else { return sign + digits }
    let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
    let split = padded.index(padded.endIndex, offsetBy: -scale)
    return sign + padded[..<split] + "." + padded[split...]
}
