import Crypto
import Foundation

/// Seals account numbers for storage (AES-256-GCM) and makes keyed hashes to find them again.
///
/// Both keys are derived from one master key with HKDF, each for one purpose. The row's id is bound
/// into each ciphertext as authenticated data, so a sealed number copied onto another row will not open.
public struct BankDetailCipher: Sendable {
    // Kept as bytes because `SymmetricKey` is not `Sendable`; a key is rebuilt per use, which is cheap.
    private let sealingKeyBytes: Data
    private let lookupKeyBytes: Data
    private var sealingKey: SymmetricKey { SymmetricKey(data: sealingKeyBytes) }
    private var lookupKey: SymmetricKey { SymmetricKey(data: lookupKeyBytes) }

    /// The master key must be 32 bytes.
    public init(masterKey: SymmetricKey) throws(BankDetailCipherError) {
        guard masterKey.bitCount == 256 else { throw BankDetailCipherError.invalidMasterKey }
        sealingKeyBytes = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey, info: Data("payhub bank-detail sealing v1".utf8), outputByteCount: 32
        ).withUnsafeBytes { Data($0) }
        lookupKeyBytes = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey, info: Data("payhub bank-detail lookup v1".utf8), outputByteCount: 32
        ).withUnsafeBytes { Data($0) }
    }

    /// A cipher from the raw bytes of a master key (32 of them).
    public init(masterKeyBytes: Data) throws(BankDetailCipherError) {
        try self.init(masterKey: SymmetricKey(data: masterKeyBytes))
    }

    /// Encrypts `plaintext` for the row `rowID`: nonce, ciphertext and tag in one blob.
    public func seal(_ plaintext: String, rowID: String) throws -> Data {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: sealingKey, authenticating: Data(rowID.utf8))
        guard let combined = box.combined else { throw BankDetailCipherError.sealFailed }
        return combined
    }

    /// Decrypts a blob made by ``seal(_:rowID:)`` for the same row.
    public func open(_ sealed: Data, rowID: String) throws(BankDetailCipherError) -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: sealingKey, authenticating: Data(rowID.utf8))
            guard let text = String(data: plain, encoding: .utf8) else { throw BankDetailCipherError.openFailed }
            return text
        } catch {
            throw BankDetailCipherError.openFailed
        }
    }

    /// HMAC-SHA256 of the number, hex: equal numbers give equal hashes, without revealing the number.
    public func lookupHash(_ plaintext: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(plaintext.utf8), using: lookupKey)
        // `String(format:)` costs about a microsecond a byte, and an ERP vendor file hashes every account.
        return Hex.lowercase(mac)
    }
}

public enum BankDetailCipherError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidMasterKey
    case sealFailed
    case openFailed

    public var description: String {
        switch self {
        case .invalidMasterKey: "the master key must be 32 bytes (base64 of 32 random bytes)"
        case .sealFailed: "a bank detail could not be encrypted"
        case .openFailed: "a stored bank detail could not be decrypted: wrong master key or altered data"
        }
    }
}
