import Foundation

/// Finds the existing invoices a new one may duplicate, across ERPs and legal entities, against open,
/// in-payment, sent and settled payables alike.
///
/// Built once from the candidates the services loaded, then asked about each new invoice; adding each
/// checked invoice with ``insert(_:)`` also catches two copies of one invoice in the same file. A lookup
/// never scans all candidates. Three indexes, kept in one compact hash table of chains, answer it:
///
/// - **vendor key × normalised number**: strong and exact suspects, and the weak
///   ``DuplicatePolicy/WeakRule/sameVendorAndInvoiceNumber``;
/// - **vendor key × currency × amount bucket**: the weak ``DuplicatePolicy/WeakRule/similarInvoiceNumber``
///   (a typo'd number with the same vendor, amount and date);
/// - **normalised number × currency × amount bucket**: the weak ``DuplicatePolicy/WeakRule/otherVendor``.
///
/// Amount buckets are laid out from the policy's tolerances (see `AmountBuckets`), so every amount
/// within tolerance of another lies in at most a handful of neighbouring buckets. A lookup therefore
/// costs a few dozen hash probes plus the candidates that really share a key, whatever the size of the
/// index; indexes that the policy's weak rules never use are not built.
public struct DuplicateDetector: Sendable {
    public let policy: DuplicatePolicy
    private let buckets: AmountBuckets
    private var candidates: [DuplicateCandidate] = []
    /// False for a candidate replaced by a later ``insert(_:)`` of the same payable.
    private var isCurrent: [Bool] = []
    private var positionByPayable: [ID<Payable>: Int32] = [:]
    private var table = PostingTable()

    public init(policy: DuplicatePolicy, candidates: some Sequence<DuplicateCandidate> = [DuplicateCandidate]()) {
        self.policy = policy
        self.buckets = AmountBuckets(policy: policy)
        for candidate in candidates { insert(candidate) }
    }

    /// How many candidates the index holds (a replaced candidate counts once).
    public var count: Int { positionByPayable.count }

    /// Adds a candidate, or replaces the one for the same payable (its stage or payment changed).
    ///
    /// Positions are 32-bit to keep the index small; more than two billion candidates is a programmer
    /// error (the services load candidates by date range), so it stops the process.
    public mutating func insert(_ candidate: DuplicateCandidate) {
        precondition(candidates.count < Int(Int32.max), "duplicate index holds at most Int32.max candidates")
        let position = Int32(candidates.count)
        if let replaced = positionByPayable.updateValue(position, forKey: candidate.payableID) {
            isCurrent[Int(replaced)] = false
        }
        candidates.append(candidate)
        isCurrent.append(true)
        for key in indexKeys(of: candidate, bucketRange: nil) { table.insert(position, under: key) }
    }

    /// The existing invoices `item` may duplicate, strongest first, at most
    /// ``DuplicatePolicy/suspectCountMax``. The item itself (same payable id) is never its own suspect.
    ///
    /// Ties are ordered by stage (already with the bank first), then closest invoice date, then payable
    /// id, so the same index and item always give the same list.
    public func suspects(for item: DuplicateCandidate) -> [DuplicateSuspect] {
        var visited = Set<Int32>()
        var suspects: [DuplicateSuspect] = []
        let range = policy.toleranceRange(around: item.amount.minorUnits.magnitude)
        let bucketRange = buckets.bucket(range.lowerBound)...buckets.bucket(range.upperBound)
        for key in indexKeys(of: item, bucketRange: bucketRange) {
            table.forEachPosition(under: key) { position in
                guard isCurrent[Int(position)], visited.insert(position).inserted else { return }
                let candidate = candidates[Int(position)]
                guard candidate.payableID != item.payableID else { return }
                let match = policy.compare(item, with: candidate)
                if let strength = policy.strength(of: match) {
                    suspects.append(DuplicateSuspect(candidate: candidate, match: match, strength: strength))
                }
            }
        }
        suspects.sort { first, second in
            if first.strength != second.strength { return first.strength > second.strength }
            let (firstSent, secondSent) = (first.candidate.stage.isWithBank, second.candidate.stage.isWithBank)
            if firstSent != secondSent { return firstSent }
            let (firstDays, secondDays) = (
                first.match.invoiceDateDifferenceDays, second.match.invoiceDateDifferenceDays
            )
            if firstDays != secondDays { return firstDays < secondDays }
            return first.candidate.payableID < second.candidate.payableID
        }
        return Array(suspects.prefix(policy.suspectCountMax))
    }

