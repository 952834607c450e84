/// How an exact result that falls between two representable amounts is rounded.
///
/// Every operation that can lose precision takes one of these explicitly, so a rounding decision is
/// always visible at the call site. ``halfEven`` (banker's rounding) is the default because it does not
/// drift upwards over many operations.
public enum RoundingMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// To the nearest; ties to the even neighbour (banker's rounding).
    case halfEven = "half_even"
    /// To the nearest; ties away from zero (commercial rounding).
    case halfUp = "half_up"
    /// To the nearest; ties towards zero.
    case halfDown = "half_down"
    /// Away from zero.
    case up
    /// Towards zero (truncation).
    case down
    /// Towards positive infinity.
    case ceiling
    /// Towards negative infinity.
    case floor
}

extension RoundingMode {
    /// Divides `numerator` by a positive `denominator`, rounding the quotient with this mode.
    func divide(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0, "rounding division needs a positive denominator")
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        guard remainder != 0 else { return quotient }
        let awayFromZero = numerator < 0 ? quotient - 1 : quotient + 1
        // Compare twice the remainder with the denominator to find which neighbour is nearer.
        let twiceRemainder = remainder.magnitude * 2
        let denominatorMagnitude = denominator.magnitude
        switch self {
        case .down: return quotient
        case .up: return awayFromZero
        case .ceiling: return numerator > 0 ? awayFromZero : quotient
        case .floor: return numerator < 0 ? awayFromZero : quotient
        case .halfUp: return twiceRemainder >= denominatorMagnitude ? awayFromZero : quotient
        case .halfDown: return twiceRemainder > denominatorMagnitude ? awayFromZero : quotient
        case .halfEven:
            if twiceRemainder > denominatorMagnitude { return awayFromZero }
            if twiceRemainder < denominatorMagnitude { return quotient }
            return quotient.isMultiple(of: 2) ? quotient : awayFromZero
        }
    }
}
