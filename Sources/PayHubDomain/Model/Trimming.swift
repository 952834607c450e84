import Foundation

extension String {
    /// The text without leading and trailing characters of `set`, exactly as `trimmingCharacters(in:)`
    /// gives it, but without Foundation's cost when there is nothing to trim (nearly always, and an
    /// import checks a dozen fields of every row).
    func trimmed(_ set: CharacterSet) -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if !set.contains(first) && !set.contains(last) { return self }
        return trimmingCharacters(in: set)
    }
}