    /// Checks `item`: its suspects and whether the policy holds it.
    public func check(_ item: DuplicateCandidate) -> DuplicateCheck {
        let suspects = suspects(for: item)
        return DuplicateCheck(suspects: suspects, requiresHold: suspects.contains { policy.holds($0.strength) })
    }

    /// The keys a candidate is filed under (`bucketRange` nil: its own amount's bucket), or, for an item
    /// being looked up, every key under which a suspect could be filed (the buckets of `bucketRange`).
    ///
    /// Keys are 64-bit fingerprints of (index, vendor key or invoice number, currency and sign, bucket).
    /// Two different keys sharing a fingerprint only make a lookup compare one candidate too many: every
    /// candidate found is compared in full, so a collision can never hide a suspect or invent one.
    private func indexKeys(of item: DuplicateCandidate, bucketRange: ClosedRange<UInt64>?) -> [UInt64] {
        let number = item.normalisedInvoiceNumber
        let amount = item.amount
        let ownBucket = buckets.bucket(amount.minorUnits.magnitude)
        let bucketRange = bucketRange ?? ownBucket...ownBucket
        var keys: [UInt64] = []
        for vendorKey in item.vendor.keys {
            if !number.isEmpty { keys.append(IndexKind.vendorAndNumber.key(vendorKey, number)) }
            if indexesVendorAndAmount {
                for bucket in bucketRange { keys.append(IndexKind.vendorAndAmount.key(vendorKey, amount, bucket)) }
            }
        }
        if !number.isEmpty && indexesNumberAndAmount {
            for bucket in bucketRange { keys.append(IndexKind.numberAndAmount.key(number, amount, bucket)) }
        }
        return keys
    }

    private var indexesVendorAndAmount: Bool {
        policy.weakRules.contains(.similarInvoiceNumber) && policy.invoiceNumberEditDistanceMax > 0
    }

    private var indexesNumberAndAmount: Bool { policy.weakRules.contains(.otherVendor) }
}

/// The three indexes, sharing one table: the kind is part of every key's fingerprint.
private enum IndexKind: UInt8 {
    case vendorAndNumber
    case vendorAndAmount
    case numberAndAmount

    func key(_ vendorKey: VendorKey, _ number: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(rawValue)
        hasher.combine(vendorKey)
        hasher.combine(number)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }

    func key(_ vendorKey: VendorKey, _ amount: Money, _ bucket: UInt64) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(rawValue)
        hasher.combine(vendorKey)
        IndexKind.combine(amount, bucket, into: &hasher)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }

    func key(_ number: String, _ amount: Money, _ bucket: UInt64) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(rawValue)
        hasher.combine(number)
        IndexKind.combine(amount, bucket, into: &hasher)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }

    /// Currency and sign select the bucket family: amounts of different currencies or opposite signs are
    /// never within tolerance of each other.
    private static func combine(_ amount: Money, _ bucket: UInt64, into hasher: inout Hasher) {
        hasher.combine(amount.currency.numericCode)
        hasher.combine(amount.minorUnits < 0)
        hasher.combine(bucket)
    }
}

