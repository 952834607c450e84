import Foundation
import Logging
import PayHubDomain
import PayHubStorage
import ServiceLifecycle
import Yams

/// How one ERP wants its payment results laid out: which columns, in which encoding and separator.
///
/// Layouts are YAML files (`Resources/result-layouts/*.yaml`, or a company's own folder) that name the
/// ERP sources they serve; a source without a layout of its own gets `default`.
public struct ResultFileLayout: Sendable, Hashable, Codable {
    public enum Format: String, Sendable, Hashable, Codable { case csv, json }
    public enum Encoding: String, Sendable, Hashable, Codable { case utf8, gb18030 }

    /// A value a result row can carry.
    public enum Field: String, Sendable, Hashable, Codable, CaseIterable {
        case externalID = "external_id"
        case invoiceNumber = "invoice_number"
        /// `paid` (settled), `rejected` (refused in approval, with the reason), `returned` (sent back by the
        /// creditor's bank), `failed` (refused by the bank) or `cancelled`.
        case status
        case reason
        case amount
        case currency
        case paymentID = "payment_id"
        case endToEndID = "end_to_end_id"
        /// Known once reconciliation books the statement entry; empty until then.
        case valueDate = "value_date"
        case bankReference = "bank_reference"
        case eventID = "event_id"
        case occurredAt = "occurred_at"
    }

    public struct Column: Sendable, Hashable, Codable {
        public var header: String
        public var field: Field
    }

    public var name: String
    /// The ERP sources (`source` of their mapping profiles) that get this layout.
    public var sources: [String]
    public var format: Format
    public var encoding: Encoding?
    public var delimiter: String?
    /// Words for the statuses as the ERP expects them (`paid: 已付款`); the status itself otherwise.
    public var statusNames: [String: String]?
    public var columns: [Column]

    enum CodingKeys: String, CodingKey {
        case name, sources, format, encoding, delimiter, columns
        case statusNames = "status_names"
    }
}

/// One paid, rejected or returned payable, as a result file reports it.
public struct PaymentResult: Sendable, Hashable {
    public var values: [ResultFileLayout.Field: String]
}

extension ResultFileLayout {
    public static func load(yaml: String) throws -> ResultFileLayout {
        try YAMLDecoder().decode(ResultFileLayout.self, from: yaml)
    }

    /// The shipped layouts, plus any in `folder`, by name.
    public static func catalog(folder: URL? = nil) throws -> [String: ResultFileLayout] {
        var layouts: [String: ResultFileLayout] = [:]
        for directory in [Bundle.module.url(forResource: "result-layouts", withExtension: nil), folder].compactMap({ $0 }) {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            where name.hasSuffix(".yaml") {
                let layout = try load(yaml: String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
                layouts[layout.name] = layout
            }
        }
        return layouts
    }

    /// The file's bytes. CSV fields are quoted when they hold the separator, a quote or a line break.
    public func render(_ rows: [PaymentResult]) throws -> Data {
        switch format {
        case .json:
            let objects = rows.map { row in
                Dictionary(uniqueKeysWithValues: columns.map { ($0.header, row.values[$0.field] ?? "") })
            }
            return try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted])
        case .csv:
            let separator = delimiter ?? ","
            func quoted(_ value: String) -> String {
                guard value.contains(separator) || value.contains("\"") || value.contains("\n") || value.contains("\r")
                else { return value }
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            var text = columns.map { quoted($0.header) }.joined(separator: separator) + "\r\n"
            for row in rows {
                text += columns.map { column in
                    var value = row.values[column.field] ?? ""
                    if column.field == .status { value = statusNames?[value] ?? value }
                    return quoted(value)
                }.joined(separator: separator) + "\r\n"
            }
            switch encoding ?? .utf8 {
            case .utf8: return Data(text.utf8)
            case .gb18030:
                guard let data = text.data(using: String.Encoding(rawValue: 0x8000_0632)) else {
                    throw CocoaError(.fileWriteInapplicableStringEncoding)
                }
                return data
            }
        }
    }
}

/// Writes payment results for ERPs that prefer files: per ERP source, a file of the payables whose
/// payment was paid, rejected, returned, failed or cancelled, in that ERP's layout, into
/// `<outbox>/<source>/`.
///
/// Files are written under a temporary name, synced and renamed, so an ERP never reads half a file. A
/// file's name is the range of events it covers; if PayHub stops between writing it and recording that,
/// the next round writes the same name with the same rows, and the ERP sees one file.
public struct ResultFileWriter: Service {
    public static let consumer = "result-files"
    static let outcomes: [String: String] = [
        "payment.settled": "paid", "payment.rejected": "rejected", "payment.returned": "returned",
        "payment.failed": "failed", "payment.cancelled": "cancelled",
    ]

