// The regulator's trace (docs/decisions/0008-regulator-trace.md): from a bill to its history,
// its holders in order, the invoices it settled and the trades linked to it. The gateway
// refuses anyone but a regulator (REGULATOR_ONLY); the nav link shows to regulators only.
import { badge, definitions, el, empty, entryLink, field, fill, section, table } from "../dom.js";
import { api } from "../api.js";
import { show } from "../page.js";
import { t } from "../i18n.js";
import { yuan } from "../money.js";

const view = section("trace-view");

function traceForm(packageNo) {
  const form = el("form", { id: "trace-form" }, el("p", { i18n: "traceHelp" }),
    ...field("trace-bill", "packageNo", { value: packageNo || "" }), el("button", { type: "submit", i18n: "trace" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = "#trace/" + encodeURIComponent(form.elements["trace-bill"].value.trim());
  });
  return form;
}

export async function showTrace(packageNo) {
  const results = el("div", { id: "trace-results" });
  fill(view, el("h2", { i18n: "trace" }), traceForm(packageNo), results);
  show("trace-view");
  if (!packageNo) return;
  const trace = await api("GET", "/api/v1/trace/bills/" + encodeURIComponent(packageNo));
  const bill = trace.bill;
  fill(results,
    definitions([["packageNo", bill.package_no], ["amount", bill.amount_yuan], ["status", bill.status],
      ["drawer", bill.drawer], ["acceptor", bill.acceptor], ["payeeLabel", bill.payee]]),
    el("h3", { i18n: "holders" }), el("ol", { className: "holders" }, ...trace.holders.map((h) => el("li", {}, h))),
    el("h3", { i18n: "history" }),
    el("ol", {}, ...bill.history.map((s) => el("li", {}, `#${s.sequence} ${s.command} · ${s.actor} · ${s.ledger_time} `, entryLink(s.entry_id)))),
    el("h3", { i18n: "settlements" }),
    table("settlements", ["number", "amount", "trade", "entryId"], trace.settlements.map((s) => [s.invoice.number,
      yuan(s.payload.amount_fen), s.invoice.trade_id || "—", entryLink(s.entry_id)])),
    empty(trace.settlements),
    el("h3", { i18n: "linkedTrades" }),
    table("linkedTrades", ["trade", "sellerBuyer", "match", "linkBy"], trace.trades.map((tr) => [
      el("code", {}, tr.trade_id), `${tr.seller} → ${tr.buyer}`, badge(tr.match_status || tr.match.status),
      [...new Set(tr.links.map((l) => t("by_" + l.by)))].join(", ")])),
    empty(trace.trades));
}
