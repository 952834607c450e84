import BankFormats
import Foundation
import PayHubDomain
import Testing

/// `CamtReader.stream` reads files of any size a window at a time; whatever the window, it must see
/// exactly what the in-memory reader sees.
@Suite("camt streaming reader")
struct CamtStreamTests {
    /// What a streaming reader handed over, checked for order as it comes: a header once, before its entries.
    struct Streamed {
        var document = StatementDocument(format: "")
        var headers: [Int: Statement] = [:]
        var entries: [Int: [StatementEntry]] = [:]

        mutating func take(_ event: StatementStreamEvent) {
            switch event {
            case .statement(let index, let header):
                #expect(headers[index] == nil && entries[index] == nil, "a header comes once, before its entries")
                headers[index] = header
            case .entry(let statement, let entry):
                #expect(headers[statement] != nil, "an entry comes after its statement's header")
                entries[statement, default: []].append(entry)
            }
        }
    }

    static func stream(_ url: URL, chunkSize: Int) throws -> Streamed {
        var streamed = Streamed()
        streamed.document = try CamtReader.stream(contentsOf: url, chunkSize: chunkSize) { streamed.take($0) }
        return streamed
    }

    @Test(
        "every conformance file streams to what the in-memory reader reads, whatever the window",
        arguments: CamtConformance.validFiles)
    func sameAsInMemory(_ name: String) throws {
        let url = CamtConformance.root.appendingPathComponent(name)
        var expected = try CamtReader.read(Data(contentsOf: url))
        expected.checkBalances()
        // 16 bytes cuts every tag, text, entity and UTF-8 sequence somewhere; 1 MiB reads the file at once.
        for chunkSize in [16, 61, 4096, 1 << 20] {
            let streamed = try Self.stream(url, chunkSize: chunkSize)
            #expect(streamed.document.format == expected.format)
            #expect(streamed.document.messageID == expected.messageID)
            #expect(streamed.document.warnings == expected.warnings, "chunk \(chunkSize)")
            #expect(streamed.document.statements.count == expected.statements.count)
            for (index, statement) in expected.statements.enumerated() {
                var header = statement
                header.entries = []
                #expect(streamed.headers[index] == header, "statement \(index), chunk \(chunkSize)")
                #expect(streamed.document.statements[index] == header)
                #expect((streamed.entries[index] ?? []) == statement.entries, "statement \(index), chunk \(chunkSize)")
            }
        }
    }

    @Test("a statement that does not add up is reported by the stream itself")
    func balanceMismatch() throws {
        let body = """
            <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>
            <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>
            """ + CamtReaderTests.entry("25.00")
        let url = try Self.write(CamtReaderTests.camt(body: body))
        defer { try? FileManager.default.removeItem(at: url) }
        let streamed = try Self.stream(url, chunkSize: 64)
        #expect(streamed.document.warnings.map(\.code) == [.balanceMismatch])
        #expect(streamed.document.warnings.first?.message == "opening 100.00 + entries -25.00 != closing 50.00")
        #expect(streamed.entries[0]?.map(\.amount) == [ExactDecimal("-25.00")!])
    }

    @Test("an error names the streamed statement and entry, and the consumer's own error comes back as it is")
    func errors() throws {
        let url = try Self.write(
            CamtReaderTests.camt(body: CamtReaderTests.entry() + CamtReaderTests.entry() + CamtReaderTests.entry("x")))
        defer { try? FileManager.default.removeItem(at: url) }
        var seen = 0
        do {
            _ = try CamtReader.stream(contentsOf: url, chunkSize: 32) { if case .entry = $0 { seen += 1 } }
            Issue.record("read a statement with an amount of x")
        } catch let error as FormatError {
            #expect(error.code == .invalidValue)
            #expect(error.location == "Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt", "\(error)")
        }
        #expect(seen == 2, "the entries before the bad one were handed over")

        struct Stop: Error {}
        #expect(throws: Stop.self) { _ = try CamtReader.stream(contentsOf: url) { _ in throw Stop() } }
    }

    static func write(_ data: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("camt-stream-\(UUID().uuidString).xml")
        try data.write(to: url)
        return url
    }
}

/// `MT940Reader.stream` hands entries over instead of keeping them; what it hands over and reports must
/// be what the keeping reader reads.
@Suite("MT940 streaming reader")
struct MT940StreamTests {
    static let files: [String] = {
        let folder = CamtConformance.root.appendingPathComponent("mt940")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "invalid" && $0 != "fragments" && $0 != "expected" }.sorted()
            .map { "mt940/\($0)" }
    }()

    @Test("the MT940 corpus is there")
    func corpus() { #expect(Self.files.count >= 25) }

    @Test("every MT940 conformance file streams to what the keeping reader reads", arguments: files)
    func sameAsKept(_ name: String) throws {
        let data = try CamtConformance.data(name)
        var expected = try MT940Reader.read(data)
        expected.checkBalances()
        var events = CamtStreamTests.Streamed()
        let streamed = try MT940Reader.stream(data) { events.take($0) }
        let (headers, entries) = (events.headers, events.entries)
        #expect(streamed.format == expected.format)
        #expect(Set(streamed.warnings) == Set(expected.warnings), "warnings")
        #expect(streamed.statements.count == expected.statements.count)
        for (index, statement) in expected.statements.enumerated() {
            var header = statement
            header.entries = []
            #expect(streamed.statements[index] == header, "statement \(index)")
            #expect(headers[index]?.id == statement.id && headers[index]?.account == statement.account)
            #expect((entries[index] ?? []) == statement.entries, "statement \(index)")
        }
    }
}
