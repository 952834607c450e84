import CLibXML2
import Foundation

/// The official ISO 20022 schemas PayHub ships (`Resources/xsd`), found by their target namespace.
public struct ISOSchema: Sendable, Hashable {
    /// `camt.053.001.08.xsd`
    public var fileName: String
    public var targetNamespace: String
    let url: URL

    /// Every shipped schema, read once.
    public static let shipped: [ISOSchema] = {
        guard let folder = Bundle.module.url(forResource: "xsd", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".xsd") }.sorted().compactMap { name in
            let url = folder.appendingPathComponent(name)
            // The schema element's own attribute: a comment above it may name another namespace.
            guard let text = try? String(contentsOf: url, encoding: .utf8),
                let match = text.firstMatch(of: #/<(?:xs:|xsd:)?schema\b[^>]*\btargetNamespace="([^"]+)"/#)
            else { return nil }
            return ISOSchema(fileName: name, targetNamespace: String(match.output.1), url: url)
        }
    }()

    public static func forNamespace(_ namespace: String) -> ISOSchema? {
        shipped.first { $0.targetNamespace == namespace }
    }
}

/// Checks an XML message against an XSD with libxml2's schema validator, streaming (no document tree
/// is built, so a large statement costs little memory). Callers must have read the message with
/// PayHub's own reader first: that refuses DTDs, so libxml2 never sees an entity or an external
/// reference.
enum XSDValidator {
    /// At most this many schema problems are listed; a broken generator can make a million.
    static let problemLimit = 100

    static func validate(_ data: Data, against schema: ISOSchema) -> [ValidationProblem] {
        _ = initialized
        let collector = ProblemCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        return withExtendedLifetime(collector) {
            guard let parserContext = xmlSchemaNewParserCtxt(schema.url.path) else {
                return [.schemaUnusable(schema, "libxml2 could not open it")]
            }
            defer { xmlSchemaFreeParserCtxt(parserContext) }
            xmlSchemaSetParserStructuredErrors(parserContext, collect, context)
            guard let compiled = xmlSchemaParse(parserContext) else {
                return [.schemaUnusable(schema, collector.problems.first?.message ?? "libxml2 could not compile it")]
            }
            defer { xmlSchemaFree(compiled) }
            guard let validation = xmlSchemaNewValidCtxt(compiled) else {
                return [.schemaUnusable(schema, "libxml2 could not make a validation context")]
            }
            defer { xmlSchemaFreeValidCtxt(validation) }
            collector.problems.removeAll()
            xmlSchemaSetValidStructuredErrors(validation, collect, context)
            guard data.count < Int32.max else {
                return [.schemaUnusable(schema, "the file is larger than libxml2's 2 GiB limit")]
            }
            let result = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Int32 in
                guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                    let input = xmlParserInputBufferCreateMem(base, Int32(bytes.count), XML_CHAR_ENCODING_NONE)
                else { return -1 }
                // The validation's parser takes the input buffer over and frees it.
                return xmlSchemaValidateStream(validation, input, XML_CHAR_ENCODING_NONE, nil, nil)
            }
            var problems = collector.problems
            if result != 0 && problems.isEmpty {
                problems.append(
                    ValidationProblem(
                        source: .schema, code: "xsd", location: nil,
                        message: "libxml2 found the message invalid against \(schema.fileName) without saying why"))
            }
            if collector.dropped > 0 {
                problems.append(
                    ValidationProblem(
                        source: .schema, code: "xsd", location: nil,
                        message: "and \(collector.dropped) more schema problems not listed"))
            }
            return problems
        }
    }

    private static let initialized: Void = xmlInitParser()

    final class ProblemCollector {
        var problems: [ValidationProblem] = []
        var dropped = 0

        func add(_ error: xmlError) {
            guard error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            guard problems.count < XSDValidator.problemLimit else {
                dropped += 1
                return
            }
            let text = error.message.map { String(cString: $0) } ?? "invalid"
            problems.append(
                ValidationProblem(
                    source: .schema, code: "xsd", location: error.line > 0 ? "line \(error.line)" : nil,
                    message: Self.readable(text)))
        }

        /// libxml2 names elements with their namespace (`Element '{urn:iso:std:iso:20022:tech:xsd:
        /// camt.053.001.08}Amt'`); the namespace is the schema's and only makes the line unreadable.
        static func readable(_ message: String) -> String {
            message.replacing(#/\{[^}]*\}/#, with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

private let collect: xmlStructuredErrorFunc = { context, error in
    guard let context, let error else { return }
    Unmanaged<XSDValidator.ProblemCollector>.fromOpaque(context).takeUnretainedValue().add(error.pointee)
}

extension ValidationProblem {
    static func schemaUnusable(_ schema: ISOSchema, _ reason: String) -> ValidationProblem {
        ValidationProblem(source: .schema, code: "schema_unusable", location: nil, message: "\(schema.fileName): \(reason)")
    }
}
