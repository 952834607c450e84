import Foundation

/// Matches bank statement lines against open items with a deterministic cascade of rules.
///
/// Each pass sees only the lines and items the passes before it left over, so a strong rule (a quoted
/// end-to-end id) always wins over a weak one (same amount, similar name). Every pass works through indexes
/// built once (dictionaries by id, by reference token, by amount, by account); none compares every line with
/// every item. With L lines, I items and W words of remittance text per line, the whole cascade is
/// O((L + I) log(L + I) + L × W) plus a bounded amount of work per line in the grouped pass.
///
/// Determinism: lines and items are sorted by id before anything else, and every choice either is unique or
/// is declined, so the same inputs in any order give the same result.
public enum ReconciliationMatcher {
    public static func match(
        lines: [StatementLine], items: [ReconciliationItem], settings: ReconciliationSettings = .init()
    ) -> ReconciliationResult {
        var state = MatchingState(lines: lines, items: items, settings: settings)
        let rules = settings.enabledRules
        if rules.contains(.exactReference) { state.matchExactReferences() }
        if rules.contains(.batchBooking) { state.matchBatchBookings() }
        if rules.contains(.remittanceReference) { state.matchRemittanceReferences() }
        if rules.contains(.amountDateCounterparty) { state.matchAmountDateCounterparty() }
        if rules.contains(.grouped) { state.matchGroups() }
        return state.result()
    }
}

/// How a line's amount relates to the items it would settle.
enum AmountFit: Equatable {
    case exact
    /// The line moved less (incoming) or more (outgoing) by a fee within the tolerance.
    case fee(Int128)
    /// Lines minus items, for a partial or over-payment of an expected receipt.
    case difference(Int128)
}

/// What the passes compare, computed once per item; the item itself stays in the caller's array (`source`), so
/// a million items are not copied.
struct PreparedItem {
    let source: Int
    let amount: Int128
    let day: Int
    let accountKey: String?
    let nameKey: String?
}

struct PreparedLine {
    let source: Int
    /// The amount's magnitude; 0 for a line that cannot be matched (zero amount).
    let amount: Int128
    /// Which kind of item the line can settle: a debit, or the return of a debit, settles outgoing items.
    let direction: ReconciliationItem.Direction
    let day: Int
    let accountKey: String?
    let nameKey: String?
}

/// An amount index key: the same amount in the same currency, in the same direction.
struct AmountKey: Hashable {
    let currency: Currency
    let direction: ReconciliationItem.Direction
    let amount: Int128
}

struct MatchingState {
    let settings: ReconciliationSettings
    let inputLines: [StatementLine]
    let inputItems: [ReconciliationItem]
    /// Sorted by id.
    var lines: [PreparedLine]
    var items: [PreparedItem]
    var lineUsed: [Bool]
    var lineMatched: [Bool]
    var itemUsed: [Bool]
    var matches: [ReconciliationMatch] = []
    /// Items by normalised reference token (invoice numbers, creditor references), built once for the
    /// remittance pass and reused for the exceptions.
    var itemsByToken: [String: [Int]] = [:]
    /// Items by end-to-end id, UETR and instruction id; built once, used by passes 1 and 2 and the exceptions.
    var exactIDs: ExactIDIndex? = nil

    init(lines: [StatementLine], items: [ReconciliationItem], settings: ReconciliationSettings) {
        self.settings = settings
        // O(n log n): the only sort, and what makes the result independent of the input order.
        inputLines = lines
        inputItems = items
        self.lines = lines.indices.sorted { lines[$0].id < lines[$1].id }.map { source in
            let line = lines[source]
            let magnitude = Int128(line.amount.minorUnits).magnitude
            let direction: ReconciliationItem.Direction =
                line.isReturn || line.amount.minorUnits < 0 ? .outgoing : .incoming
            return PreparedLine(
                source: source, amount: Int128(magnitude), direction: direction, day: line.valueDate.daysSinceEpoch,
                accountKey: accountKey(line.counterpartyAccount),
                nameKey: line.counterpartyName.map(CounterpartyName.normalised).flatMap { $0.isEmpty ? nil : $0 })
        }
        self.items = items.indices.sorted { items[$0].id < items[$1].id }.map { source in
            let item = items[source]
            return PreparedItem(
                // A negative expected amount is an input error; its magnitude still names what moves.
                source: source, amount: Int128(Int128(item.amount.minorUnits).magnitude),
                day: item.expectedValueDate.daysSinceEpoch, accountKey: accountKey(item.counterpartyAccount),
                nameKey: item.counterpartyName.map(CounterpartyName.normalised).flatMap { $0.isEmpty ? nil : $0 })
        }
        // A zero line settles nothing; it is taken out of matching but still reported as an exception.
        lineUsed = self.lines.map { $0.amount == 0 }
        lineMatched = [Bool](repeating: false, count: self.lines.count)
        itemUsed = self.items.map { $0.amount == 0 }
    }

