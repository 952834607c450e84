import Foundation

/// One person's approval authority lent to another for a while: `from` is away, `to` signs for them.
///
/// While in force (``validFrom`` ≤ time < ``validUntil``, and for ``entityID`` if one is given), the
/// delegate may approve in the delegator's place, with the delegator's roles and groups. The approval
/// records both people. It lends authority, not identity: the delegate still may not approve a payment
/// they initiated, and delegate and delegator count as one person in a chain, so that nobody signs
/// twice through a stand-in (see ``ApprovalChainState``).
public struct Delegation: Hashable, Sendable {
    /// The delegator, whose authority is lent.
    public var from: ActorID
    /// The delegate, who acts.
    public var to: ActorID
    /// The first instant the delegation counts.
    public var validFrom: Date
    /// The first instant it no longer counts.
    public var validUntil: Date
    /// Only for payments of this entity; every entity the delegator may act for when nil.
    public var entityID: ID<LegalEntity>?

    /// A delegation; refused when someone delegates to themselves or the window is empty.
    public init(
        from: ActorID, to: ActorID, validFrom: Date, validUntil: Date, entityID: ID<LegalEntity>? = nil
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        if from == to { problems.add("to", code: "self_delegation", "a user cannot delegate to themselves") }
        if validUntil <= validFrom {
            problems.add("valid_until", code: "empty_window", "valid_until must be after valid_from")
        }
        try problems.throwIfAny()
        self.from = from
        self.to = to
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.entityID = entityID
    }

    /// Whether the delegation lets ``to`` act for ``from`` at `time` on a payment of `entity`.
    ///
    /// Checked again here, not only in the initialiser, because a delegation may be restored from
    /// storage or edited field by field.
    public func isInForce(at time: Date, for entity: ID<LegalEntity>) -> Bool {
        from != to && validFrom <= time && time < validUntil && (entityID.map { $0 == entity } ?? true)
    }
}
