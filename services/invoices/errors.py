"""The invoices service's refusals: one tree, each class with a stable ``code``.

Every class also derives from one of the platform's four kinds (``ValidationFailed``,
``Forbidden``, ``Conflict``, ``NotFound``), so the gateway maps it to HTTP in one table and AMQP
callers receive the same code. Callers match on ``code``, never on the class path.
"""

from __future__ import annotations

from services.common.errors import Conflict, Forbidden, NotFound, PlatformError, ValidationFailed


class InvoicesError(PlatformError):
    """Base of every refusal raised by ``services.invoices``."""

    code = "INVOICES_ERROR"


class UnknownCommandType(InvoicesError, ValidationFailed):
    """Raised by ``parse_command`` when the type string names no invoices-service command."""

    code = "COMMAND_UNKNOWN_TYPE"


class WrongAggregate(InvoicesError, ValidationFailed):
    """Raised when a command reaches the ``decide`` of another stream kind."""

    code = "COMMAND_WRONG_AGGREGATE"


class CommandBodyInvalid(InvoicesError, ValidationFailed):
    """Raised when a body field is missing, unexpected, of the wrong type or format;
    ``details`` = ``{"field": "lines[0].amount_fen", "problem": "..."}``."""

    code = "COMMAND_BODY_INVALID"


class PartyNotBank(InvoicesError, ValidationFailed):
    """Raised when a party named as a bank (consent grantee, financing bank) is not a bank."""

    code = "PARTY_NOT_BANK"


class PartyNotEnterprise(InvoicesError, ValidationFailed):
    """Raised when a trade party or consent grantor is not an enterprise with a credit code."""

    code = "PARTY_NOT_ENTERPRISE"


class InvoiceBadCreditCode(InvoicesError, ValidationFailed):
    """Raised on issue when a credit code is malformed or fails its check character."""

    code = "INVOICE_BAD_CREDIT_CODE"


class InvoiceUnknownTaxRate(InvoicesError, ValidationFailed):
    """Raised on issue when a line's tax rate is not in the legal set (``tax.LEGAL_RATES_BP``)."""

    code = "INVOICE_UNKNOWN_TAX_RATE"


class InvoiceLineAmountMismatch(InvoicesError, ValidationFailed):
    """Raised on issue when a line's amount ≠ quantity × unit price, rounded half-up."""

    code = "INVOICE_LINE_AMOUNT_MISMATCH"


class InvoiceTaxMismatch(InvoicesError, ValidationFailed):
    """Raised on issue when a line's tax is not its amount × rate rounded half-up to the fen."""

    code = "INVOICE_TAX_MISMATCH"


class InvoiceTotalsMismatch(InvoicesError, ValidationFailed):
    """Raised on issue when lines do not add up to amount or tax, or total ≠ amount + tax."""

    code = "INVOICE_TOTALS_MISMATCH"


class InvoiceDateInFuture(InvoicesError, ValidationFailed):
    """Raised on issue when the issue date is after today in China Standard Time (UTC+8)."""

    code = "INVOICE_DATE_IN_FUTURE"


class InvoiceNotSeller(InvoicesError, Forbidden):
    """Raised when an act reserved to the seller (issue, link, reversal, financing it) is not
    signed by the seller."""

    code = "INVOICE_NOT_SELLER"


class InvoiceNotBuyer(InvoicesError, Forbidden):
    """Raised when confirmation (确权) or a reversal answer is signed by anyone but the buyer."""

    code = "INVOICE_NOT_BUYER"


class ActorNotBank(InvoicesError, Forbidden):
    """Raised when a claim or payment is not signed by a bank (bill settlements: or operator)."""

    code = "ACTOR_NOT_BANK"


class FinancingNotLender(InvoicesError, Forbidden):
    """Raised when a financing is acted on by any bank but the one the SME applied to."""

    code = "FINANCING_NOT_LENDER"


class TradeNotParty(InvoicesError, Forbidden):
    """Raised when a trade act is not signed by the party it needs (seller, buyer, either)."""

    code = "TRADE_NOT_PARTY"


class TradeCountersignRequired(InvoicesError, Forbidden):
    """Raised when the proposer of a contract signs or rejects it: the other side must."""

    code = "TRADE_COUNTERSIGN_REQUIRED"


class ConsentRequired(InvoicesError, Forbidden):
    """Raised by ``require_consent`` when a bank reads an SME's documents without its consent."""

    code = "CONSENT_REQUIRED"


class InvoiceDuplicateNumber(InvoicesError, Conflict):
    """Raised when ``invoice.issue`` reaches a stream that already holds an invoice."""

    code = "INVOICE_DUPLICATE_NUMBER"


class InvoiceInvalidState(InvoicesError, Conflict):
    """Raised when the invoice's status does not allow the act; ``details["status"]``."""

    code = "INVOICE_INVALID_STATE"


class InvoiceAlreadyLinked(InvoicesError, Conflict):
    """Raised when an invoice already linked to a trade is linked again."""

    code = "INVOICE_ALREADY_LINKED"


class InvoiceReversalPending(InvoicesError, Conflict):
    """Raised on a reversal request or a claim while a reversal awaits the buyer."""

    code = "INVOICE_REVERSAL_PENDING"


