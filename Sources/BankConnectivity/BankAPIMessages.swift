import Foundation

/// The JSON bodies of the bank HTTPS API contract (`/api/v1/instructions`, `/api/v1/reports`), exactly as
/// they travel: snake_case keys, contents in base64, timestamps as the RFC 3339 text the bank sent.
///
/// Public so the bank simulator's HTTP front can answer with the same shapes; the tests pin the wire
/// format with literal JSON, so a change here cannot silently move both sides at once.
public enum BankAPIMessages {
    /// `POST /api/v1/instructions`, sent with `Idempotency-Key: <message id>`.
    public struct InstructionSubmission: Codable, Sendable, Hashable {
        public var fileName: String
        public var messageID: String
        public var contentBase64: String

        public init(fileName: String, messageID: String, contentBase64: String) {
            self.fileName = fileName
            self.messageID = messageID
            self.contentBase64 = contentBase64
        }

        public init(_ file: OutgoingBankFile) {
            self.init(
                fileName: file.name, messageID: file.messageID, contentBase64: file.contents.base64EncodedString())
        }

        enum CodingKeys: String, CodingKey {
            case fileName = "file_name"
            case messageID = "message_id"
            case contentBase64 = "content_base64"
        }
    }

    /// The answer to a submission (201, or 200 with `Idempotent-Replayed: true`) and to
    /// `GET /api/v1/instructions/{message_id}`.
    public struct InstructionReceipt: Codable, Sendable, Hashable {
        public var messageID: String
        public var fileName: String
        /// `received` in this version of the contract.
        public var status: String
        public var receivedAt: String

        public init(messageID: String, fileName: String, status: String, receivedAt: String) {
            self.messageID = messageID
            self.fileName = fileName
            self.status = status
            self.receivedAt = receivedAt
        }

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id"
            case fileName = "file_name"
            case status
            case receivedAt = "received_at"
        }
    }

    /// One report the bank has for PayHub, in a listing.
    public struct ReportSummary: Codable, Sendable, Hashable {
        public var name: String
        public var sizeBytes: Int64
        public var createdAt: String

        public init(name: String, sizeBytes: Int64, createdAt: String) {
            self.name = name
            self.sizeBytes = sizeBytes
            self.createdAt = createdAt
        }

        enum CodingKeys: String, CodingKey {
            case name
            case sizeBytes = "size_bytes"
            case createdAt = "created_at"
        }
    }

    /// `GET /api/v1/reports?limit=…&after=…`: one page, in name order.
    public struct ReportPage: Codable, Sendable, Hashable {
        public var data: [ReportSummary]
        /// Where the next page starts; `null` on the last page.
        public var nextCursor: String?

        public init(data: [ReportSummary], nextCursor: String?) {
            self.data = data
            self.nextCursor = nextCursor
        }

        enum CodingKeys: String, CodingKey {
            case data
            case nextCursor = "next_cursor"
        }

        // `next_cursor` is written as `null` on the last page, not left out: the contract says so.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(data, forKey: .data)
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }

    /// `GET /api/v1/reports/{name}`.
    public struct ReportContent: Codable, Sendable, Hashable {
        public var name: String
        public var contentBase64: String

        public init(name: String, contentBase64: String) {
            self.name = name
            self.contentBase64 = contentBase64
        }

        enum CodingKeys: String, CodingKey {
            case name
            case contentBase64 = "content_base64"
        }
    }

    /// An RFC 9457 problem document (`application/problem+json`). Every member is optional, as the RFC says.
    public struct Problem: Codable, Sendable, Hashable {
        public var type: String?
        public var title: String?
        public var status: Int?
        public var detail: String?
        public var instance: String?

        public init(
            type: String? = nil, title: String? = nil, status: Int? = nil, detail: String? = nil,
            instance: String? = nil
        ) {
            self.type = type
            self.title = title
            self.status = status
            self.detail = detail
            self.instance = instance
        }
    }
}
