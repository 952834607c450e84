// Fuzzes ChineseBankCSVReader.read (every bank layout).
import BankFormats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzReader(start, count) { try ChineseBankCSVReader.read($0).json }
}
