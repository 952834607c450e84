import BankFormats
import Foundation

/// What every fuzz target checks besides "does not trap": whatever a reader reads renders (pure Swift)
/// to JSON that Foundation parses back. A thrown error is a fine answer to random bytes.
public func fuzzReader(_ start: UnsafeRawPointer, _ count: Int, _ read: (Data) throws -> JSONValue) -> CInt {
    guard let json = try? read(Data(bytes: start, count: count)) else { return 0 }
    precondition((try? JSONSerialization.jsonObject(with: Data(json.rendered(pretty: false).utf8))) != nil)
    return 0
}
