import Crypto
import Foundation
import Logging
import PayHubStorage

/// Finds the key bank details are encrypted with: `PAYHUB_MASTER_KEY` (base64 of 32 bytes), else a key
/// file, which is created with fresh random bytes and mode 0600 on first start.
public enum MasterKey {
    public static let environmentVariable = "PAYHUB_MASTER_KEY"

    public static func load(
        keyFile: String, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger
    ) throws -> BankDetailCipher {
        if let encoded = environment[environmentVariable] {
            return try cipher(fromBase64: encoded, source: environmentVariable)
        }
        if FileManager.default.fileExists(atPath: keyFile) {
            let encoded = try String(contentsOfFile: keyFile, encoding: .utf8)
            return try cipher(fromBase64: encoded, source: keyFile)
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        guard FileManager.default.createFile(
            atPath: keyFile, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw MasterKeyError(message: "could not create the key file \(keyFile)") }
        logger.warning(
            "no master key configured: generated a new one",
            metadata: [
                "key_file": "\(keyFile)",
                "advice": "back this file up and keep it apart from the database, or set \(environmentVariable)",
            ])
        return try BankDetailCipher(masterKey: key)
    }

    static func cipher(fromBase64 encoded: String, source: String) throws -> BankDetailCipher {
        guard let data = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32
        else { throw MasterKeyError(message: "\(source) must hold the base64 of exactly 32 bytes") }
        return try BankDetailCipher(masterKey: SymmetricKey(data: data))
    }
}

public struct MasterKeyError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
