import Foundation

/// What one bank accepts in one file: how many transactions, how many bytes, and optionally how many
/// transactions per payment-information block.
///
/// Sizes are the caller's estimates for the file format (the writer knows its own overhead): each
/// payment's encoded size, plus the group header once per file and the block header once per block.
public struct BatchLimits: Hashable, Sendable {
    /// No file holds more transactions (equal is allowed).
    public let transactionsPerFileMax: Int
    /// No file is estimated larger (equal is allowed).
    public let bytesPerFileMax: Int
    /// Nil: the bank puts no limit on a block, and a file has one block.
    public let transactionsPerBlockMax: Int?
    /// Estimated bytes of a file with no block: envelope and group header.
    public let fileOverheadBytes: Int
    /// Estimated bytes of one payment-information block with no transaction.
    public let blockOverheadBytes: Int

    /// Limits whose maximums are positive and whose overheads are not negative and leave room for a
    /// transaction: a file's and a block's overhead together must be smaller than the byte maximum.
    public init(
        transactionsPerFileMax: Int, bytesPerFileMax: Int, transactionsPerBlockMax: Int? = nil,
        fileOverheadBytes: Int = 0, blockOverheadBytes: Int = 0
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        if transactionsPerFileMax <= 0 {
            problems.add("transactions_per_file_max", code: "not_positive", "the maximum must be at least 1")
        }
        if bytesPerFileMax <= 0 {
            problems.add("bytes_per_file_max", code: "not_positive", "the maximum must be at least 1")
        }
        if let transactionsPerBlockMax, transactionsPerBlockMax <= 0 {
            problems.add("transactions_per_block_max", code: "not_positive", "the maximum must be at least 1")
        }
        if fileOverheadBytes < 0 {
            problems.add("file_overhead_bytes", code: "negative", "an overhead must not be negative")
        }
        if blockOverheadBytes < 0 {
            problems.add("block_overhead_bytes", code: "negative", "an overhead must not be negative")
        }
        if bytesPerFileMax > 0, fileOverheadBytes >= 0, blockOverheadBytes >= 0 {
            // Compared by subtraction so huge values cannot overflow.
            if fileOverheadBytes >= bytesPerFileMax || blockOverheadBytes >= bytesPerFileMax - fileOverheadBytes {
                problems.add(
                    "bytes_per_file_max", code: "no_room_for_transactions",
                    "the file and block overheads leave no room for a transaction")
            }
        }
        try problems.throwIfAny()
        self.transactionsPerFileMax = transactionsPerFileMax
        self.bytesPerFileMax = bytesPerFileMax
        self.transactionsPerBlockMax = transactionsPerBlockMax
        self.fileOverheadBytes = fileOverheadBytes
        self.blockOverheadBytes = blockOverheadBytes
    }

    /// The largest payment that fits in a file on its own.
    public var paymentBytesMax: Int { bytesPerFileMax - fileOverheadBytes - blockOverheadBytes }
}
