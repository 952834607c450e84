import Foundation

/// The identifiers a payment carries in a bank instruction besides its end-to-end id: the file's message
/// id, its payment-information block's id and its UETR.
///
/// They are assigned when the payment is planned and stored before anything is sent. A re-send passes
/// them back to ``BatchPlanner/plan(_:limits:existing:ids:)`` so the bank sees the same message, block
/// and transaction again (its duplicate check then protects against paying twice), never new ones.
public struct AssignedIDs: Hashable, Sendable, Codable {
    /// ISO 20022 `GrpHdr/MsgId`: 1 to 35 characters of the SWIFT character set.
    public var messageID: String
    /// ISO 20022 `PmtInf/PmtInfId`: 1 to 35 characters of the SWIFT character set.
    public var paymentInformationID: String
    /// The SWIFT gpi Unique End-to-end Transaction Reference: a lowercase RFC 4122 version 4 UUID.
    public var uetr: String

    public init(messageID: String, paymentInformationID: String, uetr: String) {
        self.messageID = messageID
        self.paymentInformationID = paymentInformationID
        self.uetr = uetr
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case paymentInformationID = "payment_information_id"
        case uetr
    }
}

/// Where new instruction ids come from. The domain has no randomness, so the caller injects the source:
/// the services a system-random one, tests and demos ``SeededBatchIDSource``.
///
/// Every id returned must be new (never returned before, by this source or any earlier one whose ids are
/// stored); the planner checks the ids of one plan against each other and against the stored ones, and
/// reports a repeat instead of sending it.
public protocol BatchIDSource {
    /// A new message id: 1 to 35 characters of the SWIFT character set (see ``BatchIDFormat``).
    mutating func messageID() -> String
    /// A new payment-information id: 1 to 35 characters of the SWIFT character set.
    mutating func paymentInformationID() -> String
    /// A new UETR: a lowercase RFC 4122 version 4 UUID, `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`.
    mutating func uetr() -> String
}

/// Deterministic ids from a seeded ``SplitMix64``, for tests and demo data; never for real payments,
/// whose ids must not be predictable or repeat after a restart.
///
/// Message and payment-information ids are a prefix, 16 random hex digits and a running number
/// (`MSG-3F2A…-7`), so one source never repeats itself; UETRs are 122 random bits in the version 4 layout.
public struct SeededBatchIDSource: BatchIDSource, Sendable {
    private var random: SplitMix64
    private var issuedCount: UInt64 = 0

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    public mutating func messageID() -> String { nextID(prefix: "MSG") }

    public mutating func paymentInformationID() -> String { nextID(prefix: "PMT") }

    public mutating func uetr() -> String {
        BatchIDFormat.uetr(high: random.next(), low: random.next())
    }

    /// At most 3 + 1 + 16 + 1 + 20 = 41 characters in theory; the running number stays far below 10¹⁴,
    /// which keeps real ids within 35.
    private mutating func nextID(prefix: String) -> String {
        issuedCount += 1
        let hex = String(random.next(), radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        return "\(prefix)-\(padded)-\(issuedCount)"
    }
}

/// The formats the bank instruction ids must have, checked on ids from a source and on stored ones.
public enum BatchIDFormat {
    /// Whether `text` is 1 to 35 characters of the SWIFT character set (`a-z A-Z 0-9 / - ? : ( ) . , ' +`
    /// and space), without a leading or trailing space: what every bank accepts for `MsgId` and `PmtInfId`.
    public static func isValidReference(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...35).contains(bytes.count), bytes.first != UInt8(ascii: " "), bytes.last != UInt8(ascii: " ")
        else { return false }
        return bytes.allSatisfy(isSWIFTCharacter)
    }

    /// Whether `text` is a lowercase RFC 4122 version 4 UUID, as CBPR+ requires for the UETR.
    public static func isValidUETR(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            case 14:
                guard byte == UInt8(ascii: "4") else { return false }
            case 19:
                guard [UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(byte)
                else { return false }
            default:
                guard isLowercaseHex(byte) else { return false }
            }
        }
        return true
    }

    /// Lays 128 random bits out as a version 4 UUID: the version nibble and the variant bits are fixed,
    /// the other 122 bits are the caller's.
    public static func uetr(high: UInt64, low: UInt64) -> String {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        func hex(_ value: UInt64, digits: Int) -> String {
            let text = String(value, radix: 16, uppercase: false)
            return String(repeating: "0", count: digits - text.count) + text
        }
        return hex(high >> 32, digits: 8) + "-" + hex((high >> 16) & 0xFFFF, digits: 4) + "-"
            + hex(high & 0xFFFF, digits: 4) + "-" + hex(low >> 48, digits: 4) + "-"
            + hex(low & 0xFFFF_FFFF_FFFF, digits: 12)
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    private static func isSWIFTCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "/-?:().,'+ ".utf8.contains(byte)
        }
    }
}