    // MARK: - Shared checks

    func compatible(_ line: PreparedLine, _ item: PreparedItem) -> Bool {
        inputLines[line.source].amount.currency == inputItems[item.source].amount.currency
            && line.direction == inputItems[item.source].direction
    }

    func withinWindow(_ line: PreparedLine, _ item: PreparedItem) -> Bool {
        abs(line.day - item.day) <= settings.dateWindowDays
    }

    /// How `lineTotal` settles items worth `itemTotal`; nil when it does not. A difference is accepted only
    /// when `allowsDifference` (a reference vouches for the match) and the items are expected receipts.
    func fit(
        lineTotal: Int128, itemTotal: Int128, direction: ReconciliationItem.Direction, allowsDifference: Bool
    ) -> AmountFit? {
        if lineTotal == itemTotal { return .exact }
        let tolerance = settings.feeToleranceMinorUnits(for: itemTotal)
        // Incoming: the payer's bank took a fee, less arrives. Outgoing: our bank adds its fee to the debit.
        let fee = direction == .incoming ? itemTotal - lineTotal : lineTotal - itemTotal
        if fee > 0 && fee <= tolerance { return .fee(fee) }
        if allowsDifference && direction == .incoming && settings.acceptsPartialPayments && lineTotal > 0 {
            return .difference(lineTotal - itemTotal)
        }
        return nil
    }

    mutating func record(
        lines lineIndices: [Int], items itemIndices: [Int], rule: ReconciliationRule, confidence: Int,
        fit: AmountFit, isReturn: Bool = false
    ) {
        let currency = inputItems[items[itemIndices[0]].source].amount.currency
        func money(_ value: Int128) -> Money? {
            Int64(exactly: value).map { Money(minorUnits: $0, currency: currency) }
        }
        var fee: Money?
        var difference: Money?
        var confidence = confidence
        switch fit {
        case .exact: break
        case .fee(let amount):
            fee = money(amount)
            confidence -= 30
        case .difference(let amount):
            difference = money(amount)
            confidence -= 100
        }
        for index in lineIndices {
            lineUsed[index] = true
            lineMatched[index] = true
        }
        if !isReturn { for index in itemIndices { itemUsed[index] = true } }
        matches.append(
            ReconciliationMatch(
                lineIDs: lineIndices.map { inputLines[lines[$0].source].id },
                itemIDs: itemIndices.map { inputItems[items[$0].source].id },
                rule: rule, confidencePerMille: max(0, min(1000, confidence)), fee: fee, difference: difference,
                isReturn: isReturn))
    }

    // MARK: - Pass 1: exact references

    /// O(I) to index, O(L × ids per line) to match.
    mutating func matchExactReferences() {
        let index = exactIndex()
        for lineIndex in lines.indices where !lineUsed[lineIndex] {
            let line = lines[lineIndex]
            let resolved = resolveExact(line, index: index, includingUsed: inputLines[line.source].isReturn)
            guard resolved.count == 1, let itemIndex = resolved.first else { continue }
            let item = items[itemIndex]
            if inputLines[line.source].isReturn {
                // A return may come back short by the banks' fees, never for more than was sent.
                guard line.amount <= item.amount else { continue }
                let fit: AmountFit = line.amount == item.amount ? .exact : .difference(line.amount - item.amount)
                record(
                    lines: [lineIndex], items: [itemIndex], rule: .exactReference, confidence: 1000, fit: fit,
                    isReturn: true)
                continue
            }
            // A line that lists several ids of which only one is known is a batch: left to pass 2.
            guard inputLines[line.source].endToEndIDs.count <= 1, inputLines[line.source].uetrs.count <= 1,
                let fit = fit(
                    lineTotal: line.amount, itemTotal: item.amount, direction: inputItems[item.source].direction,
                    allowsDifference: true)
            else { continue }
            record(lines: [lineIndex], items: [itemIndex], rule: .exactReference, confidence: 1000, fit: fit)
        }
    }

