import Foundation

/// A file PayHub hands to a bank: a pain.001, a NACHA file or a Chinese batch-payment file.
///
/// The name is derived from the message id, so a re-send of the same instruction has the same name and
/// the same bytes, and the bank (or the simulator) can recognise it.
public struct OutgoingBankFile: Sendable, Hashable {
    /// The file name the bank sees, e.g. `PH-01JD8Z….xml`. Letters, digits, `-`, `_` and `.` only.
    public var name: String
    /// The instruction's message id (`GrpHdr/MsgId`, NACHA file id modifier's message, …).
    public var messageID: String
    public var contents: Data

    public init(name: String, messageID: String, contents: Data) {
        self.name = name
        self.messageID = messageID
        self.contents = contents
    }
}

/// A file the bank left for PayHub: a pain.002 status report, a camt.054 notification, a camt.053
/// statement…
public struct IncomingBankFile: Sendable, Hashable {
    public var name: String
    public var contents: Data

    public init(name: String, contents: Data) {
        self.name = name
        self.contents = contents
    }
}

/// Whether the bank has a file PayHub staged.
public enum DeliveryState: String, Sendable, Hashable {
    /// The bank can see the file, or has already taken it.
    case delivered
    /// The file is staged (or nowhere) and the bank has not seen it: delivering it now cannot send it twice.
    case notDelivered = "not_delivered"
}

/// How files reach one bank and how its answers come back.
///
/// Sending is two steps so that a crash between them never leaves PayHub guessing:
/// 1. ``stage(_:)`` puts the file where the bank cannot see it yet (a temporary name in the outbox; for
///    an API, nothing);
/// 2. PayHub records that the payments are on their way (`unknown` until the bank answers);
/// 3. ``deliver(_:)`` makes the file visible to the bank in one atomic step (a rename, one HTTP request).
///
/// After a crash, ``deliveryState(of:)`` tells which side of step 3 the file is on: a staged file that is
/// still staged was not delivered, so delivering it is safe; anything else was. Nothing is sent blindly.
public protocol BankConnector: Sendable {
    /// What kind of transport this is, for logs and the audit trail: `folder`, `sftp`, `api`.
    var transport: String { get }

    /// Puts the file where the bank cannot see it yet. Doing it again replaces the staged copy.
    func stage(_ file: OutgoingBankFile) async throws
    /// Makes a staged file visible to the bank atomically. A file already delivered is not delivered again.
    func deliver(_ file: OutgoingBankFile) async throws
    /// Whether the bank has a file that was staged: the question PayHub asks after a crash.
    func deliveryState(of file: OutgoingBankFile) async throws -> DeliveryState
    /// Files the bank has left for PayHub, in name order.
    func incomingFiles() async throws -> [IncomingBankFile]
    /// Removes an incoming file once PayHub has stored what it says.
    func acknowledge(_ file: IncomingBankFile) async throws
}
