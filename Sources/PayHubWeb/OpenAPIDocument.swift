import Foundation

/// The OpenAPI 3.1 document of the API, a committed file (`Resources/openapi.json`) written by people
/// for integrators. It is not generated from the routes on purpose: the tests compare the two, so a
/// route added without documentation, or documentation without a route, fails the build.
public enum OpenAPIDocument {
    public static let json: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { preconditionFailure("openapi.json is missing from the PayHubWeb bundle") }
        return Array(data)
    }()
}