    mutating func exactIndex() -> ExactIDIndex {
        if let exactIDs { return exactIDs }
        let built = buildExactIndex()
        exactIDs = built
        return built
    }

    /// Items by end-to-end id, UETR and instruction id. An id two items share identifies neither.
    func buildExactIndex() -> ExactIDIndex {
        var index = ExactIDIndex()
        for (itemIndex, item) in items.enumerated() {
            if let id = inputItems[item.source].endToEndID, !id.isEmpty {
                ExactIDIndex.add(id, itemIndex, to: &index.endToEnd)
            }
            if let id = inputItems[item.source].uetr, !id.isEmpty {
                ExactIDIndex.add(id.lowercased(), itemIndex, to: &index.uetr)
            }
            if let id = inputItems[item.source].instructionID, !id.isEmpty {
                ExactIDIndex.add(id, itemIndex, to: &index.instruction)
            }
        }
        return index
    }

    /// The distinct compatible items a line's ids name, in index order.
    func resolveExact(_ line: PreparedLine, index: ExactIDIndex, includingUsed: Bool) -> [Int] {
        var found: [Int] = []
        func consider(_ item: Int?) {
            guard let item, item >= 0, includingUsed || !itemUsed[item], compatible(line, items[item]),
                !found.contains(item)
            else { return }
            found.append(item)
        }
        for id in inputLines[line.source].endToEndIDs where !id.isEmpty && id != "NOTPROVIDED" {
            consider(index.endToEnd[id])
            consider(index.instruction[id])
        }
        for id in inputLines[line.source].uetrs where !id.isEmpty { consider(index.uetr[id.lowercased()]) }
        if let reference = inputLines[line.source].bankReference, !reference.isEmpty {
            consider(index.instruction[reference])
        }
        return found.sorted()
    }

    // MARK: - Pass 2: batch bookings

    /// O(I) to group the batches, O(L × (ids + words)) to match.
    mutating func matchBatchBookings() {
        // Split by TxDtls: every id the line lists names an open item, and together they make the amount.
        let index = exactIndex()
        for lineIndex in lines.indices where !lineUsed[lineIndex] && !inputLines[lines[lineIndex].source].isReturn {
            let line = lines[lineIndex]
            let resolved = resolveExact(line, index: index, includingUsed: false)
            // Every id the line lists must name an open item: a batch half known is for a person.
            guard resolved.count >= 2,
                resolved.count >= max(inputLines[line.source].endToEndIDs.count, inputLines[line.source].uetrs.count)
            else { continue }
            let total = resolved.reduce(Int128(0)) { $0 + items[$1].amount }
            guard
                let fit = fit(
                    lineTotal: line.amount, itemTotal: total, direction: line.direction,
                    allowsDifference: false)
            else { continue }
            record(lines: [lineIndex], items: resolved, rule: .batchBooking, confidence: 1000, fit: fit)
        }

        // Whole batches still entirely open: by their id in the line's text, or by their total and date.
        var members: [String: [Int]] = [:]
        for itemIndex in items.indices where inputItems[items[itemIndex].source].direction == .outgoing {
            if let batch = inputItems[items[itemIndex].source].batch {
                members[batch.id, default: []].append(itemIndex)
            }
        }
        struct OpenBatch {
            let id: String
            let members: [Int]
            let total: Int128
            let currency: Currency
            let day: Int
        }
        var batchesByToken: [String: Int] = [:]
        var batchesByAmount: [AmountKey: [Int]] = [:]
        var batches: [OpenBatch] = []
        for (id, memberIndices) in members.sorted(by: { $0.key < $1.key }) {
            guard memberIndices.allSatisfy({ !itemUsed[$0] }) else { continue }
            let currency = inputItems[items[memberIndices[0]].source].amount.currency
            guard memberIndices.allSatisfy({ inputItems[items[$0].source].amount.currency == currency }) else {
                continue
            }
            let sum = memberIndices.reduce(Int128(0)) { $0 + items[$1].amount }
            // The declared total is what the bank debits; members missing from the open items leave it short,
            // and then the batch is not whole and cannot be matched as one.
            guard let declared = inputItems[items[memberIndices[0]].source].batch?.total,
                Int128(declared.minorUnits) == sum
            else { continue }
            let batchIndex = batches.count
            batches.append(
                OpenBatch(
                    id: id, members: memberIndices, total: sum, currency: currency,
                    day: memberIndices.map { items[$0].day }.min() ?? 0))
            let token = InvoiceNumber.normalised(id)
            if token.utf8.count >= 4 { batchesByToken[token] = batchIndex }
            batchesByAmount[AmountKey(currency: currency, direction: .outgoing, amount: sum), default: []]
                .append(batchIndex)
        }
        guard !batches.isEmpty else { return }
        var batchUsed = [Bool](repeating: false, count: batches.count)
        for lineIndex in lines.indices
        where !lineUsed[lineIndex] && lines[lineIndex].direction == .outgoing
            && !inputLines[lines[lineIndex].source].isReturn
        {
            let line = lines[lineIndex]
            var chosen: (batch: Int, confidence: Int)?
            let named = Set(textTokens(of: inputLines[line.source]).compactMap { batchesByToken[$0] }).filter {
                !batchUsed[$0]
            }
            if named.count == 1, let batch = named.first,
                batches[batch].currency == inputLines[line.source].amount.currency
            {
                chosen = (batch, 950)
            } else if named.isEmpty {
                let key = AmountKey(
                    currency: inputLines[line.source].amount.currency, direction: .outgoing, amount: line.amount)
                let fitting = (batchesByAmount[key] ?? []).filter {
                    !batchUsed[$0] && abs(batches[$0].day - line.day) <= settings.dateWindowDays
                }
                if fitting.count == 1 { chosen = (fitting[0], 850) }
            }
            guard let chosen,
                let fit = fit(
                    lineTotal: line.amount, itemTotal: batches[chosen.batch].total, direction: .outgoing,
                    allowsDifference: false)
            else { continue }
            batchUsed[chosen.batch] = true
            record(
                lines: [lineIndex], items: batches[chosen.batch].members, rule: .batchBooking,
                confidence: chosen.confidence, fit: fit)
        }
    }

