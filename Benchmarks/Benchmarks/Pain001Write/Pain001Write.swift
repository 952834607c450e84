// pain.001: write 100,000 credit transfers (3 debtor accounts, 5,000 creditors with DE/FR/NL IBANs,
// 3 execution dates) with Pain001Writer (validation included) to a file.
// Target (issue): under 1 s with peak memory under 64 MiB. Scale with PAYHUB_BENCH_SCALE.
//
// The transfers come from Benchmarks/.data/pain001-input-N.tsv (written by bench-data), the same rows
// the Python peer (sepaxml) writes; loading them into `Pain001Input` is setup, not measured.
import BankFormats
import BenchSupport
import Benchmark
import Foundation

func loadPainInput(_ url: URL) throws -> Pain001Input {
    let text = try String(contentsOf: url, encoding: .utf8)
    var instructions: [Pain001Input.Instruction] = []
    instructions.reserveCapacity(BenchConfig.painTransactions)
    // A creditor's name, IBAN and BIC are one vendor record shared by all its payments, as when PayHub
    // builds the input from its vendor master, not a copy per row of the file.
    var vendors: [Substring: String] = [:]
    func shared(_ text: Substring) -> String {
        if let known = vendors[text] { return known }
        let kept = String(text)
        vendors[text] = kept
        return kept
    }
    // Field by field into one reused array: a throw-away array per row would leave the heap fragmented
    // with freed blocks between the kept strings, and the process's resident memory with them.
    var fields: [Substring] = []
    fields.reserveCapacity(9)
    for line in text.split(separator: "\n").dropFirst() {
        fields.removeAll(keepingCapacity: true)
        var start = line.startIndex
        while let tab = line[start...].firstIndex(of: "\t") {
            fields.append(line[start..<tab])
            start = line.index(after: tab)
        }
        fields.append(line[start...])
        let f = fields
        let debtor = BenchParties.owners[Int(f[4])!]
        instructions.append(
            Pain001Input.Instruction(
                endToEndID: String(f[0]), amount: formatCents(Int64(f[1])!), currency: shared(f[2]),
                requestedExecutionDate: shared(f[3]),
                debtor: .init(name: debtor.name, iban: debtor.iban, bic: debtor.bic),
                creditor: .init(name: shared(f[5]), iban: shared(f[6]), bic: shared(f[7])),
                remittance: String(f[8])))
    }
    return Pain001Input(
        messageID: "PAYHUB-BENCH-\(instructions.count)", initiatingParty: .init(name: "PayHub Demo GmbH"),
        instructions: instructions)
}

/// Hands the heap pages that loading the input freed back to the system (glibc keeps them otherwise),
/// so the resident memory measured is what is live: the input and what the writer adds.
func returnFreedMemory() {
    #if os(Linux)
        if let trim = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") {
            _ = unsafeBitCast(trim, to: (@convention(c) (Int) -> Int32).self)(0)
        }
    #endif
}

let benchmarks: @Sendable () -> Void = {
    let transactions = BenchConfig.painTransactions
    let inputFile = BenchConfig.painInputFile(transactions: transactions)
    let outputFile = BenchConfig.painOutputFile(transactions: transactions)

    Benchmark(
        "pain.001 write \(transactions) transactions",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident, .peakMemoryResidentDelta, .mallocCountTotal],
            timeUnits: .milliseconds,
            warmupIterations: 0,
            maxDuration: .seconds(300),
            maxIterations: 5
        )
    ) { benchmark, input in
        for _ in benchmark.scaledIterations {
            // Streamed to the file in 64 KiB chunks, as `payhub format pain001 --out` does.
            guard FileManager.default.createFile(atPath: outputFile.path, contents: nil) else {
                benchmark.error("cannot create \(outputFile.path)")
                return
            }
            let file = try FileHandle(forWritingTo: outputFile)
            var written = 0
            try Pain001Writer.write(input, version: .v09, createdAt: "2026-02-01T09:00:00Z") { chunk in
                written += chunk.count
                try file.write(contentsOf: chunk)
            }
            try file.close()
            blackHole(written)
        }
    } setup: {
        guard FileManager.default.fileExists(atPath: inputFile.path) else {
            fatalError("\(inputFile.path) is missing: run `swift run --package-path Benchmarks -c release bench-data` first")
        }
        let input = try! loadPainInput(inputFile)
        precondition(input.instructions.count == transactions)
        returnFreedMemory()
        return input
    }
}
