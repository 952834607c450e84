// Fuzzes BankFileReader.parse(format: nil): detection, the chosen reader, the balance check.
import BankFormats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzReader(start, count) { try BankFileReader.parse($0, format: nil).json }
}
