import Foundation
import PayHubDomain

/// A US ACH file in the NACHA format, as values: one file header and its batches of CCD or PPD entries.
///
/// This is what ``NACHAWriter`` writes and ``NACHAReader`` reads. Control records (batch and file
/// control), blocking and padding are not stored: the writer computes them and the reader checks them,
/// so a value can never disagree with its own totals.
///
/// Texts are kept as they appear in the file: uppercase ASCII, without the trailing spaces that pad
/// NACHA's left-justified fields (the writer uppercases lowercase letters; the reader drops the
/// padding). Amounts are ``Money`` in USD, never floating point.
public struct NACHAFile: Sendable, Hashable {
    public var header: FileHeader
    public var batches: [Batch]

    public init(header: FileHeader, batches: [Batch]) {
        self.header = header
        self.batches = batches
    }

    /// The file header record (type 1).
    public struct FileHeader: Sendable, Hashable {
        /// The receiving point, usually the ODFI's own bank or its ACH operator: written ` ` + 9 digits.
        public var immediateDestination: ABARoutingNumber
        /// The sender: 9 digits (a routing number, written with a leading space) or 10 (often `1` + EIN).
        public var immediateOrigin: String
        /// Written `YYMMDD`, so the year must be 2000–2099.
        public var creationDate: LocalDate
        /// Written `HHMM`; nil writes blanks (the field is optional).
        public var creationTime: CreationTime?
        /// `A`–`Z` or `0`–`9`, telling apart files sent on the same day.
        public var fileIDModifier: Character
        /// Up to 23 characters.
        public var immediateDestinationName: String
        /// Up to 23 characters.
        public var immediateOriginName: String
        /// Up to 8 characters, for the originator's own use.
        public var referenceCode: String

        public init(
            immediateDestination: ABARoutingNumber, immediateOrigin: String, creationDate: LocalDate,
            creationTime: CreationTime?, fileIDModifier: Character, immediateDestinationName: String,
            immediateOriginName: String, referenceCode: String = ""
        ) {
            self.immediateDestination = immediateDestination
            self.immediateOrigin = immediateOrigin
            self.creationDate = creationDate
            self.creationTime = creationTime
            self.fileIDModifier = fileIDModifier
            self.immediateDestinationName = immediateDestinationName
            self.immediateOriginName = immediateOriginName
            self.referenceCode = referenceCode
        }
    }

    /// A wall-clock time of day, hours 0–23 and minutes 0–59 (checked when written).
    public struct CreationTime: Sendable, Hashable {
        public var hour: Int
        public var minute: Int
        public init(hour: Int, minute: Int) {
            self.hour = hour
            self.minute = minute
        }
    }

    /// Which way money moves in a batch (service class code).
    public enum ServiceClass: Int, Sendable, Hashable, CaseIterable {
        /// Credits and debits.
        case mixed = 200
        /// Credits only: what PayHub sends to pay vendors.
        case creditsOnly = 220
        /// Debits only.
        case debitsOnly = 225
    }

    /// The standard entry class: corporate (CCD) or consumer (PPD).
    public enum StandardEntryClass: String, Sendable, Hashable, CaseIterable {
        case ccd = "CCD"
        case ppd = "PPD"
    }

    /// The kind of an entry and of the receiver's account.
    public enum TransactionCode: Int, Sendable, Hashable, CaseIterable {
        case checkingCredit = 22
        case checkingDebit = 27
        case savingsCredit = 32
        case savingsDebit = 37

        public var isCredit: Bool { self == .checkingCredit || self == .savingsCredit }
    }

