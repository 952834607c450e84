// Fuzzes MT940Reader.read (MT940/MT942).
import BankFormats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzReader(start, count) { try MT940Reader.read($0).json }
}