    let store: any PayHubStore
    let outbox: URL
    let layouts: [String: ResultFileLayout]
    let clock: Clock
    let pollInterval: Duration
    let logger: Logger

    public init(
        store: any PayHubStore, outbox: URL, layouts: [String: ResultFileLayout], clock: Clock = .system,
        pollInterval: Duration = .seconds(5), logger: Logger
    ) {
        self.store = store
        self.outbox = outbox
        self.layouts = layouts
        self.clock = clock
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await SchemaReadiness.wait(for: store)
        do {
            try await startAtHeadIfNew()
        } catch {
            logger.error("result files could not start", metadata: ["error_type": "\(type(of: error))"])
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    while try await writeOnce() > 0 {}
                } catch {
                    logger.error("result files failed", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    /// The first time result files are switched on, they start with what happens from then on: an ERP
    /// connected to a database with years of history is not sent all of it. (To send history, set the
    /// `result-files` row of `feed_cursors` back.)
    public func startAtHeadIfNew() async throws {
        guard try await store.feedCursor(Self.consumer) == 0 else { return }
        let head = try await store.feedHead()
        guard head > 0 else { return }
        try await store.advanceFeedCursor(Self.consumer, from: 0, to: head, at: clock.now())
    }

    /// Reads the next events and writes their files; returns how many events it covered.
    @discardableResult
    public func writeOnce(limit: Int = 1000) async throws -> Int {
        let cursor = try await store.feedCursor(Self.consumer)
        let events = try await store.events(
            after: cursor, limit: limit, filter: EventFilter(types: Array(Self.outcomes.keys)), scope: .all)
        guard let last = events.last else { return 0 }
        var rowsBySource: [String: [PaymentResult]] = [:]
        for event in events {
            for (source, row) in try await results(of: event) { rowsBySource[source, default: []].append(row) }
        }
        for (source, rows) in rowsBySource.sorted(by: { $0.key < $1.key }) {
            let layout = layouts.values.first { $0.sources.contains(source) } ?? layouts["default"]
            guard let layout else { continue }
            let folder = outbox.appendingPathComponent(Self.safeName(source), isDirectory: true)
            let name = "payhub-results-\(String(format: "%012lld", events[0].cursor))-\(String(format: "%012lld", last.cursor))"
            try AtomicFile.write(
                try layout.render(rows), to: folder.appendingPathComponent(name + (layout.format == .json ? ".json" : ".csv")))
        }
        try await store.advanceFeedCursor(Self.consumer, from: cursor, to: last.cursor, at: clock.now())
        return events.count
    }

    /// One row per payable of the payment, attributed to the ERP the payable came from.
    private func results(of event: FeedEvent) async throws -> [(String, PaymentResult)] {
        guard let status = Self.outcomes[event.type],
            let object = try JSONSerialization.jsonObject(with: Data(event.objectJSON.utf8)) as? [String: Any],
            let payableIDs = object["payable_ids"] as? [String]
        else { return [] }
        let previous = event.previousJSON.flatMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        var rows: [(String, PaymentResult)] = []
        for text in payableIDs {
            guard let id = try? ID<Payable>(text), let payable = try await store.payable(id, scope: .all) else { continue }
            rows.append(
                (
                    payable.source.system,
                    PaymentResult(values: [
                        .externalID: payable.source.externalID, .invoiceNumber: payable.invoiceNumber, .status: status,
                        .reason: previous?["reason"] as? String ?? "", .amount: payable.amount.decimalString,
                        .currency: payable.amount.currency.code, .paymentID: object["id"] as? String ?? "",
                        .endToEndID: object["end_to_end_id"] as? String ?? "", .valueDate: "", .bankReference: "",
                        .eventID: event.id.rawValue, .occurredAt: Timestamp.iso8601(event.createdAt),
                    ])
                ))
        }
        return rows
    }

    /// A source name as a folder name: letters, digits, `-`, `_` and `.` only.
    static func safeName(_ source: String) -> String {
        String(source.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }
}

/// Writing a file so that readers see all of it or none: a temporary name in the same folder, fsync,
/// rename, then fsync of the folder so the rename itself survives a power cut.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).part")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        let descriptor = open(folder.path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}