    // MARK: - Pass 3: references in the remittance text

    /// O(I × references) to index, O(L × W) to match.
    mutating func matchRemittanceReferences() {
        buildTokenIndex()
        for lineIndex in lines.indices where !lineUsed[lineIndex] && !inputLines[lines[lineIndex].source].isReturn {
            let line = lines[lineIndex]
            let (candidates, structured) = referencedItems(line)
            let open = candidates.filter { !itemUsed[$0] && compatible(line, items[$0]) }
            guard !open.isEmpty else { continue }
            let confidence = structured ? 950 : 900
            if open.count == 1 {
                if let fit = fit(
                    lineTotal: line.amount, itemTotal: items[open[0]].amount, direction: line.direction,
                    allowsDifference: true)
                {
                    record(
                        lines: [lineIndex], items: open, rule: .remittanceReference, confidence: confidence, fit: fit)
                }
                continue
            }
            // Several items quoted: the one whose amount fits, or all of them together (one payment for
            // several invoices); anything else is for a person to decide.
            let single = open.filter {
                fit(
                    lineTotal: line.amount, itemTotal: items[$0].amount, direction: line.direction,
                    allowsDifference: false) != nil
            }
            if single.count == 1,
                let itemFit = fit(
                    lineTotal: line.amount, itemTotal: items[single[0]].amount,
                    direction: line.direction, allowsDifference: false)
            {
                record(
                    lines: [lineIndex], items: single, rule: .remittanceReference, confidence: confidence - 50,
                    fit: itemFit)
            } else if single.isEmpty {
                let total = open.reduce(Int128(0)) { $0 + items[$1].amount }
                if let groupFit = fit(
                    lineTotal: line.amount, itemTotal: total, direction: line.direction,
                    allowsDifference: false)
                {
                    record(
                        lines: [lineIndex], items: open, rule: .remittanceReference,
                        confidence: confidence - 50, fit: groupFit)
                }
            }
        }
    }

    mutating func buildTokenIndex() {
        guard itemsByToken.isEmpty else { return }
        for (itemIndex, prepared) in items.enumerated() {
            var tokens: Set<String> = []
            for number in inputItems[prepared.source].invoiceNumbers {
                let token = InvoiceNumber.normalised(number)
                if token.utf8.count >= minimumTokenLength { tokens.insert(token) }
            }
            if let reference = inputItems[prepared.source].creditorReference {
                if let rf = CreditorReference.validated(reference) {
                    tokens.insert(rf)
                } else if let qr = SwissQRReference.validated(reference) {
                    tokens.insert(qr)
                } else {
                    let token = InvoiceNumber.normalised(reference)
                    if token.utf8.count >= minimumTokenLength { tokens.insert(token) }
                }
            }
            for token in tokens { itemsByToken[token, default: []].append(itemIndex) }
        }
    }

