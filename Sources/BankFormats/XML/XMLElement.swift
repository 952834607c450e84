import Foundation

/// Elements read by ``XMLScanner``, stored flat: one array of element records and one of bytes
/// (names and text), so a tree costs a few allocations however many elements it has. A value, built
/// by ``XMLTreeBuilder``; readers look at it through ``XMLNode``s of an ``XMLElementStorage``.
struct XMLElementArrays {
    struct Element {
        var nameStart: Int
        var nameCount: Int
        var textStart = 0
        var textCount = 0
        var parent: Int
        var firstChild = -1
        var lastChild = -1
        var nextSibling = -1
        var line: Int
        var attributes: Range<Int>
        var namespace: Int
        /// The element's place among same-named siblings when its path shows it whatever their number
        /// (streamed statements and entries: `Stmt[1]/Ntry[3]`); 0 counts the siblings.
        var ordinal = 0
    }

    var bytes: [UInt8] = []
    var elements: [Element] = []
    var attributes: [(name: String, value: String)] = []
    var namespaces: [String] = []
    /// The path of the root's parent, when the root is part of a larger document (a streamed entry).
    var rootPrefix: String?

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        elements.removeAll(keepingCapacity: true)
        attributes.removeAll(keepingCapacity: true)
        namespaces.removeAll(keepingCapacity: true)
        rootPrefix = nil
    }

    func hasName(_ index: Int, _ name: String) -> Bool {
        let element = elements[index]
        var name = name
        return name.withUTF8 { $0.elementsEqual(bytes[element.nameStart..<(element.nameStart + element.nameCount)]) }
    }

    /// Forgets the last element's subtree, `index` and all after it (elements are stored in document
    /// order, so when `index` has just been closed everything after it is its own).
    mutating func removeSubtree(at index: Int) {
        let element = elements[index]
        let parent = element.parent
        if parent >= 0 {
            if elements[parent].firstChild == index {
                elements[parent].firstChild = -1
                elements[parent].lastChild = -1
            } else {
                var sibling = elements[parent].firstChild
                while sibling >= 0, elements[sibling].nextSibling != index { sibling = elements[sibling].nextSibling }
                if sibling >= 0 { elements[sibling].nextSibling = -1 }
                elements[parent].lastChild = sibling
            }
        }
        // An ancestor's text stored after the subtree began (mixed content) keeps the bytes.
        var ancestor = parent
        var bytesAreOwn = true
        while ancestor >= 0 {
            if elements[ancestor].textStart + elements[ancestor].textCount > element.nameStart { bytesAreOwn = false }
            ancestor = elements[ancestor].parent
        }
        if bytesAreOwn { bytes.removeSubrange(element.nameStart...) }
        attributes.removeSubrange(element.attributes.lowerBound...)
        elements.removeSubrange(index...)
    }
}

/// A read-only snapshot of ``XMLElementArrays`` that ``XMLNode``s share. Its properties are constants,
/// so reading them needs no exclusivity checks (which cost a third of a camt parse when they were
/// variables); taking a snapshot copies no element, only the arrays' references.
final class XMLElementStorage: Sendable {
    typealias Element = XMLElementArrays.Element
    let bytes: [UInt8]
    let elements: [Element]
    let attributes: [(name: String, value: String)]
    let namespaces: [String]
    let rootPrefix: String?

    init(_ arrays: XMLElementArrays) {
        bytes = arrays.bytes
        elements = arrays.elements
        attributes = arrays.attributes
        namespaces = arrays.namespaces
        rootPrefix = arrays.rootPrefix
    }
}

/// An element of a parsed XML document: local name (namespace prefix dropped, the namespace URI kept),
/// attributes, children and text.
public struct XMLNode: @unchecked Sendable {
    let storage: XMLElementStorage
    let index: Int

    private var element: XMLElementArrays.Element { storage.elements[index] }

    public var name: String { String(decoding: nameBytes, as: UTF8.self) }

    private var nameBytes: ArraySlice<UInt8> {
        let element = element
        return storage.bytes[element.nameStart..<(element.nameStart + element.nameCount)]
    }