    /// A batch: the batch header (type 5) and its entries; its control record (type 8) is derived.
    public struct Batch: Sendable, Hashable {
        public var serviceClass: ServiceClass
        /// Up to 16 characters: the originator as the receiver will see it.
        public var companyName: String
        /// Up to 20 characters.
        public var companyDiscretionaryData: String
        /// Up to 10 characters, usually `1` + the EIN.
        public var companyIdentification: String
        public var standardEntryClass: StandardEntryClass
        /// Up to 10 characters, shown on the receiver's statement (`PAYROLL`, `VENDOR PAY`); required.
        public var entryDescription: String
        /// Up to 6 characters, shown as is.
        public var companyDescriptiveDate: String
        /// The day the originator wants the entries settled; written `YYMMDD` (2000–2099).
        public var effectiveEntryDate: LocalDate
        /// The originating bank: the first 8 digits of its routing number.
        public var originatingDFI: String
        /// 1–9,999,999, ascending through the file.
        public var batchNumber: Int
        public var entries: [Entry]

        public init(
            serviceClass: ServiceClass, companyName: String, companyDiscretionaryData: String = "",
            companyIdentification: String, standardEntryClass: StandardEntryClass, entryDescription: String,
            companyDescriptiveDate: String = "", effectiveEntryDate: LocalDate, originatingDFI: String,
            batchNumber: Int, entries: [Entry]
        ) {
            self.serviceClass = serviceClass
            self.companyName = companyName
            self.companyDiscretionaryData = companyDiscretionaryData
            self.companyIdentification = companyIdentification
            self.standardEntryClass = standardEntryClass
            self.entryDescription = entryDescription
            self.companyDescriptiveDate = companyDescriptiveDate
            self.effectiveEntryDate = effectiveEntryDate
            self.originatingDFI = originatingDFI
            self.batchNumber = batchNumber
            self.entries = entries
        }
    }

    /// An entry detail record (type 6) and its optional addenda (type 7).
    public struct Entry: Sendable, Hashable {
        public var transactionCode: TransactionCode
        /// The receiver's bank; written as its 8-digit id and check digit.
        public var receivingDFI: ABARoutingNumber
        /// Up to 17 characters. Never shown in errors.
        public var accountNumber: String
        /// In USD, 0.01 to 99,999,999.99.
        public var amount: Money
        /// Up to 15 characters: the receiver's id at the originator (CCD: identification number).
        public var individualIdentification: String
        /// Up to 22 characters: the receiver (CCD: receiving company name).
        public var individualName: String
        /// Up to 2 characters.
        public var discretionaryData: String
        /// The last 7 digits of the trace number; the first 8 are the batch's ODFI. Ascending in a batch.
        public var traceSequenceNumber: Int
        /// At most one addenda record (type 05); the entry's addenda indicator follows from it.
        public var addenda: Addenda?

        public init(
            transactionCode: TransactionCode, receivingDFI: ABARoutingNumber, accountNumber: String, amount: Money,
            individualIdentification: String = "", individualName: String, discretionaryData: String = "",
            traceSequenceNumber: Int, addenda: Addenda? = nil
        ) {
            self.transactionCode = transactionCode
            self.receivingDFI = receivingDFI
            self.accountNumber = accountNumber
            self.amount = amount
            self.individualIdentification = individualIdentification
            self.individualName = individualName
            self.discretionaryData = discretionaryData
            self.traceSequenceNumber = traceSequenceNumber
            self.addenda = addenda
        }
    }

    /// An addenda record of type 05 (CCD/PPD): payment-related information for the receiver.
    public struct Addenda: Sendable, Hashable {
        /// Up to 80 characters.
        public var paymentRelatedInformation: String
        public init(paymentRelatedInformation: String) { self.paymentRelatedInformation = paymentRelatedInformation }
    }
}

/// What NACHA allows in a file, shared by the writer, the reader and the validator.
enum NACHAText {
    static let recordLength = 94
    static let blockingFactor = 10
    static let amountMaxMinorUnits: Int64 = 9_999_999_999
    static let paddingRecord = [UInt8](repeating: UInt8(ascii: "9"), count: recordLength)

    /// `A`–`Z`, `0`–`9`, space and `! " # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \ ] { | } ~`: the
    /// alphanumeric set banks accept in NACHA text fields (lowercase is uppercased by the writer).
    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: " "):
            true
        default:
            allowedSymbols.contains(byte)
        }
    }

    private static let allowedSymbols = Set("!\"#$%&'()*+,-./:;<=>?@[\\]{|}~".utf8)

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