    /// The items a line's remittance text names, in index order, and whether a check-digit reference named any.
    func referencedItems(_ line: PreparedLine) -> ([Int], Bool) {
        var found: Set<Int> = []
        var structured = false
        let text = inputLines[line.source].remittanceText
        for reference in CreditorReference.references(in: text) + SwissQRReference.references(in: text) {
            if let hits = itemsByToken[reference] {
                found.formUnion(hits)
                structured = true
            }
        }
        for token in textTokens(of: inputLines[line.source]) {
            if let hits = itemsByToken[token] { found.formUnion(hits) }
        }
        return (found.sorted(), structured)
    }

    // MARK: - Pass 4: amount, value date and counterparty

    /// O(I log I) to index by amount and date, O(L × (log I + candidates)) to match, with at most
    /// ``windowCandidatesMax`` candidates of one amount per window looked at.
    mutating func matchAmountDateCounterparty() {
        var byAmount = RangeIndex<AmountKey>()
        for itemIndex in items.indices where !itemUsed[itemIndex] {
            let item = items[itemIndex]
            byAmount.insert(
                AmountKey(
                    currency: inputItems[item.source].amount.currency, direction: inputItems[item.source].direction,
                    amount: item.amount),
                value: Int128(item.day), index: itemIndex)
        }
        byAmount.sort()
        for lineIndex in lines.indices where !lineUsed[lineIndex] && !inputLines[lines[lineIndex].source].isReturn {
            let line = lines[lineIndex]
            let key = AmountKey(
                currency: inputLines[line.source].amount.currency, direction: line.direction, amount: line.amount)
            var best: (item: Int, score: Int)?
            var tied = false
            let window = byAmount.members(
                of: key, from: Int128(line.day - settings.dateWindowDays),
                through: Int128(line.day + settings.dateWindowDays), limit: Self.windowCandidatesMax)
            for itemIndex in window where !itemUsed[itemIndex] {
                let item = items[itemIndex]
                guard withinWindow(line, item), let party = counterpartyScore(line, item) else { continue }
                // A closer date breaks ties between otherwise equal candidates.
                let score = party * 100 - abs(line.day - item.day)
                if let current = best {
                    if score > current.score {
                        best = (itemIndex, score)
                        tied = false
                    } else if score == current.score {
                        tied = true
                    }
                } else {
                    best = (itemIndex, score)
                }
            }
            guard let best, !tied else { continue }
            let party = counterpartyScore(line, items[best.item]) ?? 0
            record(
                lines: [lineIndex], items: [best.item], rule: .amountDateCounterparty,
                confidence: 600 + party * 3 / 10, fit: .exact)
        }
    }

    /// 1 for the same account; the name similarity when an account is missing on one side and the names are
    /// similar enough; nil otherwise (different accounts are different parties, whatever the names say).
    func counterpartyScore(_ line: PreparedLine, _ item: PreparedItem) -> Int? {
        if let lineAccount = line.accountKey, let itemAccount = item.accountKey {
            return lineAccount == itemAccount ? 1000 : nil
        }
        guard let lineName = line.nameKey, let itemName = item.nameKey else { return nil }
        let similarity = CounterpartyName.similarityPerMille(normalised: lineName, itemName)
        return similarity >= settings.nameSimilarityThresholdPerMille ? similarity : nil
    }

    // MARK: - Pass 5: one-to-many and many-to-one within a counterparty account

