import BankFormats
import Foundation
import HTTPTypes
import Hummingbird
import PayHubDomain
import PayHubServices
import PayHubStorage

// ERP files in by upload, with their reports and the quarantine of rejected rows.

extension PayHubAPI {
    /// ERP exports run to tens of megabytes; this is the largest upload the import route reads.
    static let importBodyLimit = 256 * 1024 * 1024

    func addImportRoutes(to table: inout RouteTable) {
        let importer = ERPImporter(hub: hub)
        let profiles = self.profiles

        table.add(.post, "/api/v1/imports", .requires(.importsWrite), "Import an ERP file with a mapping profile") {
            request, context in
            let upload = try await MultipartForm.read(request, limit: Self.importBodyLimit)
            func field(_ name: String) throws -> String {
                guard let value = upload.text(name), !value.isEmpty else {
                    throw Problem.badRequest([FieldError(path: name, code: "missing_field", message: "\(name) is required")])
                }
                return value
            }
            guard let file = upload.parts.first(where: { $0.name == "file" }) else {
                throw Problem.badRequest([FieldError(path: "file", code: "missing_field", message: "attach the file as `file`")])
            }
            let profileName = try field("profile")
            guard let profile = profiles.profiles[profileName] else {
                throw Problem.validation([
                    FieldError(
                        path: "profile", code: "unknown_profile",
                        message: "no mapping profile \"\(profileName.prefix(60))\"; GET /api/v1/profiles lists them")
                ])
            }
            let allOrNothing = upload.text("all_or_nothing").map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
            let report = try await importer.run(
                ImportRequest(
                    entityID: try field("entity_id"), profile: profile, fileName: file.fileName ?? "upload",
                    data: file.body, channel: .api, allOrNothing: allOrNothing),
                context: try context.caller())
            return try JSONBody.response(ImportResource(report), status: .created)
        }
        table.add(.get, "/api/v1/imports", .requires(.importsRead), "List imports") { request, context in
            let page = try await importer.importRuns(try ListQuery(request).page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map { ImportResource($0) }, nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(.get, "/api/v1/imports/:id", .requires(.importsRead), "Get an import's report") { _, context in
            try JSONBody.response(ImportResource(try await importer.importRun(try context.id(), context: try context.caller())))
        }
        table.add(.get, "/api/v1/imports/:id/rejections", .requires(.importsRead), "An import's rejected rows") {
            request, context in
            let query = ListQuery(request)
            let page = try await importer.rejections(
                of: try context.id(), state: try query.value("state", as: QuarantinedRow.State.self), try query.page(),
                context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map(RejectionResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(
            .post, "/api/v1/import_rejections/:id/resubmit", .requires(.importsWrite), "Resubmit a corrected rejected row"
        ) { request, context in
            let correction = try await JSONBody.decode(ImportCorrection.self, from: request, context: context)
            let (row, _) = try await importer.resubmit(try context.id(), correction, context: try context.caller())
            return try JSONBody.response(RejectionResource(row))
        }
        table.add(
            .post, "/api/v1/import_rejections/:id/discard", .requires(.importsWrite), "Discard a rejected row, with a reason"
        ) { request, context in
            let body = try await JSONBody.decode(TransitionRequest.self, from: request, context: context)
            return try JSONBody.response(
                RejectionResource(
                    try await importer.discard(try context.id(), reason: body.reason ?? "", context: try context.caller())))
        }
        table.add(
            .get, "/api/v1/profiles", .requires(.importsRead), "List the mapping profiles imports can use"
        ) { _, _ in
            try JSONBody.response(
                ProfileListResource(data: profiles.profiles.values.sorted { $0.name < $1.name }.map(ProfileResource.init)))
        }
    }
}

struct ImportResource: Encodable {
    struct Counts: Encodable {
        let records, accepted, updated, duplicates, rejected: Int
    }

    let id: String
    let entityID: String
    let source: String
    let profile: String
    let fileName: String
    let fileSHA256: String
    let channel: String
    let allOrNothing: Bool
    let state: String
    let counts: Counts
    @ExplicitNull var failure: String?
    let createdBy: String
    let createdAt: String
    @ExplicitNull var finishedAt: String?
    let rejections: [RejectionResource]?

    enum CodingKeys: String, CodingKey {
        case id, source, profile, channel, state, counts, failure, rejections
        case entityID = "entity_id"
        case fileName = "file_name"
        case fileSHA256 = "file_sha256"
        case allOrNothing = "all_or_nothing"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }

    init(_ run: ImportRun, rejections: [QuarantinedRow]? = nil) {
        id = run.id.rawValue
        entityID = run.entityID.rawValue
        source = run.source
        profile = run.profile
        fileName = run.fileName
        fileSHA256 = run.fileSHA256
        channel = run.channel.rawValue
        allOrNothing = run.allOrNothing
        state = run.state.rawValue
        counts = Counts(
            records: run.counts.records, accepted: run.counts.accepted, updated: run.counts.updated,
            duplicates: run.counts.duplicates, rejected: run.counts.rejected)
        failure = run.failure
        createdBy = run.createdBy
        createdAt = Timestamp.iso8601(run.createdAt)
        finishedAt = run.finishedAt.map(Timestamp.iso8601)
        self.rejections = rejections?.map(RejectionResource.init)
    }

    init(_ report: ImportReport) { self.init(report.run, rejections: report.rejections) }
}

struct RejectionResource: Encodable {
    let id: String
    let importID: String
    let line: Int
    let location: String
    let raw: String
    let errors: [FieldError]
    let state: String
    @ExplicitNull var resolvedBy: String?
    @ExplicitNull var resolvedAt: String?
    @ExplicitNull var resolution: String?

    enum CodingKeys: String, CodingKey {
        case id, line, location, raw, errors, state, resolution
        case importID = "import_id"
        case resolvedBy = "resolved_by"
        case resolvedAt = "resolved_at"
    }

    init(_ row: QuarantinedRow) {
        id = row.id.rawValue
        importID = row.importID.rawValue
        line = row.line
        location = row.location
        raw = row.raw
        errors = row.errors
        state = row.state.rawValue
        resolvedBy = row.resolvedBy
        resolvedAt = row.resolvedAt.map(Timestamp.iso8601)
        resolution = row.resolution
    }
}

struct ProfileResource: Encodable {
    let name: String
    let source: String
    let format: String
    @ExplicitNull var description: String?

    init(_ profile: MappingProfile) {
        name = profile.name
        source = profile.source
        format = profile.format.rawValue
        description = profile.description
    }
}

struct ProfileListResource: Encodable {
    let data: [ProfileResource]
}

/// A `multipart/form-data` body (RFC 7578), read whole: the parts' names, file names and bytes.
struct MultipartForm {
    struct Part {
        var name: String
        var fileName: String?
        var body: Data
    }

    var parts: [Part]

    func text(_ name: String) -> String? {
        parts.first { $0.name == name }.map { String(decoding: $0.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    static func read(_ request: Request, limit: Int) async throws -> MultipartForm {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = boundary(contentType)
        else {
            throw Problem.badRequest([
                FieldError(
                    path: "Content-Type", code: "multipart_required",
                    message: "send the file as multipart/form-data with a boundary")
            ])
        }
        let buffer = try await request.body.collect(upTo: limit)
        guard let form = parse(Data(buffer.readableBytesView), boundary: boundary) else {
            throw Problem.badRequest([
                FieldError(path: "", code: "malformed_multipart", message: "the multipart body is not well formed")
            ])
        }
        return form
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(value.utf8.count) ? value : nil
            }
        }
        return nil
    }

    /// Splits on `--boundary` lines; each part is headers, a blank line, then its bytes up to the CRLF
    /// before the next delimiter. File bytes are never decoded here: the profile knows their encoding.
    static func parse(_ body: Data, boundary: String) -> MultipartForm? {
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else { return nil }
        var parts: [Part] = []
        while true {
            // After a delimiter: `--` ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return MultipartForm(parts: parts) }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { return nil }
            let partStart = cursor + 2
            guard let headersRange = body.range(of: headerEnd, in: partStart..<body.endIndex),
                let next = body.range(of: Data("\r\n".utf8) + delimiter, in: headersRange.upperBound..<body.endIndex)
            else { return nil }
            let headers = String(decoding: body[partStart..<headersRange.lowerBound], as: UTF8.self)
            guard let disposition = headers.split(separator: "\r\n").first(where: {
                $0.lowercased().hasPrefix("content-disposition:")
            }), let name = parameter("name", in: disposition)
            else { return nil }
            parts.append(
                Part(name: name, fileName: parameter("filename", in: disposition),
                     body: Data(body[headersRange.upperBound..<next.lowerBound])))
            cursor = next.upperBound
        }
    }

    private static func parameter(_ name: String, in header: Substring) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == name {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}
