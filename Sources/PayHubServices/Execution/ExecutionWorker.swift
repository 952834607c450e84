import BankConnectivity
import BankFormats
import Foundation
import Logging
import PayHubDomain
import PayHubStorage
import ServiceLifecycle

/// The background half of execution: plans approved payments into instructions, hands them to their
/// banks, and collects what the banks send back, in every `payhub serve` process at once.
///
/// All coordination goes through the job table: planning and each connection's collection are recurring
/// jobs (one row each, leased by one process at a time), and each instruction's sending is a job of its
/// own, so several processes on one PostgreSQL share the work without ever handing a file over twice
/// (see ``PaymentSender`` for what happens when one of them dies mid-way).
public struct ExecutionWorker: Service {
    public struct Settings: Sendable {
        /// How often each loop looks for work.
        public var interval: Duration = .seconds(2)
        /// How long a claimed job is this process's before another may take it over; renewed at each step.
        public var lease: TimeInterval = 60
        /// Send jobs claimed at a time.
        public var sendBatch = 8
        /// Whether this process plans approved payments (every process may; one does at a time).
        public var plans = true

        public init() {}
    }

    public static let planKind = "plan_instructions"
    public static let sendKind = "send_instruction"
    public static let collectKind = "collect_bank_files"

    /// The workers act as this principal: they may release payments to the bank, and nothing else is
    /// asked of them.
    public static let principal = Principal(kind: .system, actorID: "worker:execution", roles: [.treasurer], scope: .all)

    let hub: PaymentHub
    let planner: ExecutionPlanner
    let sender: PaymentSender
    let tracker: BankStatusTracker
    let connections: BankConnections
    let settings: Settings
    let owner: String
    let logger: Logger
    /// Payments already reported as impossible to plan, so the log says it once per process, not every pass.
    let unplannedReported = ReportedOnce()

    public init(
        hub: PaymentHub, planner: ExecutionPlanner, connections: BankConnections, settings: Settings = Settings(),
        logger: Logger
    ) {
        self.hub = hub
        self.planner = planner
        self.sender = PaymentSender(hub: hub, connections: connections)
        self.tracker = BankStatusTracker(hub: hub, logger: logger)
        self.connections = connections
        self.settings = settings
        // Unique per process and run, so a restarted process never mistakes an old lease for its own.
        self.owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
        self.logger = logger
    }

    var context: CallContext { CallContext(principal: Self.principal, origin: "worker:execution") }

