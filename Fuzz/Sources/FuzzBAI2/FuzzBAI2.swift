// Fuzzes BAI2Reader.read.
import BankFormats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzReader(start, count) { try BAI2Reader.read($0).json }
}
