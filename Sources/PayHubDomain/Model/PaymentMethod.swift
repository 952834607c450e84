/// How a payment travels to the vendor's bank: the rail, which decides the file format, the cut-off
/// times and how quickly money that left by mistake can still be recalled.
///
/// Approval policies match on it (an instant payment cannot be recalled, so a policy may ask more of
/// it), and the raw values are the names policy documents and the API use.
public enum PaymentMethod: String, Sendable, Hashable, CaseIterable, Codable {
    /// SEPA Credit Transfer (pain.001 `SCT`): euro, within the SEPA area, settled the next business day.
    case sepaCreditTransfer = "sepa_credit_transfer"
    /// SEPA Instant Credit Transfer (`INST`): euro, settled within seconds, at any hour, and final.
    case sepaInstant = "sepa_instant"
    /// A cross-border wire through correspondent banks (SWIFT), in any currency.
    case crossBorderWire = "cross_border_wire"
    /// A US ACH credit (NACHA file), in USD between US accounts.
    case usACH = "us_ach"
    /// A Chinese domestic transfer in CNY through CNAPS (HVPS for large, BEPS for small amounts).
    case cnDomestic = "cn_domestic"
}