    /// O((L + I) log(L + I)) to index by account and date; per line or item the members of the date window
    /// (at most ``windowCandidatesMax`` looked at), the ``groupCandidatesMax`` nearest of them kept, and subsets
    /// of up to four (C(12, 4) = 495 sums): bounded work per line, however many items one account has.
    mutating func matchGroups() {
        var itemsByAccount = RangeIndex<String>()
        var itemsByAccountAmount = RangeIndex<String>()
        for itemIndex in items.indices where !itemUsed[itemIndex] {
            if let account = items[itemIndex].accountKey {
                itemsByAccount.insert(account, value: Int128(items[itemIndex].day), index: itemIndex)
                itemsByAccountAmount.insert(account, value: items[itemIndex].amount, index: itemIndex)
            }
        }
        itemsByAccount.sort()
        itemsByAccountAmount.sort()
        var linesByAccount = RangeIndex<String>()
        for lineIndex in lines.indices where !lineUsed[lineIndex] && !inputLines[lines[lineIndex].source].isReturn {
            if let account = lines[lineIndex].accountKey {
                linesByAccount.insert(account, value: Int128(lines[lineIndex].day), index: lineIndex)
            }
        }
        linesByAccount.sort()
        let windowDays = settings.dateWindowDays
        // One line: one item less a fee, or several items.
        for lineIndex in lines.indices where !lineUsed[lineIndex] && !inputLines[lines[lineIndex].source].isReturn {
            let line = lines[lineIndex]
            guard let account = line.accountKey else { continue }
            // One item less a fee: looked up by amount, so a busy account's crowd of other items cannot hide it.
            // The fee is below the larger of the two amounts' tolerances, which bounds the range.
            let tolerance = settings.feeToleranceMinorUnits(for: line.amount * 2)
            let amountRange =
                line.direction == .incoming
                ? (line.amount + 1, line.amount + tolerance) : (line.amount - tolerance, line.amount - 1)
            let feeFits = itemsByAccountAmount.members(
                of: account, from: amountRange.0, through: amountRange.1, limit: Self.windowCandidatesMax
            ).filter { !itemUsed[$0] && compatible(line, items[$0]) && withinWindow(line, items[$0]) }
            let single = uniqueSubset(
                of: feeFits, sizes: 1...1, amount: { items[$0].amount }, target: line.amount,
                direction: line.direction, linesAreSummed: false)
            // Several items: among the nearest in date.
            let candidates = nearest(
                itemsByAccount.members(
                    of: account, from: Int128(line.day - windowDays), through: Int128(line.day + windowDays),
                    limit: Self.windowCandidatesMax
                ).filter { !itemUsed[$0] && compatible(line, items[$0]) && items[$0].amount < line.amount },
                to: line.day, day: { items[$0].day })
            let several =
                single == nil && feeFits.isEmpty
                ? uniqueSubset(
                    of: candidates, sizes: 2...4, amount: { items[$0].amount }, target: line.amount,
                    direction: line.direction, linesAreSummed: false) : nil
            guard let (subset, fit) = single ?? several else { continue }
            record(
                lines: [lineIndex], items: subset, rule: .grouped, confidence: subset.count == 1 ? 800 : 750,
                fit: fit)
        }
        // Several lines for one item: a split or instalment payment.
        for itemIndex in items.indices where !itemUsed[itemIndex] {
            let item = items[itemIndex]
            guard let account = item.accountKey else { continue }
            let candidates = nearest(
                linesByAccount.members(
                    of: account, from: Int128(item.day - windowDays), through: Int128(item.day + windowDays),
                    limit: Self.windowCandidatesMax
                ).filter { !lineUsed[$0] && compatible(lines[$0], item) && lines[$0].amount < item.amount },
                to: item.day, day: { lines[$0].day })
            guard
                let (subset, fit) = uniqueSubset(
                    of: candidates, sizes: 2...4, amount: { lines[$0].amount },
                    target: item.amount, direction: inputItems[item.source].direction, linesAreSummed: true)
            else { continue }
            record(lines: subset, items: [itemIndex], rule: .grouped, confidence: 750, fit: fit)
        }
    }

    static let groupCandidatesMax = 12
    /// A bound on the candidates one line looks at in a date window (thousands of equal subscription amounts
    /// on one day must not make the pass quadratic); beyond it a person decides.
    static let windowCandidatesMax = 256

    /// The candidates closest in date (then by index), at most ``groupCandidatesMax``, in index order.
    func nearest(_ candidates: [Int], to day: Int, day dayOf: (Int) -> Int) -> [Int] {
        guard candidates.count > Self.groupCandidatesMax else { return candidates }
        return candidates.sorted { (abs(dayOf($0) - day), $0) < (abs(dayOf($1) - day), $1) }
            .prefix(Self.groupCandidatesMax).sorted()
    }

