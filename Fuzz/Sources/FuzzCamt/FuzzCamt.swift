// Fuzzes CamtReader.read (camt.052/053/054).
import BankFormats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzReader(start, count) { try CamtReader.read($0).json }
}
