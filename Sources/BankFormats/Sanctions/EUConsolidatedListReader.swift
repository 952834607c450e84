import Foundation
import PayHubDomain

/// Reads the EU's consolidated list of persons, groups and entities subject to financial sanctions (the
/// XML file of the Financial Sanctions Files service) into a ``SanctionsList``.
///
/// The file is an `export` root, with a `generationDate` attribute, holding one `sanctionEntity` per
/// entry:
///
/// ```xml
/// <export generationDate="2026-03-02T17:45:12.000+01:00" xmlns="http://eu.europa.ec/fpi/fsd/export">
///   <sanctionEntity logicalId="13" euReferenceNumber="EU.27.28">
///     <regulation programme="IRQ" …/>
///     <subjectType code="person" classificationCode="P"/>
///     <nameAlias wholeName="…" firstName="…" lastName="…" …/>
///     <citizenship countryIso2Code="IQ" …/>
///     <address countryIso2Code="IQ" …/>
///   </sanctionEntity>
/// </export>
/// ```
///
/// Each entity's first `nameAlias` is its primary name, the others (spellings, other scripts) its
/// aliases; a `nameAlias` without `wholeName` is named by its `firstName`, `middleName` and `lastName`.
/// `subjectType` `person` is an individual, `enterprise` an organisation. Countries are the
/// `countryIso2Code` of `citizenship` and `address` elements (the EU's `00`, unknown, is left out).
/// Programmes are the `programme` of `regulation` elements. Everything else is skipped.
///
/// The file is read with PayHub's streaming XML scanner, one `sanctionEntity` at a time, so only the
/// entries are kept in memory. Errors name the element's path (`export/sanctionEntity[12]/nameAlias[2]`)
/// and line, and never repeat a name.
public enum EUConsolidatedListReader {
    /// Reads the list.
    ///
    /// - Parameter version: used only when the file has no `generationDate`; without either, the version
    ///   is ``SanctionsListFingerprint`` of the file's bytes.
    public static func read(_ data: Data, version: String? = nil) throws(FormatError) -> SanctionsList {
        var handler = EUListHandler()
        try XMLReading.read(data, into: &handler)
        guard !handler.entries.isEmpty else {
            // An empty list would clear every vendor; it is far more likely a truncated download.
            throw FormatError(.missingField, at: "export", "the list has no sanctionEntity")
        }
        return SanctionsList(
            source: .euConsolidated,
            version: handler.generationDate ?? version ?? SanctionsListFingerprint.of(data),
            entries: handler.entries)
    }
}

/// Reads the root's attributes, builds each `sanctionEntity` into a small tree of its own, reads it and
/// drops it.
private struct EUListHandler: XMLContentHandler {
    private(set) var generationDate: String?
    private(set) var entries: [SanctionsListEntry] = []
    private var depth = 0
    private var entity = XMLTreeBuilder()
    private var entityDepth = 0
    private var entityCount = 0
    /// Where each logicalId was first read, to refuse a second entity with the same id.
    private var paths: [String: String] = [:]

    mutating func startElement(_ tag: XMLStartTag) throws(FormatError) {
        if entityDepth > 0 {
            entity.start(tag)
            entityDepth += 1
            return
        }
        depth += 1
        if depth == 1 {
            guard Self.equals(tag.localName, "export") else {
                throw FormatError(
                    .unknownFormat, at: "line \(tag.line)",
                    "the root element is not <export>: this is not the EU consolidated sanctions list")
            }
            generationDate = tag.attributes.first { $0.name == "generationDate" }.flatMap { Self.nonEmpty($0.value) }
        } else if depth == 2, Self.equals(tag.localName, "sanctionEntity") {
            entityCount += 1
            entity.reset(rootPrefix: "export")
            entity.start(tag, ordinal: entityCount)
            entityDepth = 1
        }
    }

    mutating func characters(_ text: UnsafeRawBufferPointer) throws(FormatError) {
        if entityDepth > 0 { entity.characters(text) }
    }

    mutating func endElement() throws(FormatError) {
        if entityDepth > 0 {
            entity.end()
            entityDepth -= 1
            if entityDepth == 0 {
                depth -= 1
                if let root = entity.root { try read(root) }
            }
            return
        }
        depth -= 1
    }

    private mutating func read(_ node: XMLNode) throws(FormatError) {
        guard let id = node.attribute("logicalId").flatMap(Self.nonEmpty) else {
            throw FormatError(.missingField, at: node.path, "a sanctionEntity without a logicalId (line \(node.line))")
        }
        if let first = paths[id] {
            throw FormatError(
                .invalidValue, at: node.path, "logicalId \(id) is used twice, first by \(first) (line \(node.line))")
        }
        paths[id] = node.path
        var names: [String] = []
        for alias in node.children("nameAlias") {
            guard let name = Self.name(of: alias) else {
                throw FormatError(
                    .missingField, at: alias.path,
                    "a nameAlias without wholeName, firstName, middleName or lastName (line \(alias.line))")
            }
            if !names.contains(name) { names.append(name) }
        }
        guard let primaryName = names.first else {
            throw FormatError(
                .missingField, at: node.path, "a sanctionEntity without a nameAlias (line \(node.line))")
        }
        var countries: [String] = []
        for element in node.children("citizenship") + node.children("address") {
            guard let code = element.attribute("countryIso2Code").flatMap(Self.nonEmpty)?.uppercased(), code != "00"
            else { continue }
            if !countries.contains(code) { countries.append(code) }
        }
        var programmes: [String] = []
        for regulation in node.children("regulation") {
            guard let programme = regulation.attribute("programme").flatMap(Self.nonEmpty) else { continue }
            if !programmes.contains(programme) { programmes.append(programme) }
        }
        let type: SanctionsListEntry.EntityType =
            switch node.child("subjectType")?.attribute("code") {
            case "person": .individual
            case "enterprise": .organisation
            default: .unknown
            }
        entries.append(
            SanctionsListEntry(
                id: id, reference: node.attribute("euReferenceNumber").flatMap(Self.nonEmpty),
                primaryName: primaryName, aliases: Array(names.dropFirst()), entityType: type, programmes: programmes,
                countries: countries))
    }

    /// `wholeName`, or the parts of the name joined when it is empty.
    private static func name(of alias: XMLNode) -> String? {
        if let whole = alias.attribute("wholeName").flatMap(nonEmpty) { return whole }
        let parts = ["firstName", "middleName", "lastName"].compactMap { alias.attribute($0).flatMap(nonEmpty) }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    private static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingXMLSpace
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes.elementsEqual($0) }
    }
}
