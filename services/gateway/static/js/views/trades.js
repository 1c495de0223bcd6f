// Invoices and trades: the party's invoices, its trades with their three-flow match status, and
// the public invoice verification (查验) by number, issue date and total.
import { badge, el, empty, field, fill, section, table } from "../dom.js";
import { sayError, show } from "../page.js";
import { fen, yuan } from "../money.js";
import { api } from "../api.js";
import { signedIn } from "../session.js";
import { t } from "../i18n.js";

const view = section("trades-view");

export async function showTrades() {
  const [{ invoices }, { trades }] = await Promise.all([api("GET", "/api/v1/invoices"), api("GET", "/api/v1/trades")]);
  const me = signedIn.session.party_id;
  const tradeLink = (id) => (id ? el("a", { href: "#trade/" + encodeURIComponent(id) }, id) : "—");
  fill(view,
    el("h2", { i18n: "trades" }),
    el("h3", { i18n: "invoices" }),
    table("invoices", ["number", "invoiceDate", "total", "outstanding", "status", "trade"],
      invoices.map((i) => [i.number, i.issue_date, yuan(i.total_fen), yuan(i.outstanding_fen), i.status, tradeLink(i.trade_id)])),
    empty(invoices),
    el("h3", { i18n: "tradeList" }),
    table("tradeList", ["trade", "contract", "counterparty", "match"],
      trades.map((tr) => [tradeLink(tr.trade_id), tr.contract_number, tr.seller === me ? tr.buyer : tr.seller, badge(tr.match_status)])),
    empty(trades),
    verificationForm());
  show("trades-view");
}

function verificationForm() {
  const result = el("p", { id: "verify-result", role: "status" });
  const form = el("form", { id: "verify-form", ariaLabelledby: "verify-heading" },
    el("h3", { id: "verify-heading", i18n: "verifyInvoice" }),
    ...field("verify-number", "number", { inputMode: "numeric", pattern: "[0-9]{20}", maxLength: 20 }),
    ...field("verify-date", "invoiceDate", { type: "date" }),
    ...field("verify-total", "total", { inputMode: "decimal" }),
    el("button", { type: "submit", i18n: "check" }), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const total = fen(form.elements["verify-total"].value);
    const query = new URLSearchParams({ number: form.elements["verify-number"].value.trim(),
      issue_date: form.elements["verify-date"].value, total_fen: total === null ? "x" : String(total) });
    try {
      const answer = await api("GET", "/api/v1/invoices/verify?" + query);
      result.textContent = answer.authentic ? `${t("authentic")} · ${t("status")}: ${answer.status}` : t("notAuthentic");
      result.className = answer.authentic ? "verified" : "failed";
    } catch (error) { result.textContent = ""; sayError(error); }
  });
  return form;
}
