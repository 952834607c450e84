import ArgumentParser
import Foundation
import PayHubDomain
import PayHubServices
import PayHubWeb

extension Role: ExpressibleByArgument {}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self, Groups.self, TOTP.self])

    /// Step-up for approvers: the secret is shown once, to be scanned (the URI as a QR code) or typed in.
    struct TOTP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp", abstract: "Enrol a user for TOTP step-up, and confirm with a first code.",
            subcommands: [Enrol.self, Confirm.self])

        struct Enrol: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give USERNAME a new TOTP secret; prints the otpauth:// URI (show it as a QR code) and the key.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The user.") var username: String

            func run() async throws {
                let (uri, key) = try await database.withStore { [username] store in
                    let hub = PaymentHub(store: store)
                    return try await StepUpService(hub: hub, passwords: HummingbirdOneTimePasswords())
                        .enrol(username: username.lowercased(), context: consoleContext)
                }
                print("Scan this URI as a QR code in an authenticator app (or type the key), then confirm with a code:")
                print(uri)
                print("key: \(key)")
            }
        }

        struct Confirm: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Confirm USERNAME's enrolment with a code from the app.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The user.") var username: String
            @Argument(help: "The 6-digit code the app shows now.") var code: String

            func run() async throws {
                try await database.withStore { [username, code] store in
                    let hub = PaymentHub(store: store)
                    try await StepUpService(hub: hub, passwords: HummingbirdOneTimePasswords())
                        .confirm(username: username.lowercased(), code: code, context: consoleContext)
                }
                print("TOTP confirmed for \(username): approval steps that require step-up accept their codes.")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from standard input (one line) or asked for on a terminal.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Sign-in name (3-64 of a-z 0-9 . _ - @).") var username: String
        @Option(help: "Name shown in the audit trail and the dashboard.") var displayName: String?
        @Option(help: "A role: \(Role.allCases.map(\.rawValue).joined(separator: ", ")). Repeat for several.")
        var role: [Role]
        @Option(help: "An entity id the user may see. Repeat for several; omit for all entities.") var entity: [String] = []

        func run() async throws {
            let password = try readPassword()
            let scope = try entityScope(entity)
            let user = try await database.withStore { store in
                try await AccessService(store: store).addUser(
                    username: username, displayName: displayName ?? username, password: password, roles: Set(role),
                    scope: scope, context: consoleContext)
            }
            print("User \(user.username) added as \(user.id) with roles \(user.roles.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
    }
}

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Manage API keys for ERP integrations.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; its secret is printed once.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "What the key is for, e.g. 'SAP Germany'.") var name: String
        @Option(help: "A role for the key (usually integration). Repeat for several.") var role: [Role] = [.integration]
        @Option(help: "An entity id the key may see. Repeat for several; omit for all entities.") var entity: [String] = []

        func run() async throws {
            let scope = try entityScope(entity)
            let (key, secret) = try await database.withStore { store in
                try await AccessService(store: store).createAPIKey(name: name, roles: Set(role), scope: scope, context: consoleContext)
            }
            FileHandle.standardError.write(Data("API key \(key.id) created. Its secret is shown once; store it now:\n".utf8))
            print(secret)
        }
    }
}

func entityScope(_ ids: [String]) throws -> EntityScope {
    guard !ids.isEmpty else { return .all }
    return .only(Set(try ids.map { text in
        do { return try ID<LegalEntity>(text) } catch { throw ValidationError("--entity \(text): \(error)") }
    }))
}

/// One line from standard input, or a silent prompt on a terminal; never a command-line flag, which
/// would leave the password in the shell history and the process list.
func readPassword() throws -> String {
    if isatty(STDIN_FILENO) == 1 {
        guard let pointer = getpass("Password (at least \(User.passwordLengthMin) characters): ") else {
            throw ValidationError("no password given")
        }
        return String(cString: pointer)
    }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("give the password on standard input")
    }
    return line
}