    func hasName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { $0.elementsEqual(nameBytes) }
    }

    public var namespaceURI: String? {
        let namespace = element.namespace
        return namespace < 0 ? nil : storage.namespaces[namespace]
    }

    /// Qualified names (`Ccy`, `xsi:schemaLocation`) and values, in document order.
    public var attributes: ArraySlice<(name: String, value: String)> { storage.attributes[element.attributes] }

    public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }

    /// The character data directly inside the element, as written (entities decoded).
    public var text: String {
        let element = element
        return String(decoding: storage.bytes[element.textStart..<(element.textStart + element.textCount)], as: UTF8.self)
    }

    /// The text without the XML whitespace (space, tab, line ends) around it.
    public var trimmedText: String {
        let element = element
        var start = element.textStart
        var end = element.textStart + element.textCount
        storage.bytes.withUnsafeBufferPointer { bytes in
            while start < end, Self.isSpace(bytes[start]) { start += 1 }
            while end > start, Self.isSpace(bytes[end - 1]) { end -= 1 }
        }
        return String(decoding: storage.bytes[start..<end], as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    /// The line the element starts on, for error messages.
    public var line: Int { element.line }

    public var parent: XMLNode? {
        let parent = element.parent
        return parent < 0 ? nil : XMLNode(storage: storage, index: parent)
    }

    public var children: [XMLNode] {
        var found: [XMLNode] = []
        var child = element.firstChild
        while child >= 0 {
            found.append(XMLNode(storage: storage, index: child))
            child = storage.elements[child].nextSibling
        }
        return found
    }

    /// The first child with this local name.
    public func child(_ name: String) -> XMLNode? {
        var found: XMLNode?
        forEachChild(named: name) { child in
            found = XMLNode(storage: storage, index: child)
            return false
        }
        return found
    }

    public func children(_ name: String) -> [XMLNode] {
        var found: [XMLNode] = []
        forEachChild(named: name) { child in
            found.append(XMLNode(storage: storage, index: child))
            return true
        }
        return found
    }

    /// Calls `body` with the index of each child of this local name until it returns false. Names are
    /// compared as bytes in place: readers look up a dozen children of every entry of a statement.
    private func forEachChild(named name: String, _ body: (Int) -> Bool) {
        var name = name
        name.withUTF8 { wanted in
            storage.elements.withUnsafeBufferPointer { elements in
                storage.bytes.withUnsafeBufferPointer { bytes in
                    var child = elements[index].firstChild
                    while child >= 0 {
                        let element = elements[child]
                        if element.nameCount == wanted.count,
                            wanted.isEmpty
                                || memcmp(bytes.baseAddress! + element.nameStart, wanted.baseAddress!, wanted.count) == 0,
                            !body(child)
                        {
                            return
                        }
                        child = element.nextSibling
                    }
                }
            }
        }
    }

    /// The element at a path of local names below this one: `node["Amt"]`, `node["Acct", "Id", "IBAN"]`.
    public subscript(_ path: String...) -> XMLNode? { descend(path) }

    public func descend(_ path: [String]) -> XMLNode? {
        var node: XMLNode? = self
        for name in path { node = node?.child(name) }
        return node
    }

    /// The trimmed text at a path, nil when the element is absent or empty.
    public func value(_ path: String...) -> String? {
        guard let text = descend(path)?.trimmedText, !text.isEmpty else { return nil }
        return text
    }

    /// Every element below this one with this local name, in document order.
    public func descendants(_ name: String) -> [XMLNode] {
        var found: [XMLNode] = []
        var stack = children.reversed() as [XMLNode]
        while let node = stack.popLast() {
            if node.hasName(name) { found.append(node) }
            stack.append(contentsOf: node.children.reversed())
        }
        return found
    }

    /// `Document/BkToCstmrStmt/Stmt[2]/Ntry[5]`: where this element is, for error messages.
    public var path: String {
        var parts: [String] = []
        var node: XMLNode? = self
        while let current = node {
            let ordinal = current.element.ordinal
            let parent = current.parent
            if ordinal > 0 {
                parts.append("\(current.name)[\(ordinal)]")
            } else if let parent {
                let siblings = parent.children(current.name)
                let position = siblings.firstIndex { $0.index == current.index }.map { $0 + 1 } ?? 1
                parts.append(siblings.count > 1 ? "\(current.name)[\(position)]" : current.name)
            } else {
                parts.append(current.name)
            }
            if parent == nil, let prefix = storage.rootPrefix { parts.append(prefix) }
            node = parent
        }
        return parts.reversed().joined(separator: "/")
    }
}

/// Builds ``XMLElementArrays`` from scanner events.
struct XMLTreeBuilder {
    private(set) var tree = XMLElementArrays()
    /// The open elements, innermost last.
    private(set) var open: [Int] = []

    /// The root of a snapshot of what has been built so far.
    var root: XMLNode? { tree.elements.isEmpty ? nil : XMLNode(storage: XMLElementStorage(tree), index: 0) }

    mutating func start(_ tag: XMLStartTag, ordinal: Int = 0) {
        let nameStart = tree.bytes.count
        tree.bytes.append(contentsOf: tag.localName)
        let attributeStart = tree.attributes.count
        if !tag.attributes.isEmpty { tree.attributes.append(contentsOf: tag.attributes) }
        var namespace = -1
        if let uri = tag.namespaceURI {
            if let known = tree.namespaces.lastIndex(of: uri) {
                namespace = known
            } else {
                tree.namespaces.append(uri)
                namespace = tree.namespaces.count - 1
            }
        }
        let parent = open.last ?? -1
        let index = tree.elements.count
        tree.elements.append(
            XMLElementArrays.Element(
                nameStart: nameStart, nameCount: tag.localName.count, parent: parent, line: tag.line,
                attributes: attributeStart..<tree.attributes.count, namespace: namespace, ordinal: ordinal))
        if parent >= 0 {
            let previous = tree.elements[parent].lastChild
            if previous >= 0 { tree.elements[previous].nextSibling = index } else { tree.elements[parent].firstChild = index }
            tree.elements[parent].lastChild = index
        }
        open.append(index)
    }

    /// Text goes to the innermost open element. Whitespace between child elements is dropped; text
    /// split by a child (mixed content, which no ISO 20022 element has) is joined.
    mutating func characters(_ text: UnsafeRawBufferPointer) {
        guard let index = open.last else { return }
        let element = tree.elements[index]
        if element.textCount == 0 {
            if element.firstChild >= 0 && Self.isWhitespace(text) { return }
            tree.elements[index].textStart = tree.bytes.count
        } else if element.textStart + element.textCount != tree.bytes.count {
            if Self.isWhitespace(text) { return }
            let earlier = Array(tree.bytes[element.textStart..<(element.textStart + element.textCount)])
            tree.elements[index].textStart = tree.bytes.count
            tree.bytes.append(contentsOf: earlier)
        }
        tree.bytes.append(contentsOf: text)
        tree.elements[index].textCount += text.count
    }

    private static func isWhitespace(_ text: UnsafeRawBufferPointer) -> Bool {
        text.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }
    }

    mutating func end() { open.removeLast() }

    func hasName(_ index: Int, _ name: String) -> Bool { tree.hasName(index, name) }

    mutating func removeSubtree(at index: Int) { tree.removeSubtree(at: index) }

    /// Starts over for the next subtree, keeping the memory.
    mutating func reset(rootPrefix: String?) {
        tree.removeAll()
        tree.rootPrefix = rootPrefix
        open.removeAll(keepingCapacity: true)
    }
}

/// Parses a whole XML document into ``XMLNode``s.
public enum XMLTree {
    public static func parse(_ data: Data) throws(FormatError) -> XMLNode {
        var handler = WholeTree()
        try XMLReading.read(data, into: &handler)
        guard let root = handler.builder.root else {
            throw FormatError(.malformed, at: "line 1", "the XML is not well-formed: the document is empty")
        }
        return root
    }

    private struct WholeTree: XMLContentHandler {
        var builder = XMLTreeBuilder()
        mutating func startElement(_ tag: XMLStartTag) { builder.start(tag) }
        mutating func characters(_ text: UnsafeRawBufferPointer) { builder.characters(text) }
        mutating func endElement() { builder.end() }
    }
}

extension String {
    /// Without the XML whitespace (space, tab, line ends) around it; byte by byte, unlike Foundation's
    /// `trimmingCharacters`, which looks up Unicode properties of every character.
    var trimmingXMLSpace: String {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return self }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(self[start..<end])
    }
}
