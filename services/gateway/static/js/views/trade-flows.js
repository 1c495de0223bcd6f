// A trade's three flows side by side: goods (the trade's own stream: contract, shipments,
// receipts), information (its invoices) and funds (payments, bill settlements and financing
// claims recorded on those invoices), each event linked to its ledger entry; and the
// discrepancies the match found.
import { badge, definitions, el, empty, entryLink, fill, section } from "../dom.js";
import { api } from "../api.js";
import { show } from "../page.js";
import { t } from "../i18n.js";
import { yuan } from "../money.js";

const FUNDS = /payment|settled|financing/;
const LANES = [
  ["goodsFlow", (e) => e.stream.startsWith("trade:")],
  ["infoFlow", (e) => e.stream.startsWith("invoice:") && !FUNDS.test(e.name)],
  ["fundsFlow", (e) => e.stream.startsWith("invoice:") && FUNDS.test(e.name)],
];

function describe(event) {
  const p = event.payload;
  const subject = p.shipment_id || p.number || p.contract_number || "";
  const money = p.total_fen ?? p.amount_fen ?? p.value_fen;
  const extra = p.method === "bill" ? ` · bill ${p.reference}` : p.reference ? ` · ${p.reference}` : "";
  return `${t(event.name)} ${subject}${money !== undefined ? " · " + yuan(money) : ""}${extra}`;
}

const view = section("trade-view");

export async function showTrade(tradeId) {
  const { trade, events } = await api("GET", `/api/v1/trades/${encodeURIComponent(tradeId)}/flows`);
  const lanes = el("div", { className: "lanes" });
  for (const [label, belongs] of LANES) {
    const mine = events.filter(belongs);
    const list = el("ol", {}, ...mine.map((e) => el("li", {}, el("span", {}, describe(e)), " ",
      el("time", { dateTime: e.ledger_time }, e.ledger_time.slice(0, 19).replace("T", " ")), " ", entryLink(e.entry_id))));
    const id = "lane-" + label;
    lanes.append(el("section", { className: "lane", ariaLabelledby: id }, el("h3", { id, i18n: label }), list, empty(mine)));
  }
  const discrepancies = trade.match.discrepancies;
  fill(view,
    el("p", {}, el("a", { href: "#trades", i18n: "back" })),
    el("h2", {}, el("span", { i18n: "trade" }), " ", el("code", {}, trade.trade_id)),
    definitions([["contract", trade.contract_number], ["status", trade.status],
      ["sellerBuyer", `${trade.seller} → ${trade.buyer}`], ["match", badge(trade.match.status)]]),
    el("h3", { i18n: "discrepancies" }),
    discrepancies.length ? el("ul", { className: "discrepancies" }, ...discrepancies.map((d) =>
      el("li", {}, el("code", {}, d.code), ` ${d.message} (${d.expected ?? "—"} / ${d.actual ?? "—"})`)))
      : el("p", { className: "verified", i18n: "noDiscrepancies" }),
    lanes);
  show("trade-view");
}
