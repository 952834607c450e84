import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A light XML element tree for the ISO 20022 readers: local names (namespace prefixes dropped, the
/// namespace URI kept), attributes, children and trimmed text.
public final class XMLNode: @unchecked Sendable {
    public let name: String
    public let namespaceURI: String?
    public let attributes: [String: String]
    public internal(set) var children: [XMLNode] = []
    public internal(set) var text: String = ""
    /// The line the element starts on, for error messages.
    public let line: Int
    weak var parent: XMLNode?

    init(name: String, namespaceURI: String?, attributes: [String: String], line: Int, parent: XMLNode?) {
        self.name = name
        self.namespaceURI = namespaceURI
        self.attributes = attributes
        self.line = line
        self.parent = parent
    }

    /// The first child with this local name.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The element at a path of local names below this one: `node["Amt"]`, `node["Acct", "Id", "IBAN"]`.
    public subscript(_ path: String...) -> XMLNode? { descend(path) }

    public func descend(_ path: [String]) -> XMLNode? {
        var node: XMLNode? = self
        for name in path { node = node?.child(name) }
        return node
    }

    /// The trimmed text at a path, nil when the element is absent or empty.
    public func value(_ path: String...) -> String? {
        guard let text = descend(path)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            return nil
        }
        return text
    }

    /// Every element below this one with this local name, in document order.
    public func descendants(_ name: String) -> [XMLNode] {
        var found: [XMLNode] = []
        var stack = children.reversed() as [XMLNode]
        while let node = stack.popLast() {
            if node.name == name { found.append(node) }
            stack.append(contentsOf: node.children.reversed())
        }
        return found
    }

    /// `Document/BkToCstmrStmt/Stmt[2]/Ntry[5]`: where this element is, for error messages.
    public var path: String {
        var parts: [String] = []
        var node: XMLNode? = self
        while let current = node {
            if let parent = current.parent {
                let siblings = parent.children.filter { $0.name == current.name }
                let index = siblings.firstIndex { $0 === current }.map { $0 + 1 } ?? 1
                parts.append(siblings.count > 1 ? "\(current.name)[\(index)]" : current.name)
            } else {
                parts.append(current.name)
            }
            node = current.parent
        }
        return parts.reversed().joined(separator: "/")
    }
}

/// Parses a whole XML document into ``XMLNode``s with Foundation's (libxml2-backed) parser.
public enum XMLTree {
    public static func parse(_ data: Data) throws(FormatError) -> XMLNode {
        // Foundation's parser traps on some inputs and silently recovers from others: hand it only UTF-8
        // (Latin-1 files are transcoded first) and refuse what it cannot read safely.
        try XMLInputGuard.checkBytes(data)
        let data = try XMLTextInput.utf8(data)
        try XMLInputGuard.checkWellFormed(data)
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        guard ok, let root = builder.root else {
            let line = parser.lineNumber
            let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "not well-formed XML"
            throw FormatError(.malformed, at: "line \(line)", "the XML is not well-formed (\(reason))")
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: XMLNode?
        var current: XMLNode?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let node = XMLNode(
                name: local, namespaceURI: namespaceURI, attributes: attributes, line: parser.lineNumber, parent: current)
            if let current { current.children.append(node) } else { root = node }
            current = node
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            current = current?.parent
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            current?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            current?.text += String(decoding: CDATABlock, as: UTF8.self)
        }
    }
}