    public func run() async throws {
        await SchemaReadiness.wait(for: hub.store)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await runOnce()
                try? await Task.sleep(for: settings.interval)
            }
        }
    }

    /// One pass of every loop: plan, send, collect. Errors are logged and retried on the next pass.
    public func runOnce() async {
        if settings.plans { await step("plan") { try await plan() } }
        await step("send") { try await sendDue() }
        await step("collect") { try await collectAll() }
    }

    private func step(_ name: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            logger.error(
                "execution step failed",
                metadata: ["step": "\(name)", "error_type": "\(type(of: error))", "error": "\(error)"])
        }
    }

    /// Plans approved payments (when this process holds the planning job) and queues a send job for every
    /// planned instruction, including those a crash left without one.
    func plan() async throws {
        let now = hub.clock.now()
        try await hub.store.enqueueJob(kind: Self.planKind, subjectID: "all", runAfter: now, now: now)
        for job in try await hub.store.claimJobs(
            kinds: [Self.planKind], owner: owner, now: now, lease: settings.lease, limit: 1)
        {
            var failure: String?
            do {
                let outcome = try await planner.plan(context: context)
                if !outcome.instructions.isEmpty {
                    logger.info("instructions planned", metadata: ["count": "\(outcome.instructions.count)"])
                }
                for (paymentID, reason) in outcome.unplanned where unplannedReported.insert(paymentID) {
                    logger.warning("approved payment cannot be planned", metadata: ["payment": "\(paymentID)", "reason": "\(reason)"])
                }
                CrashPoint.planAfterSave.reached()
                for id in try await hub.store.instructionIDs(in: .planned, limit: 10_000) {
                    try await hub.store.enqueueJob(kind: Self.sendKind, subjectID: id.rawValue, runAfter: now, now: hub.clock.now())
                }
            } catch {
                failure = "\(type(of: error)): \(error)"
                logger.error("planning failed", metadata: ["error": "\(error)"])
            }
            try await hub.store.requeueJob(
                job.id, owner: owner, runAfter: hub.clock.now().addingTimeInterval(settings.interval.timeInterval),
                now: hub.clock.now(), error: failure)
        }
    }

    func sendDue() async throws {
        let jobs = try await hub.store.claimJobs(
            kinds: [Self.sendKind], owner: owner, now: hub.clock.now(), lease: settings.lease, limit: settings.sendBatch)
        for job in jobs {
            let claim = JobClaim(jobID: job.id, owner: owner, lease: settings.lease)
            do {
                let id = try ID<StoredInstruction>(job.subjectID)
                let outcome = try await sender.send(id, claim: claim, context: context)
                logger.info("instruction handed to the bank", metadata: ["instruction": "\(id)", "outcome": "\(outcome.rawValue)"])
                try await hub.store.finishJob(job.id, owner: owner, now: hub.clock.now(), error: nil, retryAt: nil)
            } catch {
                // Never given up: the bank or the network may come back. Backs off to ten minutes.
                let delay = min(pow(2, Double(min(job.attempts, 10))), 600)
                logger.error(
                    "sending failed, will retry",
                    metadata: ["job": "\(job.id)", "attempt": "\(job.attempts)", "error": "\(error)"])
                try await hub.store.finishJob(
                    job.id, owner: owner, now: hub.clock.now(), error: "\(type(of: error)): \(error)",
                    retryAt: hub.clock.now().addingTimeInterval(delay))
            }
        }
    }

    func collectAll() async throws {
        for connection in connections.all {
            let now = hub.clock.now()
            try await hub.store.enqueueJob(kind: Self.collectKind, subjectID: connection.name, runAfter: now, now: now)
            for job in try await hub.store.claimJobs(
                kinds: [Self.collectKind], owner: owner, now: now, lease: settings.lease, limit: 1)
            {
                var failure: String?
                do {
                    try await collect(connection)
                } catch {
                    failure = "\(type(of: error)): \(error)"
                    logger.error("collecting bank files failed", metadata: ["connection": "\(connection.name)", "error": "\(error)"])
                }
                try await hub.store.requeueJob(
                    job.id, owner: owner, runAfter: hub.clock.now().addingTimeInterval(settings.interval.timeInterval),
                    now: hub.clock.now(), error: failure)
            }
        }
    }

    /// Applies every file the bank left, then acknowledges it. A file applied but not acknowledged (a crash
    /// in between) is recognised by its hash next time and only acknowledged.
    public func collect(_ connection: BankConnection) async throws {
        for file in try await connection.connector.incomingFiles() {
            CrashPoint.collectAfterFetch.reached()
            do {
                let applied = try await tracker.apply(file, connection: connection.name, context: context)
                if case .applied(let kind, let outcome) = applied {
                    logger.info(
                        "bank file applied",
                        metadata: [
                            "file": "\(file.name)", "kind": "\(kind)", "moved": "\(outcome.moved)",
                            "unchanged": "\(outcome.unchanged)",
                        ])
                }
            } catch let error as FormatError {
                // Left with the bank for a person to look at; the other files go on.
                logger.error("bank file unreadable", metadata: ["file": "\(file.name)", "error": "\(error)"])
                continue
            }
            CrashPoint.collectAfterApply.reached()
            try await connection.connector.acknowledge(file)
        }
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

/// Ids reported once; shared by the worker's passes.
final class ReportedOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<ID<Payment>> = []

    /// True the first time `id` is inserted.
    func insert(_ id: ID<Payment>) -> Bool { lock.withLock { seen.insert(id).inserted } }
}
