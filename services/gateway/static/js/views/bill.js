// A bill: its summary, sub-ranges with their endorsement chains and pending requests, its
// history with each receipt verifiable in this browser, and the act form for this party.
import { $, say, sayError, show } from "../page.js";
import { chosenOffer, offerOperations, operationBody, showOperationFields, submitBillCommand } from "./bill-operations.js";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { verifyReceipt } from "../ledger.js";
import { yuan } from "../money.js";

let shown = null; // the bill on the page, at the version the next command expects

export async function showBill(packageNo) {
  const bill = await api("GET", "/api/v1/bills/" + encodeURIComponent(packageNo));
  shown = bill;
  show("bill-view");
  $("bill-no").textContent = bill.package_no;
  const summary = $("bill-summary");
  summary.replaceChildren();
  for (const [label, value] of [["amount", bill.amount_yuan], ["maturity", bill.maturity_date],
    ["status", t(bill.status)], ["drawer", bill.drawer], ["acceptor", bill.acceptor], ["payeeLabel", bill.payee]]) {
    const dt = document.createElement("dt"); dt.textContent = t(label);
    const dd = document.createElement("dd"); dd.textContent = value;
    summary.append(dt, dd);
  }
  $("ranges").replaceChildren(...bill.ranges.map(rangeBox));
  $("history").replaceChildren(...bill.history.map(historyStep));
  offerOperations(bill);
}

function historyStep(step) {
  const li = document.createElement("li");
  const text = document.createElement("span");
  text.textContent = `#${step.sequence} ${t(step.command)} · ${step.event.name} · ${step.actor} · ${step.ledger_time} `;
  const button = document.createElement("button");
  button.type = "button"; button.className = "secondary";
  button.textContent = t("verify");
  button.setAttribute("aria-label", `${t("verify")} #${step.sequence}`);
  const result = document.createElement("span");
  result.setAttribute("role", "status");
  button.addEventListener("click", () => checkReceipt(step.entry_id, result));
  li.append(text, button, result);
  return li;
}

function rangeBox(range) {
  const box = document.createElement("div");
  box.className = "range";
  box.dataset.start = range.start;
  box.dataset.holder = range.holder;
  const head = document.createElement("p");
  head.textContent = `[${range.start}–${range.end}] ${yuan(range.amount_fen)} · ${t("holder")}: ${range.holder} · ${t(range.status)}` +
    (range.pledgee ? ` · ${t("pledgedTo")} ${range.pledgee}` : "");
  box.append(head);
  if (range.pending) {
    const p = range.pending;
    const pending = document.createElement("p");
    pending.className = "pending";
    pending.textContent = `${t("pending")}: ${t(p.type)} ${p.requester} → ${p.counterparty} (${t("until")} ${p.deadline})`;
    box.append(pending);
  }
  const chain = document.createElement("ol");
  for (const link of range.chain) {
    const li = document.createElement("li");
    li.textContent = `${link.endorser} → ${link.endorsee} (${t(link.kind)}${link.not_transferable ? ", " + t("not_transferable") : ""}, ${link.at})`;
    chain.append(li);
  }
  if (!range.chain.length) { const li = document.createElement("li"); li.textContent = t("chainEmpty"); chain.append(li); }
  box.append(chain);
  return box;
}

async function act(event) {
  event.preventDefault();
  const bill = shown;
  const offer = chosenOffer();
  try {
    const answer = await submitBillCommand(offer.operation.type, bill.package_no, bill.version, operationBody(offer.operation));
    const message = $("message").textContent, ok = $("message").className === "ok";
    await showBill(bill.package_no);
    say(message, ok);
    $("message").dataset.entryId = answer.receipt.entry_id;
  } catch (error) {
    sayError(error);
  }
}

async function checkReceipt(entryId, output) {
  output.textContent = " " + t("working");
  try {
    const receipt = await api("GET", "/api/v1/ledger/receipts/" + entryId);
    const ok = await verifyReceipt(receipt);
    output.textContent = " " + t(ok ? "verified" : "notVerified");
    output.className = ok ? "verified" : "failed";
    return ok;
  } catch (error) {
    output.textContent = " " + t("notVerified");
    output.className = "failed";
    sayError(error);
    return false;
  }
}

export function wireBillView() {
  $("back").addEventListener("click", () => { location.hash = ""; });
  $("act-form").addEventListener("submit", act);
  $("operation").addEventListener("change", () => showOperationFields(true));
}
