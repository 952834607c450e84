import Testing

@testable import PayHubDomain

@Suite("Permissions for approval policies, release and controls")
struct ApprovalPermissionTests {
    static let newPermissions: [Permission] = [
        .paymentsRelease, .policiesRead, .policiesWrite, .fxRatesWrite, .sanctionsManage, .controlsRelease,
    ]

    @Test(
        "who holds the new permissions",
        arguments: [
            (Role.admin, Set<Permission>([.policiesRead, .policiesWrite, .fxRatesWrite, .sanctionsManage])),
            (Role.treasurer, Set<Permission>(newPermissions)),
            (Role.approver, Set<Permission>([.policiesRead, .controlsRelease])),
            (Role.auditor, Set<Permission>([.policiesRead])),
            (Role.apClerk, Set<Permission>()),
            (Role.integration, Set<Permission>()),
        ])
    func table(role: Role, expected: Set<Permission>) {
        #expect(role.permissions.intersection(Self.newPermissions) == expected)
    }

    @Test("raw values are the names routes and policies use")
    func names() {
        #expect(
            Self.newPermissions.map(\.rawValue) == [
                "payments.release", "policies.read", "policies.write", "fx_rates.write", "sanctions.manage",
                "controls.release",
            ])
    }

    @Test("segregation: whoever creates payments neither releases them nor writes the rules that judge them")
    func segregation() {
        for role in Role.allCases
        where role.permissions.contains(.paymentsCreate) || role.permissions.contains(.importsWrite) {
            #expect(!role.permissions.contains(.paymentsRelease), "\(role)")
            #expect(!role.permissions.contains(.policiesWrite), "\(role)")
            #expect(!role.permissions.contains(.controlsRelease), "\(role)")
        }
        #expect(Role.allCases.filter { $0.permissions.contains(.paymentsRelease) } == [.treasurer])
    }

    @Test("payment methods have the names policy documents use")
    func paymentMethods() {
        #expect(
            PaymentMethod.allCases.map(\.rawValue) == [
                "sepa_credit_transfer", "sepa_instant", "cross_border_wire", "us_ach", "cn_domestic",
            ])
    }
}
