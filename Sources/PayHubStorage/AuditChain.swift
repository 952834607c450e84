import Crypto
import Foundation
import PayHubDomain

/// One link of the audit trail as stored: what happened, stamped, and chained to the event before it.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// 1, 2, 3… without gaps; a gap means a deleted event.
    public var sequence: Int64
    public var occurredAtMilliseconds: Int64
    public var actorKind: String
    public var actorID: String
    public var action: String
    public var objectType: String
    public var objectID: String
    public var entityID: String?
    public var before: String?
    public var after: String?
    public var origin: String
    public var requestID: String?
    /// The hash of the previous event (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 over this event's fields and `previousHash`, hex.
    public var hash: String

    public var occurredAt: Date { Date(timeIntervalSince1970: TimeInterval(occurredAtMilliseconds) / 1000) }
}

/// Builds and checks the SHA-256 hash chain that makes the audit trail tamper-evident.
///
/// Each event's hash covers its own fields and the previous event's hash, so changing, deleting,
/// inserting or reordering any event breaks every link after it; ``verify(_:)`` names the first.
public enum AuditChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Stamps `entry` as the event after (`previousSequence`, `previousHash`).
    public static func event(
        _ entry: AuditEntry, context: AuditContext, previousSequence: Int64, previousHash: String
    ) -> AuditEvent {
        var event = AuditEvent(
            sequence: previousSequence + 1,
            occurredAtMilliseconds: StoredTime.milliseconds(context.occurredAt),
            actorKind: context.actorKind.rawValue, actorID: context.actorID, action: entry.action,
            objectType: entry.objectType, objectID: entry.objectID, entityID: entry.entityID, before: entry.before,
            after: entry.after, origin: context.origin, requestID: context.requestID, previousHash: previousHash, hash: "")
        event.hash = hash(of: event)
        return event
    }

    /// The hash an event must carry: SHA-256 of its fields, length-prefixed so no two events can share
    /// a serialisation by shifting text between fields.
    public static func hash(of event: AuditEvent) -> String {
        hash(
            sequence: event.sequence, occurredAtMilliseconds: event.occurredAtMilliseconds, actorKind: event.actorKind,
            actorID: event.actorID, action: event.action, objectType: event.objectType, objectID: event.objectID,
            entityID: event.entityID, before: event.before, after: event.after, origin: event.origin,
            requestID: event.requestID, previousHash: event.previousHash)
    }

    /// The same hash from the fields themselves, for a writer that binds an entry's fields directly
    /// rather than making an ``AuditEvent`` of each first.
    static func hash(
        sequence: Int64, occurredAtMilliseconds: Int64, actorKind: String, actorID: String, action: String,
        objectType: String, objectID: String, entityID: String?, before: String?, after: String?, origin: String,
        requestID: String?, previousHash: String
    ) -> String {
        var hasher = SHA256()
        // The same bytes as `"\(count):" + text`, without making either as a new string or array:
        // every imported payable hashes one event.
        func field(_ text: String?) {
            guard var text else {
                hasher.update(data: [UInt8(ascii: "-"), UInt8(ascii: "1"), UInt8(ascii: ":")])
                return
            }
            text.withUTF8 { bytes in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 22) { prefix in
                    prefix[21] = UInt8(ascii: ":")
                    var length = bytes.count
                    var start = 21
                    repeat {
                        start -= 1
                        prefix[start] = UInt8(ascii: "0") + UInt8(length % 10)
                        length /= 10
                    } while length > 0
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: prefix[start...])))
                }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            }
        }
        field(String(sequence))
        field(String(occurredAtMilliseconds))
        field(actorKind)
        field(actorID)
        field(action)
        field(objectType)
        field(objectID)
        field(entityID)
        field(before)
        field(after)
        field(origin)
        field(requestID)
        field(previousHash)
        return Hex.lowercase(hasher.finalize())
    }

    /// Checks a run of events read in sequence order, continuing from (`previousSequence`, `previousHash`).
    ///
    /// Returns the first event that breaks the chain and why, or nil when every link holds.
    public static func verify(
        _ events: [AuditEvent], previousSequence: Int64 = 0, previousHash: String = genesisHash
    ) -> AuditChainBreak? {
        var expectedSequence = previousSequence + 1
        var expectedPreviousHash = previousHash
        for event in events {
            if event.sequence != expectedSequence {
                return AuditChainBreak(sequence: event.sequence, reason: .sequenceGap(expected: expectedSequence))
            }
            if event.previousHash != expectedPreviousHash {
                return AuditChainBreak(sequence: event.sequence, reason: .previousHashMismatch)
            }
            if hash(of: event) != event.hash {
                return AuditChainBreak(sequence: event.sequence, reason: .contentHashMismatch)
            }
            expectedSequence += 1
            expectedPreviousHash = event.hash
        }
        return nil
    }
}

/// The first place the audit chain does not hold.
public struct AuditChainBreak: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// An event is missing (deleted) or out of place.
        case sequenceGap(expected: Int64)
        /// The event does not follow the one before it (rows swapped, inserted or removed).
        case previousHashMismatch
        /// The event's own fields were changed after it was written.
        case contentHashMismatch
    }

    public let sequence: Int64
    public let reason: Reason

    public init(sequence: Int64, reason: Reason) {
        self.sequence = sequence
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .sequenceGap(let expected):
            "audit event \(sequence): expected event \(expected) here; an event was deleted or moved"
        case .previousHashMismatch:
            "audit event \(sequence): does not link to the event before it (events removed, inserted or reordered)"
        case .contentHashMismatch:
            "audit event \(sequence): its content no longer matches its hash (the event was altered)"
        }
    }
}

/// Lower-case hex without `String(format:)`, which costs a microsecond a byte: an import of 100,000
/// payables hashes 100,000 audit events.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}
