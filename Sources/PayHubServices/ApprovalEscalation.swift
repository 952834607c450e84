import Foundation
import Logging
import PayHubDomain
import PayHubStorage
import ServiceLifecycle

extension ApprovalService {
    /// Raises an escalation for every approval step that has waited longer than its policy's
    /// `escalate_after_hours`: one audit event and one feed event (`payment.approval_escalated`, which
    /// webhooks and alerts pick up) per step, once. Returns the payments escalated.
    public func escalateOverdueSteps(limit: Int = 500) async throws -> [ID<Payment>] {
        let now = clock.now()
        var escalated: [ID<Payment>] = []
        for round in try await store.awaitingRounds(scope: .all, statuses: [.awaiting], limit: limit) {
            // An awaiting round is its payment's latest: a new round supersedes the one before.
            let actions = try await store.approvalActions(of: round.paymentID, round: round.round)
            guard let chain = try? replay(round, actions), let overdue = chain.overdueStep(at: now),
                round.escalatedStage != overdue.stage,
                let payment = try await store.payment(round.paymentID, scope: .all), payment.state == .pendingApproval
            else { continue }
            var progress = round
            progress.escalatedStage = overdue.stage
            progress.updatedAt = now
            let step = chain.stages[overdue.stage].step
            let details: [String: String?] = [
                "stage": String(overdue.stage), "step": step.name ?? step.description,
                "waiting_since": Timestamp.iso8601(overdue.waitingSince),
                "overdue_since": Timestamp.iso8601(overdue.overdueSince), "limit_hours": String(overdue.limitHours),
            ]
            var audit = AuditEntry(
                action: "payment.approval_escalated", objectType: "payment", objectID: payment.id.rawValue,
                entityID: payment.entityID.rawValue, after: CanonicalJSON.object(details))
            audit.events = [
                EventDraft(
                    type: "payment.approval_escalated", objectType: "payment", objectID: payment.id.rawValue,
                    entityID: payment.entityID.rawValue, objectJSON: CanonicalJSON.string(PaymentResource(payment)),
                    previousJSON: CanonicalJSON.object(details))
            ]
            _ = try await store.writeApprovalStep(
                ApprovalWrite(paymentID: payment.id, roundProgress: progress, audit: audit),
                context: AuditContext(principal: .system, origin: "escalation", occurredAt: now))
            escalated.append(payment.id)
        }
        return escalated
    }
}

/// Looks for overdue approval steps every minute (see ``ApprovalService/escalateOverdueSteps(limit:)``).
public struct ApprovalEscalator: Service {
    let approvals: ApprovalService
    let interval: Duration
    let logger: Logger

    public init(hub: PaymentHub, interval: Duration = .seconds(60), logger: Logger) {
        self.approvals = ApprovalService(hub: hub)
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await SchemaReadiness.wait(for: approvals.hub.store)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let escalated = try await approvals.escalateOverdueSteps()
                    if !escalated.isEmpty { logger.info("approval steps escalated", metadata: ["count": "\(escalated.count)"]) }
                } catch {
                    logger.error("approval escalation failed", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
