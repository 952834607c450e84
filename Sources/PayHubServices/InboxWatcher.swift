import BankFormats
import Foundation
import Logging
import PayHubDomain
import PayHubStorage
import ServiceLifecycle

/// Imports the files ERPs drop into a watched folder, one folder per ERP source and entity:
///
/// ```
/// <inbox>/<profile>/<entity id>/AP_20261129.csv      ← the ERP writes here
/// <inbox>/<profile>/<entity id>/processed/imp_…-AP_20261129.csv (+ .report.json)
/// <inbox>/<profile>/<entity id>/failed/AP_20261129.csv (+ .report.json)   ← unreadable file
/// ```
///
/// A file is taken only once its size and modification time have stayed the same for one poll, so a
/// file still being written (or copied over a network share) is not read half-way. Names starting with
/// `.` or ending in `.part`/`.tmp` are never taken: that is how well-behaved writers mark unfinished files.
public struct InboxWatcher: Service {
    let importer: ERPImporter
    let profiles: MappingProfileCatalog
    let inbox: URL
    let pollInterval: Duration
    let logger: Logger
    /// The importer acts as this principal: it may import and nothing else.
    static let principal = Principal(kind: .system, actorID: "worker:inbox", roles: [.integration], scope: .all)

    public init(
        hub: PaymentHub, profiles: MappingProfileCatalog, inbox: URL, pollInterval: Duration = .seconds(2),
        logger: Logger
    ) {
        importer = ERPImporter(hub: hub)
        self.profiles = profiles
        self.inbox = inbox
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await SchemaReadiness.wait(for: importer.hub.store)
        await cancelWhenGracefulShutdown {
            var seen: [String: FileSignature] = [:]
            while !Task.isCancelled {
                do {
                    seen = try await scanOnce(previous: seen)
                } catch {
                    logger.error("inbox scan failed", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    /// What a file looked like at the last scan.
    public struct FileSignature: Sendable, Hashable {
        let size: Int
        let modified: Date
    }

    /// Imports every file that was already there, unchanged, at the previous scan; returns what it saw
    /// now, for the next one.
    public func scanOnce(previous: [String: FileSignature]) async throws -> [String: FileSignature] {
        var current: [String: FileSignature] = [:]
        let manager = FileManager.default
        for profileName in try Self.folders(in: inbox) {
            guard let profile = profiles.profiles[profileName] else {
                logger.warning("inbox folder names no mapping profile", metadata: ["folder": "\(profileName)"])
                continue
            }
            let profileFolder = inbox.appendingPathComponent(profileName, isDirectory: true)
            for entity in try Self.folders(in: profileFolder) {
                let folder = profileFolder.appendingPathComponent(entity, isDirectory: true)
                for name in try manager.contentsOfDirectory(atPath: folder.path).sorted() where Self.isCandidate(name) {
                    let file = folder.appendingPathComponent(name)
                    let attributes = try manager.attributesOfItem(atPath: file.path)
                    guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
                    let signature = FileSignature(
                        size: (attributes[.size] as? NSNumber)?.intValue ?? -1,
                        modified: attributes[.modificationDate] as? Date ?? .distantPast)
                    guard previous[file.path] == signature else {
                        current[file.path] = signature
                        continue
                    }
                    try await take(file, profile: profile, entity: entity, in: folder)
                }
            }
        }
        return current
    }

    private func take(_ file: URL, profile: MappingProfile, entity: String, in folder: URL) async throws {
        let (destination, report) = await importAndReport(file, profile: profile, entity: entity, in: folder)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(report, to: destination.appendingPathExtension("report.json"))
        try FileManager.default.moveItem(at: file, to: destination)
    }

    /// Imports the file; says where it goes next and what to write beside it.
    private func importAndReport(_ file: URL, profile: MappingProfile, entity: String, in folder: URL) async
        -> (URL, Data)
    {
        let context = CallContext(principal: Self.principal, origin: "worker:inbox \(file.lastPathComponent)")
        do {
            let result = try await importer.run(
                ImportRequest(
                    entityID: entity, profile: profile, fileName: file.lastPathComponent, input: .file(file),
                    channel: .folder),
                context: context)
            let run = result.run
            logger.info(
                "inbox file imported",
                metadata: ["import": "\(run.id)", "state": "\(run.state.rawValue)", "rejected": "\(run.counts.rejected)"])
            let subfolder = run.state == .failed ? "failed" : "processed"
            let report: [String: Any] = [
                "import_id": run.id.rawValue, "state": run.state.rawValue, "records": run.counts.records,
                "accepted": run.counts.accepted, "updated": run.counts.updated, "duplicates": run.counts.duplicates,
                "rejected": run.counts.rejected, "failure": run.failure as Any? ?? NSNull(),
            ]
            return (
                folder.appendingPathComponent(subfolder, isDirectory: true)
                    .appendingPathComponent("\(run.id)-\(file.lastPathComponent)"),
                (try? JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])) ?? Data()
            )
        } catch {
            // Refused before any import began (no such entity, no permission): keep the file, say why beside it.
            logger.warning("inbox file refused", metadata: ["file": "\(file.lastPathComponent)"])
            let report = ["failure": String(describing: error)]
            return (
                folder.appendingPathComponent("failed", isDirectory: true).appendingPathComponent(file.lastPathComponent),
                (try? JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])) ?? Data()
            )
        }
    }

    static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".part") && !name.hasSuffix(".tmp") && !name.hasSuffix(".report.json")
    }

    static func folders(in url: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: url.path).sorted().filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && name != "processed" && name != "failed"
                && FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }
}

/// Small periodic chores: idempotency keys past their 24 hours are deleted.
public struct Housekeeping: Service {
    let store: any PayHubStore
    let clock: Clock
    let interval: Duration
    let logger: Logger

    public init(store: any PayHubStore, clock: Clock = .system, interval: Duration = .seconds(600), logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await SchemaReadiness.wait(for: store)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let purged = try await store.purgeIdempotencyKeys(expiredBy: clock.now())
                    if purged > 0 { logger.info("expired idempotency keys purged", metadata: ["count": "\(purged)"]) }
                } catch {
                    logger.error("housekeeping failed", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}

/// Workers start with the server, while the schema may still be migrating: they wait until it is there.
public enum SchemaReadiness {
    public static func wait(for store: any PayHubStore) async {
        while !Task.isCancelled {
            if let applied = try? await store.appliedMigrations(), applied == Schema.migrations.map(\.id) { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