/// A hash table from a key fingerprint to the positions filed under it, kept compact for a million
/// candidates: open addressing over 32-bit slots that point at the newest posting of a key, and postings
/// that chain to the older ones with the same key. Nothing is ever removed (replaced candidates are
/// skipped by the detector), so there are no tombstones.
private struct PostingTable: Sendable {
    private struct Posting: Sendable {
        var key: UInt64
        var position: Int32
        /// The previous posting with the same key, or -1.
        var next: Int32
    }

    /// Posting index of the newest posting of a key, or -1 for an empty slot. Capacity is a power of two.
    private var slots = [Int32](repeating: -1, count: 1024)
    private var postings: [Posting] = []
    private var keyCount = 0

    mutating func insert(_ position: Int32, under key: UInt64) {
        // At most half full, so a probe sequence stays short.
        if (keyCount + 1) * 2 > slots.count { grow() }
        precondition(postings.count < Int(Int32.max), "duplicate index holds at most Int32.max postings")
        let slot = slotIndex(for: key)
        let head = slots[slot]
        if head < 0 { keyCount += 1 }
        slots[slot] = Int32(postings.count)
        postings.append(Posting(key: key, position: position, next: head))
    }

    func forEachPosition(under key: UInt64, _ body: (Int32) -> Void) {
        var next = slots[slotIndex(for: key)]
        while next >= 0 {
            let posting = postings[Int(next)]
            body(posting.position)
            next = posting.next
        }
    }

    /// The slot holding `key`'s chain, or the empty slot where it would go (linear probing).
    private func slotIndex(for key: UInt64) -> Int {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let head = slots[slot]
            if head < 0 || postings[Int(head)].key == key { return slot }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let heads = slots.filter { $0 >= 0 }
        slots = [Int32](repeating: -1, count: slots.count * 2)
        for head in heads { slots[slotIndex(for: postings[Int(head)].key)] = head }
    }
}

/// A monotone map from an amount's magnitude to a bucket number, shaped by the policy's tolerances so
/// that every magnitude within tolerance of another lies at most a few buckets away.
///
/// Below `2^linearLimitBits`, buckets are `2^linearShift` wide: at least the absolute tolerance. Above,
/// buckets are geometric: each power of two is cut into `2^relativeBits` equal parts, so a bucket is
/// between `2^-(relativeBits+1)` and `2^-relativeBits` of the amount wide, never narrower than half the
/// relative tolerance, and never narrower than a linear bucket. Integer arithmetic only.
struct AmountBuckets: Sendable {
    let linearShift: Int
    /// Nil when there is no relative tolerance: all buckets are linear.
    let relativeBits: Int?
    let linearLimitBits: Int

    init(policy: DuplicatePolicy) {
        let absolute = UInt64(max(1, policy.amountToleranceMinorUnits))
        // The smallest power of two at least the absolute tolerance.
        linearShift = absolute == 1 ? 0 : 64 - (absolute - 1).leadingZeroBitCount
        if policy.amountToleranceBasisPoints > 0 {
            // 2^k ≤ 10 000 / bp < 2^(k+1): a relative bucket is at least half the relative tolerance wide.
            let ratio = 10_000 / policy.amountToleranceBasisPoints
            let bits = Int.bitWidth - 1 - ratio.leadingZeroBitCount
            relativeBits = bits
            linearLimitBits = bits + linearShift
        } else {
            relativeBits = nil
            linearLimitBits = 64
        }
    }

    func bucket(_ magnitude: UInt64) -> UInt64 {
        guard let relativeBits, linearLimitBits < 64, magnitude >> linearLimitBits != 0 else {
            return magnitude >> linearShift
        }
        // bit length e > linearLimitBits; the top relativeBits + 1 bits of the magnitude lie in
        // [2^k, 2^(k+1)); buckets of the first geometric power follow the last linear one (2^k − 1).
        let bitLength = 64 - magnitude.leadingZeroBitCount
        let top = magnitude >> (bitLength - relativeBits - 1)
        return UInt64(bitLength - linearLimitBits - 1) << relativeBits + top
    }
}
