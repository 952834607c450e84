import Foundation
import PayHubDomain

extension ERPFileReader {
    /// Reads an export a block at a time, so memory stays bounded by the block size whatever the file's.
    ///
    /// A CSV file is cut into pieces at line breaks outside quotes; each piece is read behind the file's
    /// own first lines (title, header, the lines skipped after it), exactly as the whole file would be,
    /// and its records get the line numbers they have in the file. Records, rejections and raw text are
    /// the same as ``read(_:_:)`` gives for the whole file (a test holds the two to each other).
    ///
    /// UTF-16 files (whose line breaks are two bytes) and pain.001 files (XML) are read whole.
    ///
    /// - Parameter nextBlock: the file's bytes in order, in blocks of any size; nil at the end.
    public func read(blocks nextBlock: () throws -> Data?, _ body: (ERPRecord) throws -> Void) throws {
        var pending = Data()
        guard profile.format == .csv, plan.encoding != .utf16 else {
            while let block = try nextBlock() { pending.append(block) }
            return try read(pending, body)
        }
        var prefix: Data?
        var prefixLines = 0
        var linesRead = 0
        var piecesRead = 0
        var finished = false
        while !finished {
            if let block = try nextBlock() { pending.append(block) } else { finished = true }
            if pending.starts(with: [0xFF, 0xFE]) || pending.starts(with: [0xFE, 0xFF]) {
                // A UTF-16 file the profile left to detection: whole, as above.
                while let block = try nextBlock() { pending.append(block) }
                return try read(pending, body)
            }
            if prefix == nil {
                guard let lines = try prefixLineCount(in: pending, complete: finished),
                    let end = Self.offset(afterLine: lines, in: pending)
                else {
                    if finished { return try readCSV(pending, body) }  // no body at all: read as it is
                    continue
                }
                prefix = pending.prefix(upTo: end)
                prefixLines = lines
                pending.removeSubrange(pending.startIndex..<end)
            }
            guard let prefix else { continue }
            let cut = finished ? pending.endIndex : Self.lastRecordEnd(in: pending)
            guard let cut, cut > pending.startIndex || (finished && piecesRead == 0) else { continue }
            piecesRead += 1
            let piece = pending.prefix(upTo: cut)
            let offset = linesRead
            do {
                try readCSV(prefix + piece) { record in try body(Self.shifted(record, by: offset)) }
            } catch let error as FormatError {
                throw Self.shifted(error, by: offset, prefixLines: prefixLines)
            }
            linesRead += Self.lineBreakCount(in: piece)
            pending.removeSubrange(pending.startIndex..<cut)
        }
    }

    /// Reads a file a block at a time.
    public func read(contentsOf url: URL, blockSize: Int = 4 << 20, _ body: (ERPRecord) throws -> Void) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        try read(blocks: { try handle.read(upToCount: blockSize).flatMap { $0.isEmpty ? nil : $0 } }, body)
    }

    /// Reads bytes already in memory a piece at a time, so the file is never decoded into text whole.
    public func read(pieces data: Data, blockSize: Int = 4 << 20, _ body: (ERPRecord) throws -> Void) throws {
        var position = data.startIndex
        try read(
            blocks: {
                guard position < data.endIndex else { return nil }
                let end = data.index(position, offsetBy: blockSize, limitedBy: data.endIndex) ?? data.endIndex
                defer { position = end }
                return data[position..<end]
            }, body)
    }

    // MARK: Cutting

    /// How many lines come before the first record: up to the header (the first non-blank row at or
    /// after `header_row`) and the lines skipped after it. Nil while `bytes` may not hold them all yet.
    private func prefixLineCount(in bytes: Data, complete: Bool) throws -> Int? {
        guard plan.headerRow > 0 else { return plan.skipLinesAfterHeader }
        // Only whole lines are decoded: a block may end inside a character.
        guard let end = complete ? bytes.endIndex : Self.lastRecordEnd(in: bytes) else { return nil }
        var text = try CSVTextDecoding.decode(bytes.prefix(upTo: end), as: plan.encoding)
        let separator = plan.delimiter ?? Self.guessDelimiter(in: text, headerLine: plan.headerRow)
        return try text.withUTF8 { utf8 -> Int? in
            var scanner = CSVTokenizer.Scanner(utf8, separator: separator, stopWhenCutOff: !complete)
            while try scanner.advance() {
                guard scanner.row.line >= plan.headerRow else { continue }
                if scanner.row.cells.allSatisfy({ TextFunctions.trimmed($0).isEmpty }) { continue }
                // The header's last line: its first plus the line breaks inside its quoted fields.
                let headerLines = scanner.rawText.reduce(into: 0) { count, character in if character == "\n" { count += 1 } }
                return scanner.row.line + headerLines + plan.skipLinesAfterHeader
            }
            return nil
        }
    }

    // The scans below read the bytes through a buffer pointer: Data's per-byte subscript costs more
    // than the scan itself, and every byte of an import passes through `lastRecordEnd` once.

    /// The index just after the `line`-th line break outside quotes, or nil if there are fewer.
    static func offset(afterLine line: Int, in bytes: Data) -> Data.Index? {
        guard line > 0 else { return bytes.startIndex }
        return bytes.withUnsafeBytes { raw -> Data.Index? in
            var seen = 0
            var inQuotes = false
            for position in raw.indices {
                switch raw[position] {
                case 0x22: inQuotes.toggle()
                case 0x0A where !inQuotes:
                    seen += 1
                    if seen == line { return bytes.startIndex + position + 1 }
                default: break
                }
            }
            return nil
        }
    }

    /// The index just after the last line break outside quotes: the end of the last whole record.
    /// `"` is never part of a multi-byte character in UTF-8, GB18030 or Windows-1252, so a byte scan
    /// is exact for every encoding read here but UTF-16.
    static func lastRecordEnd(in bytes: Data) -> Data.Index? {
        bytes.withUnsafeBytes { raw -> Data.Index? in
            var inQuotes = false
            var last: Int?
            for position in raw.indices {
                switch raw[position] {
                case 0x22: inQuotes.toggle()
                case 0x0A where !inQuotes: last = position
                default: break
                }
            }
            return last.map { bytes.startIndex + $0 + 1 }
        }
    }

    /// Line feeds in `bytes`, quoted or not: the lines a piece moves the next piece's numbering on by.
    static func lineBreakCount(in bytes: Data) -> Int {
        bytes.withUnsafeBytes { raw in raw.reduce(into: 0) { count, byte in if byte == 0x0A { count += 1 } } }
    }

    // MARK: Line numbers

    static func shifted(_ record: ERPRecord, by offset: Int) -> ERPRecord {
        guard offset > 0 else { return record }
        func shift(_ source: ERPRecordSource) -> ERPRecordSource {
            ERPRecordSource(line: source.line + offset, location: "line \(source.line + offset)", raw: source.raw)
        }
        switch record {
        case .payable(let payable, let source): return .payable(payable, shift(source))
        case .vendor(let vendor, let source): return .vendor(vendor, shift(source))
        case .rejected(let source, let errors): return .rejected(shift(source), errors)
        }
    }

    static func shifted(_ error: FormatError, by offset: Int, prefixLines: Int) -> FormatError {
        guard offset > 0, let location = error.location, location.hasPrefix("line "),
            let line = Int(location.dropFirst(5)), line > prefixLines
        else { return error }
        var shifted = error
        shifted.location = "line \(line + offset)"
        return shifted
    }
}