class InvoiceReversalExceedsOutstanding(InvoicesError, Conflict):
    """Raised when a reversal exceeds the unreversed amount or tax, or the outstanding total."""

    code = "INVOICE_REVERSAL_EXCEEDS_OUTSTANDING"


class InvoiceDuplicateReference(InvoicesError, Conflict):
    """Raised when a reversal id, payment ref or bill number was already used on the invoice."""

    code = "INVOICE_DUPLICATE_REFERENCE"


class InvoicePaymentExceedsOutstanding(InvoicesError, Conflict):
    """Raised when a payment or bill settlement is larger than the outstanding amount."""

    code = "INVOICE_PAYMENT_EXCEEDS_OUTSTANDING"


class InvoiceAlreadyFinanced(InvoicesError, Conflict):
    """Raised when the outstanding amount is already fully claimed (holders never named)."""

    code = "INVOICE_ALREADY_FINANCED"


class FinancingExceedsOutstanding(InvoicesError, Conflict):
    """Raised when a claim is larger than the unclaimed outstanding amount; ``details`` give
    ``requested_fen`` and ``available_fen`` only, never who holds the rest."""

    code = "FINANCING_EXCEEDS_OUTSTANDING"


class FinancingClaimExists(InvoicesError, Conflict):
    """Raised when a claim id is registered twice on the same invoice."""

    code = "FINANCING_CLAIM_EXISTS"


class TradeAlreadyExists(InvoicesError, Conflict):
    """Raised when a contract is proposed on a trade stream that already holds one."""

    code = "TRADE_ALREADY_EXISTS"


class TradeInvalidState(InvoicesError, Conflict):
    """Raised when the contract's status does not allow the act; ``details["status"]``."""

    code = "TRADE_INVALID_STATE"


class TradeUnknownItem(InvoicesError, Conflict):
    """Raised when a shipment names an item not contracted, or a receipt one not shipped."""

    code = "TRADE_UNKNOWN_ITEM"


class TradeDuplicateDocument(InvoicesError, Conflict):
    """Raised when a shipment id is dispatched twice or a shipment is received twice."""

    code = "TRADE_DUPLICATE_DOCUMENT"


class TradeNotMatched(InvoicesError, Conflict):
    """Raised by ``require_matched`` (and so at disbursement) when a trade's three flows are
    not ``matched``; ``details["discrepancies"]`` lists why."""

    code = "TRADE_NOT_MATCHED"


class ConsentAlreadyGranted(InvoicesError, Conflict):
    """Raised when an SME grants a bank consent it already holds."""

    code = "CONSENT_ALREADY_GRANTED"


class ConsentNotGranted(InvoicesError, Conflict):
    """Raised when an SME withdraws consent the bank does not hold."""

    code = "CONSENT_NOT_GRANTED"


class FinancingAlreadyExists(InvoicesError, Conflict):
    """Raised when ``financing.apply`` reaches a financing stream that already holds one."""

    code = "FINANCING_ALREADY_EXISTS"


class FinancingInvalidState(InvoicesError, Conflict):
    """Raised when the financing's status does not allow the act; ``details["status"]``."""

    code = "FINANCING_INVALID_STATE"


class FinancingClaimMissing(InvoicesError, Conflict):
    """Raised at disbursement when a pledged invoice does not carry the lender's claim (claim id
    = financing id) for at least the pledged amount; ``details["number"]`` names the invoice."""

    code = "FINANCING_CLAIM_MISSING"


class FinancingRepaymentExceedsLoan(InvoicesError, Conflict):
    """Raised when a repayment would take the repaid total past the disbursed amount."""

    code = "FINANCING_REPAYMENT_EXCEEDS_LOAN"


class FinancingDuplicateRepayment(InvoicesError, Conflict):
    """Raised when a repayment reference was already recorded on this financing."""

    code = "FINANCING_DUPLICATE_REPAYMENT"


class InvoiceNotFound(InvoicesError, NotFound):
    """Raised when a command other than ``invoice.issue`` reaches an empty invoice stream."""

    code = "INVOICE_NOT_FOUND"


class InvoiceReversalNotFound(InvoicesError, NotFound):
    """Raised when a reversal answer names no pending reversal of this invoice."""

    code = "INVOICE_REVERSAL_NOT_FOUND"


class FinancingClaimNotFound(InvoicesError, NotFound):
    """Raised when a release or payment names a claim id that does not exist on the invoice
    or that the signer does not hold (the same code, so claim ids of others stay unknown)."""

    code = "FINANCING_CLAIM_NOT_FOUND"


class TradeNotFound(InvoicesError, NotFound):
    """Raised when a command other than the proposal reaches an empty trade stream."""

    code = "TRADE_NOT_FOUND"


class TradeUnknownShipment(InvoicesError, NotFound):
    """Raised when a receipt names a shipment id that was never dispatched on this trade."""

    code = "TRADE_UNKNOWN_SHIPMENT"


class FinancingNotFound(InvoicesError, NotFound):
    """Raised when a command other than the application reaches an empty financing stream."""

    code = "FINANCING_NOT_FOUND"
