import Foundation

/// A version for a list file that says none of its own (OFAC's CSV files carry no date): a stable
/// fingerprint of its bytes, so two screenings against the same bytes record the same version and any
/// change to the file gives a new one.
///
/// It is FNV-1a with 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3), written
/// `fnv1a64:` and 16 lowercase hex digits. It tells versions apart; it is no checksum against tampering
/// (PayHubDomain and BankFormats have no cryptography — verify downloads, if needed, where the file is
/// fetched). A list of several files (`SDN.CSV`, `ALT.CSV`, `ADD.CSV`) is fingerprinted as one: each part
/// is preceded by a byte saying whether it is there and by its length, so moving bytes from one file to
/// the next, or leaving a file out, changes the fingerprint.
public enum SanctionsListFingerprint {
    /// `fnv1a64:…` of the parts, in order; nil parts are files that were not given.
    public static func of(_ parts: [Data?]) -> String {
        var hash = Hasher64()
        for part in parts {
            guard let part else {
                hash.add(0)
                continue
            }
            hash.add(1)
            var length = UInt64(part.count).littleEndian
            withUnsafeBytes(of: &length) { hash.add($0) }
            part.withUnsafeBytes { hash.add($0) }
        }
        let hex = String(hash.value, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `fnv1a64:…` of one file's bytes.
    public static func of(_ data: Data) -> String { of([data]) }

    private struct Hasher64 {
        private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ byte: UInt8) {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }

        mutating func add(_ bytes: UnsafeRawBufferPointer) {
            var hash = value
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            value = hash
        }
    }
}
