import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PayHubDomain

/// Reading JSON bodies with errors that name the field, and writing JSON responses.
enum JSONBody {
    static func decode<Body: Decodable>(
        _ type: Body.Type, from request: Request, context: PayHubRequestContext, limit: Int? = nil
    ) async throws -> Body {
        let buffer = try await request.body.collect(upTo: limit ?? context.maxUploadSize)
        guard buffer.readableBytes > 0 else {
            throw Problem.badRequest([FieldError(path: "", code: "empty_body", message: "a JSON body is required")])
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Problem.badRequest([fieldError(error)])
        }
    }

    /// Turns a decoding error into a field error with its path (`payable_ids[2]`).
    static func fieldError(_ error: DecodingError) -> FieldError {
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(
                path: path(context.codingPath + [key]), code: "missing_field", message: "\(key.stringValue) is required")
        case .typeMismatch(let type, let context):
            return FieldError(
                path: path(context.codingPath), code: "invalid_type", message: "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return FieldError(
                path: path(context.codingPath), code: "missing_value", message: "must be \(describe(type)), not null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return FieldError(path: "", code: "invalid_json", message: "the body is not valid JSON")
            }
            return FieldError(path: path(context.codingPath), code: "invalid_value", message: context.debugDescription)
        @unknown default:
            return FieldError(path: "", code: "invalid_json", message: "the body could not be read")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is [Any].Type, is [String].Type: "an array"
        default: "of another type"
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
