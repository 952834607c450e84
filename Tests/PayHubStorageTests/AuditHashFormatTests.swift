import Foundation
import PayHubDomain
import PayHubStorage
import Testing

/// Every trail already written was hashed in one exact serialisation; a verifier that hashed differently
/// would call an intact trail forged. This pins it with a known-answer vector.
@Suite("Audit hash format")
struct AuditHashFormatTests {
    @Test("an event hashes as SHA-256 over each field as <utf-8 length>:<bytes>, -1: for none")
    func knownAnswer() {
        let entry = AuditEntry(
            action: "payable.created", objectType: "payable", objectID: "pyb_01", entityID: "ent_01", before: nil,
            after: #"{"amount":"1.00","name":"Müller/Söhne"}"#)
        let context = AuditContext(
            actorKind: .user, actorID: "usr_01", origin: "api 127.0.0.1", requestID: nil,
            occurredAt: Date(timeIntervalSince1970: 1_795_949_700.123))
        let event = AuditChain.event(
            entry, context: context, previousSequence: 6, previousHash: String(repeating: "0", count: 64))
        #expect(event.sequence == 7 && event.occurredAtMilliseconds == 1_795_949_700_123)
        // Computed independently with Python's hashlib over the same serialisation:
        //   for f in fields: h.update(b"-1:" if f is None else str(len(f.encode())).encode() + b":" + f.encode())
        #expect(event.hash == "2c4ffdf03735f40cc6ee80e8b99f67c63616ee23b259c010db2487e3f4aad640")
    }
}
