import Foundation
import HTTPTypes
import Hummingbird
import PayHubDomain
import PayHubServices
import PayHubStorage

// Sanctions lists in by upload (every vendor screened again against each), the lists loaded, and a
// vendor's screening. Payments to a vendor with a potential match are held at submission (see
// `SanctionsService.findings(for:at:)`) and released through the payment verbs.

extension PayHubAPI {
    /// The EU consolidated list's XML runs to tens of megabytes, OFAC's three files to about ten.
    static let sanctionsListBodyLimit = 128 * 1024 * 1024

    func addSanctionsRoutes(to table: inout RouteTable) {
        let sanctions = SanctionsService(hub: hub)

        table.add(
            .post, "/api/v1/sanctions_lists", .requires(.sanctionsManage),
            "Load a sanctions list version and screen every vendor against it"
        ) { request, context in
            let query = ListQuery(request)
            guard let source = try query.value("source", as: SanctionsList.Source.self) else {
                throw Problem.badRequest([
                    FieldError(
                        path: "source", code: "missing_field",
                        message: "source is required: ofac_sdn or eu_consolidated")
                ])
            }
            // Screened with the threshold and embargoed countries of the controls' settings in force.
            let load = try await SanctionsService.inForce(hub: hub).loadList(
                source: source, files: try await Self.sanctionsListFiles(request), version: try query.string("version"),
                context: try context.caller())
            return try JSONBody.response(SanctionsListLoadResource(load), status: .created)
        }
        table.add(.get, "/api/v1/sanctions_lists", .requires(.vendorsRead), "The loaded sanctions lists, newest first")
        {
            _, context in
            let lists = try await sanctions.lists(context: try context.caller())
            return try JSONBody.response(
                ListResource(data: lists.map { SanctionsListResource($0.list, inForce: $0.inForce) }, nextCursor: nil))
        }
        table.add(
            .get, "/api/v1/vendors/:id/screening", .requires(.vendorsRead),
            "A vendor's latest sanctions screening against each list"
        ) { _, context in
            let (vendor, screenings) = try await sanctions.screenings(
                ofVendor: try context.id(), context: try context.caller())
            return try JSONBody.response(
                VendorScreeningResource(
                    vendorID: vendor.id.rawValue,
                    screenings: try screenings.map {
                        try .init($0.record, listInForce: $0.listInForce, isCurrent: $0.isCurrent)
                    }))
        }
    }

    /// The list's files: a `multipart/form-data` upload with the list as `file` (or `sdn`) and, for OFAC,
    /// the aliases as `alt` and the addresses as `add`; or the one file as the whole body.
    static func sanctionsListFiles(_ request: Request) async throws -> SanctionsListFiles {
        let isMultipart = request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") ?? false
        guard isMultipart else {
            let buffer = try await request.body.collect(upTo: sanctionsListBodyLimit)
            guard buffer.readableBytes > 0 else {
                throw Problem.badRequest([
                    FieldError(path: "", code: "empty_body", message: "send the list file as the body")
                ])
            }
            return SanctionsListFiles(content: Data(buffer.readableBytesView))
        }
        let form = try await MultipartForm.read(request, limit: sanctionsListBodyLimit)
        func part(_ names: String...) -> Data? { form.parts.first { names.contains($0.name) }?.body }
        guard let content = part("file", "sdn"), !content.isEmpty else {
            throw Problem.badRequest([
                FieldError(
                    path: "file", code: "missing_field", message: "attach the list as `file` (SDN.CSV or the EU XML)")
            ])
        }
        return SanctionsListFiles(content: content, alternateNames: part("alt"), addresses: part("add"))
    }
}

struct SanctionsListResource: Encodable, Sendable {
    let id: String
    let source: String
    let version: String
    let entryCount: Int
    let inForce: Bool
    let loadedBy: String
    let loadedAt: String

    enum CodingKeys: String, CodingKey {
        case id, source, version
        case entryCount = "entry_count"
        case inForce = "in_force"
        case loadedBy = "loaded_by"
        case loadedAt = "loaded_at"
    }

    init(_ list: StoredSanctionsList, inForce: Bool) {
        id = list.id.rawValue
        source = list.source.rawValue
        version = list.version
        entryCount = list.entryCount
        self.inForce = inForce
        loadedBy = list.loadedBy
        loadedAt = Timestamp.iso8601(list.loadedAt)
    }
}

struct SanctionsListLoadResource: Encodable, Sendable {
    struct Rescreen: Encodable, Sendable {
        let vendorsScreened: Int
        let potentialMatches: Int
        let newMatches: Int
        let cleared: Int

        enum CodingKeys: String, CodingKey {
            case cleared
            case vendorsScreened = "vendors_screened"
            case potentialMatches = "potential_matches"
            case newMatches = "new_matches"
        }
    }

    let list: SanctionsListResource
    @ExplicitNull var previousVersion: String?
    let rescreen: Rescreen

    enum CodingKeys: String, CodingKey {
        case list, rescreen
        case previousVersion = "previous_version"
    }

    init(_ load: SanctionsListLoad) {
        list = SanctionsListResource(load.list, inForce: true)
        previousVersion = load.previous?.version
        rescreen = Rescreen(
            vendorsScreened: load.vendorsScreened, potentialMatches: load.potentialMatches, newMatches: load.newMatches,
            cleared: load.cleared)
    }
}

struct VendorScreeningResource: Encodable, Sendable {
    struct Screening: Encodable, Sendable {
        let list: SanctionsListResource
        let outcome: String
        let current: Bool
        @ExplicitNull var topScore: Double?
        let threshold: Double
        let screenedAt: String
        let hits: EmbeddedJSON

        enum CodingKeys: String, CodingKey {
            case list, outcome, current, threshold, hits
            case topScore = "top_score"
            case screenedAt = "screened_at"
        }

        init(_ record: VendorScreeningRecord, listInForce: Bool, isCurrent: Bool) throws {
            list = SanctionsListResource(record.list, inForce: listInForce)
            outcome = record.screening.outcome.rawValue
            current = isCurrent
            topScore = record.screening.topScoreValue
            threshold = record.screening.thresholdValue
            screenedAt = Timestamp.iso8601(record.screening.screenedAt)
            hits = try EmbeddedJSON(parsing: record.screening.hitsJSON)
        }
    }

    let vendorID: String
    let screenings: [Screening]

    enum CodingKeys: String, CodingKey {
        case screenings
        case vendorID = "vendor_id"
    }
}