    /// The one subset of `candidates` (sizes in `sizes`, smallest size first) whose amounts settle `target`
    /// exactly or less a fee; nil when there is none or more than one at the smallest size that has any.
    func uniqueSubset(
        of candidates: [Int], sizes: ClosedRange<Int>, amount: (Int) -> Int128,
        target: Int128, direction: ReconciliationItem.Direction, linesAreSummed: Bool
    ) -> ([Int], AmountFit)? {
        for size in sizes where size <= candidates.count {
            var found: ([Int], AmountFit)?
            var count = 0
            var chosen: [Int] = []
            func search(from start: Int, sum: Int128) {
                guard count < 2 else { return }
                if chosen.count == size {
                    let fit =
                        linesAreSummed
                        ? self.fit(lineTotal: sum, itemTotal: target, direction: direction, allowsDifference: false)
                        : self.fit(lineTotal: target, itemTotal: sum, direction: direction, allowsDifference: false)
                    // One item with its exact amount belongs to pass 4; here only fees or groups.
                    if let fit, size > 1 || fit != .exact {
                        count += 1
                        found = (chosen, fit)
                    }
                    return
                }
                guard start < candidates.count else { return }
                for next in start..<candidates.count {
                    chosen.append(candidates[next])
                    search(from: next + 1, sum: sum + amount(candidates[next]))
                    chosen.removeLast()
                    if count >= 2 { return }
                }
            }
            search(from: 0, sum: 0)
            if count == 1, let found { return found }
            if count > 1 { return nil }
        }
        return nil
    }

    // MARK: - Result and exceptions

    /// Exceptions: per unmatched line, candidates from the id, amount (near in date), account (near in date) and
    /// reference indexes, each capped at 20: O(I log I + L × 100) at most.
    mutating func result() -> ReconciliationResult {
        let sortedMatches = matches.sorted { ($0.rule, $0.lineIDs[0]) < ($1.rule, $1.lineIDs[0]) }
        let unmatchedItemIDs = items.indices.filter { !itemUsed[$0] }.map { inputItems[items[$0].source].id }
        let unmatchedLines = lines.indices.filter { !lineMatched[$0] }
        guard settings.candidatesPerException > 0 else {
            return ReconciliationResult(
                matches: sortedMatches,
                exceptions: unmatchedLines.map {
                    ReconciliationException(lineID: inputLines[lines[$0].source].id, candidates: [])
                },
                unmatchedItemIDs: unmatchedItemIDs)
        }
        buildTokenIndex()
        var byAmount = RangeIndex<AmountKey>()
        var byAccount = RangeIndex<String>()
        for (itemIndex, item) in items.enumerated() {
            byAmount.insert(
                AmountKey(
                    currency: inputItems[item.source].amount.currency, direction: inputItems[item.source].direction,
                    amount: item.amount),
                value: Int128(item.day), index: itemIndex)
            if let account = item.accountKey { byAccount.insert(account, value: Int128(item.day), index: itemIndex) }
        }
        byAmount.sort()
        byAccount.sort()
        let exact = exactIndex()
        // Candidates come from a wider date range than the window: "value date 9 days off" is worth showing.
        let nearDays = Int128(max(settings.dateWindowDays, 0) * 4 + 7)
        var exceptions: [ReconciliationException] = []
        for lineIndex in unmatchedLines {
            let line = lines[lineIndex]
            let day = Int128(line.day)
            var pool: [Int] = []
            for id in inputLines[line.source].endToEndIDs.prefix(20) {
                if let item = exact.endToEnd[id], item >= 0 { pool.append(item) }
            }
            for id in inputLines[line.source].uetrs.prefix(20) {
                if let item = exact.uetr[id.lowercased()], item >= 0 { pool.append(item) }
            }
            let amountKey = AmountKey(
                currency: inputLines[line.source].amount.currency, direction: line.direction, amount: line.amount)
            pool += byAmount.members(of: amountKey, from: day - nearDays, through: day + nearDays, limit: 20)
            if let account = line.accountKey {
                pool += byAccount.members(of: account, from: day - nearDays, through: day + nearDays, limit: 20)
            }
            pool += referencedItems(line).0.prefix(20)
            let candidates = Set(pool).map { explain(line, items[$0], itemIndex: $0) }
                .sorted { ($1.scorePerMille, $0.itemID) < ($0.scorePerMille, $1.itemID) }
            exceptions.append(
                ReconciliationException(
                    lineID: inputLines[line.source].id,
                    candidates: Array(candidates.prefix(settings.candidatesPerException))))
        }
        return ReconciliationResult(matches: sortedMatches, exceptions: exceptions, unmatchedItemIDs: unmatchedItemIDs)
    }

