import Hummingbird
import Logging
import PayHubDomain
import PayHubServices

/// Per-request state: who is calling (set by ``AuthenticationMiddleware``) and the request id that
/// ties every log line, the response and the audit event together.
public struct PayHubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var requestID: String
    public var clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = ""
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Request bodies above this are refused before they are read; batch endpoints will raise it.
    public var maxUploadSize: Int { 4 * 1024 * 1024 }

    /// The use-case context for an authenticated caller.
    func requestContext(for principal: Principal) -> PayHubServices.CallContext {
        PayHubServices.CallContext(
            principal: principal, origin: "api" + (clientAddress.map { " \($0)" } ?? ""), requestID: requestID)
    }
}
