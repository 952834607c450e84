import Foundation
import HTTPTypes
import Hummingbird
import PayHubDomain
import PayHubServices
import PayHubStorage

/// An RFC 9457 problem: the one shape every error response of the API takes.
public struct Problem: Error, Sendable, Encodable {
    public var status: HTTPResponse.Status
    public var type: String
    public var title: String
    public var detail: String?
    public var code: String
    public var errors: [FieldError]

    public init(
        _ status: HTTPResponse.Status, type: String, title: String, code: String, detail: String? = nil,
        errors: [FieldError] = []
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.code = code
        self.detail = detail
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, code, errors }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status.code, forKey: .status)
        try container.encodeIfPresent(detail, forKey: .detail)
        try container.encode(code, forKey: .code)
        if !errors.isEmpty { try container.encode(errors, forKey: .errors) }
    }

    static let unauthenticated = Problem(
        .unauthorized, type: "/problems/unauthenticated", title: "Authentication required", code: "unauthenticated",
        detail: "send Authorization: Bearer <api key>")

    static func forbidden(_ permission: Permission) -> Problem {
        Problem(
            .forbidden, type: "/problems/forbidden", title: "Permission denied", code: "forbidden",
            detail: "this requires the \(permission.rawValue) permission")
    }

    static func notFound(_ what: String = "resource") -> Problem {
        Problem(.notFound, type: "/problems/not-found", title: "Not found", code: "not_found", detail: "\(what) not found")
    }

    static func validation(_ errors: [FieldError], title: String = "Invalid request") -> Problem {
        Problem(
            .unprocessableContent, type: "/problems/validation", title: title, code: "validation_failed",
            detail: errors.count == 1 ? errors[0].message : "\(errors.count) fields are invalid", errors: errors)
    }

    static func badRequest(_ errors: [FieldError]) -> Problem {
        Problem(
            .badRequest, type: "/problems/bad-request", title: "Malformed request", code: "bad_request",
            detail: errors.first?.message, errors: errors)
    }

    /// Maps any error a handler throws onto a problem. Unknown errors become a generic 500 whose
    /// detail says nothing about the internals; the log line carries the request id to find them.
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let failure as ValidationFailure:
            return .validation(failure.errors)
        case let fieldError as FieldError:
            return .validation([fieldError])
        case let denied as AccessDenied:
            return .forbidden(denied.permission)
        case let verification as AccountVerificationError:
            return Problem(
                .conflict, type: "/problems/dual-control", title: "Bank details cannot be verified",
                code: verification.code.rawValue, detail: verification.description)
        case let chain as ApprovalChainError:
            // Segregation of duties and eligibility are refusals of this caller (403); a finished chain
            // is a state conflict (409).
            let status: HTTPResponse.Status =
                switch chain.code {
                case .chainFinished, .notAChain, .invalidChain: .conflict
                case .reasonRequired: .unprocessableContent
                default: .forbidden
                }
            return Problem(
                status, type: "/problems/approval-refused", title: "Approval refused", code: chain.code.rawValue,
                detail: chain.description)
        case let transition as InvalidTransition:
            return Problem(
                .conflict, type: "/problems/invalid-transition", title: "Invalid transition", code: "invalid_transition",
                detail: "the payment is \(transition.from.rawValue) and cannot become \(transition.to.rawValue)")
        case let storage as StorageError:
            switch storage.code {
            case .notFound: return .notFound(storage.target)
            case .stateChanged:
                return Problem(
                    .conflict, type: "/problems/invalid-transition", title: "Payment changed", code: "invalid_transition",
                    detail: storage.description)
            case .duplicate:
                return Problem(
                    .conflict, type: "/problems/duplicate", title: "Duplicate", code: "duplicate",
                    detail: storage.description)
            case .payableNotOpen, .notEditable:
                return Problem(
                    .conflict, type: "/problems/conflict", title: "Conflict", code: storage.code.rawValue,
                    detail: storage.description)
            case .referenceMissing:
                return .validation([FieldError(path: "", code: "reference_missing", message: storage.description)])
            case .corruptRow:
                return internalError
            }
        case let http as HTTPError:
            switch http.status {
            case .notFound: return .notFound("route")
            case .methodNotAllowed:
                return Problem(.methodNotAllowed, type: "/problems/method-not-allowed", title: "Method not allowed", code: "method_not_allowed")
            case .contentTooLarge:
                return Problem(.contentTooLarge, type: "/problems/too-large", title: "Request too large", code: "too_large")
            default:
                return Problem(
                    http.status, type: "/problems/http", title: http.status.reasonPhrase, code: "http_error",
                    detail: http.body)
            }
        default:
            return internalError
        }
    }

    static let internalError = Problem(
        .internalServerError, type: "/problems/internal", title: "Internal error", code: "internal_error",
        detail: "the request could not be completed; quote the request id to your administrator")

    func response(requestID: String) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data(#"{"title":"Internal error","status":500}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if let requestIDField = HTTPField.Name("X-Request-Id") { headers[requestIDField] = requestID }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