    func explain(_ line: PreparedLine, _ item: PreparedItem, itemIndex: Int) -> ReconciliationCandidate {
        var reasons: [ReconciliationRejection] = []
        var score = 1000
        if itemUsed[itemIndex] {
            reasons.append(.alreadyMatched)
            score -= 300
        }
        if inputLines[line.source].amount.currency != inputItems[item.source].amount.currency {
            reasons.append(.currencyDiffers)
            score -= 500
        } else if line.amount != item.amount, let gap = Int64(exactly: line.amount - item.amount) {
            reasons.append(
                .amountDiffers(by: Money(minorUnits: gap, currency: inputItems[item.source].amount.currency)))
            score -= 250
        }
        if line.direction != inputItems[item.source].direction {
            reasons.append(.directionDiffers)
            score -= 500
        }
        let days = abs(line.day - item.day)
        if days > settings.dateWindowDays {
            reasons.append(.dateOutsideWindow(days: days, windowDays: settings.dateWindowDays))
            score -= 200
        }
        if let lineAccount = line.accountKey, let itemAccount = item.accountKey {
            if lineAccount != itemAccount {
                reasons.append(.accountDiffers)
                score -= 300
            }
        } else if let lineName = line.nameKey, let itemName = item.nameKey {
            let similarity = CounterpartyName.similarityPerMille(normalised: lineName, itemName)
            if similarity < settings.nameSimilarityThresholdPerMille {
                reasons.append(
                    .nameNotSimilar(
                        similarityPerMille: similarity, thresholdPerMille: settings.nameSimilarityThresholdPerMille))
                score -= 300 * (1000 - similarity) / 1000
            }
        } else {
            reasons.append(.noCounterparty)
            score -= 100
        }
        if reasons.isEmpty { reasons.append(.ambiguous) }
        return ReconciliationCandidate(
            itemID: inputItems[item.source].id, scorePerMille: max(0, score), reasons: reasons)
    }
}

/// Reference tokens shorter than this match too much by accident (`12`, `A1`).
let minimumTokenLength = 4

/// The normalised joins of one to four consecutive words of a line's remittance text and bank reference:
/// `INV 2024-001` yields `INV`, `2024`, `1`, `INV2024`, `20241`, `INV20241`. Cost O(words × 4).
func textTokens(of line: StatementLine) -> Set<String> {
    var tokens: Set<String> = []
    for text in [line.remittanceText, line.bankReference ?? ""] where !text.isEmpty {
        let words = alphanumericWords(text)
        for start in words.indices {
            var joined = ""
            for end in start..<min(words.count, start + 4) {
                joined += words[end]
                let token = InvoiceNumber.normalised(joined)
                if token.utf8.count >= minimumTokenLength { tokens.insert(token) }
            }
        }
    }
    return tokens
}

/// An account compared without spaces, punctuation or case.
func accountKey(_ account: String?) -> String? {
    guard let account else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(account.utf8.count)
    // Account identifiers are ASCII (IBAN, BBAN, local numbers): anything else is a separator.
    for byte in account.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(byte - 32)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
        default: continue
        }
    }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
}

/// Items by the ids PayHub sent; -1 marks an id two items share, which identifies neither.
struct ExactIDIndex {
    var endToEnd: [String: Int] = [:]
    var uetr: [String: Int] = [:]
    var instruction: [String: Int] = [:]

    static func add(_ id: String, _ item: Int, to index: inout [String: Int]) {
        if index.updateValue(item, forKey: id) != nil { index[id] = -1 }
    }
}

/// Indices grouped by a key, each group sorted by a value (a day, an amount), so the members within a range
/// are found by binary search: O(log n + range) instead of O(group).
struct RangeIndex<Key: Hashable> {
    private var groups: [Key: [(value: Int128, index: Int)]] = [:]

    mutating func insert(_ key: Key, value: Int128, index: Int) {
        groups[key, default: []].append((value, index))
    }

    /// Sorts every group by value, then index (deterministic whatever the insertion order).
    mutating func sort() {
        for key in Array(groups.keys) { groups[key]?.sort { ($0.value, $0.index) < ($1.value, $1.index) } }
    }

    /// The indices of `key` whose value lies in `low...high`, by value then index, at most `limit` of them.
    func members(of key: Key, from low: Int128, through high: Int128, limit: Int) -> [Int] {
        guard let group = groups[key], low <= high else { return [] }
        var first = 0
        var last = group.count
        while first < last {
            let middle = (first + last) / 2
            if group[middle].value < low { first = middle + 1 } else { last = middle }
        }
        var result: [Int] = []
        var position = first
        while position < group.count, result.count < limit, group[position].value <= high {
            result.append(group[position].index)
            position += 1
        }
        return result
    }
}
