// Every bill command the portal signs (services/bills/commands.py): its body fields, and on
// which range it is offered to this party. The bills service decides; this only hides the forms
// that cannot apply. "party" fields name the counterparty (endorsee, guarantor, …).
import { $, say } from "../page.js";
import { envelopeFor, signAndSend } from "../signed-commands.js";
import { requireFen } from "../money.js";
import { signedIn } from "../session.js";
import { t } from "../i18n.js";

const PRE_DELIVERY = ["drafted", "acceptance_presented", "acceptance_refused", "accepted", "receipt_presented"];
const ANSWERED_BY_SIGN = ["endorsement", "guarantee", "pledge", "pledge_release", "discount", "rediscount"];
const asked = (...types) => (r, me) => r.pending && r.pending.counterparty === me && types.includes(r.pending.type);
const holds = (r, me) => r.holder === me && r.status === "active" && !r.pending;
const creditor = (r, me) => (r.creditor || r.holder) === me && !r.pending;
const drawerWhen = (...statuses) => (r, me, bill) => bill.drawer === me && statuses.includes(bill.status);
const partyIs = (kind) => signedIn.party.kind === kind;
const OPERATIONS = [
  { type: "bill.present_acceptance", fields: [], offer: drawerWhen("drafted") },
  { type: "bill.accept", fields: [], offer: asked("acceptance") },
  { type: "bill.refuse_acceptance", fields: ["reason"], offer: asked("acceptance") },
  { type: "bill.present_receipt", fields: [], offer: drawerWhen("accepted") },
  { type: "bill.receive", fields: [], offer: asked("receipt") },
  { type: "bill.refuse_receipt", fields: ["reason"], offer: asked("receipt") },
  { type: "bill.revoke", fields: [], offer: drawerWhen(...PRE_DELIVERY) },
  { type: "bill.sign", fields: ["start"], offer: asked(...ANSWERED_BY_SIGN) },
  { type: "bill.reject", fields: ["start", "reason?"], offer: asked(...ANSWERED_BY_SIGN, "recourse") },
  { type: "bill.pay", fields: ["start"], offer: asked("payment") },
  { type: "bill.dishonour", fields: ["start", "reason"], offer: asked("payment") },
  { type: "bill.settle_recourse", fields: ["start"], offer: asked("recourse") },
  { type: "bill.withdraw", fields: ["start"], offer: (r, me) => r.pending && r.pending.requester === me },
  { type: "bill.endorse", fields: ["start", "end", "endorsee", "not_transferable"], offer: (r, me, bill) => holds(r, me) && !PRE_DELIVERY.includes(bill.status) },
  { type: "bill.guarantee", fields: ["start", "end", "guarantor"], offer: (r, me, bill) => holds(r, me) || (PRE_DELIVERY.includes(bill.status) && [bill.drawer, bill.acceptor].includes(me)) },
  { type: "bill.pledge", fields: ["start", "end", "pledgee"], offer: (r, me, bill) => holds(r, me) && !PRE_DELIVERY.includes(bill.status) },
  { type: "bill.release_pledge", fields: ["start"], offer: (r, me) => holds(r, me) && r.pledgee },
  { type: "bill.discount", fields: ["start", "end", "bank", "rate_bp"], offer: (r, me, bill) => holds(r, me) && !PRE_DELIVERY.includes(bill.status) && partyIs("enterprise") },
  { type: "bill.rediscount", fields: ["start", "end", "bank", "rate_bp"], offer: (r, me) => holds(r, me) && partyIs("bank") },
  { type: "bill.present_payment", fields: ["start"], offer: (r, me) => creditor(r, me) && r.status === "active" },
  { type: "bill.claim_recourse", fields: ["start", "against", "interest", "costs"], offer: (r, me) => creditor(r, me) && r.status === "dishonoured" },
];
const FIELD_INPUTS = ["start", "end", "party", "rate_bp", "interest", "costs", "reason", "not_transferable"];
const PARTY_FIELDS = ["endorsee", "guarantor", "pledgee", "bank", "against"];

let offers = {}; // operation type → { operation, range } on the bill shown

// The operations this party may do on the bill, in the act form's select.
export function offerOperations(bill) {
  const me = signedIn.session.party_id;
  offers = {};
  for (const operation of OPERATIONS) {
    const range = bill.ranges.find((r) => operation.offer(r, me, bill));
    if (range) offers[operation.type] = { operation, range };
  }
  const select = $("operation");
  const chosen = select.value;
  select.replaceChildren();
  for (const type of Object.keys(offers)) {
    const option = document.createElement("option");
    option.value = type; option.textContent = t(type);
    select.append(option);
  }
  if (offers[chosen]) select.value = chosen;
  $("act-form").hidden = !select.options.length;
  $("no-operations").hidden = select.options.length > 0;
  showOperationFields(true);
}

export const chosenOffer = () => offers[$("operation").value];

// The inputs of the chosen operation; prefill puts its range's bounds in start and end.
export function showOperationFields(prefill) {
  const offer = chosenOffer();
  if (!offer) return;
  const fields = offer.operation.fields.map((f) => f.replace("?", ""));
  const party = fields.find((f) => PARTY_FIELDS.includes(f));
  const optional = ["not_transferable", "interest", "costs", ...offer.operation.fields.filter((f) => f.endsWith("?")).map((f) => f.slice(0, -1))];
  for (const name of FIELD_INPUTS) {
    const shown = name === "party" ? Boolean(party) : fields.includes(name);
    $("field-" + name).hidden = !shown;
    $("op-" + name).required = shown && !optional.includes(name);
  }
  if (party) { $("op-party-label").dataset.i18n = party; $("op-party-label").textContent = t(party); }
  if (prefill) {
    $("op-start").value = offer.range.start;
    $("op-end").value = offer.range.end;
  }
}

export function operationBody(operation) {
  const body = {};
  for (const field of operation.fields) {
    const name = field.replace("?", "");
    if (name === "start" || name === "end" || name === "rate_bp") body[name] = Number($("op-" + name).value);
    else if (PARTY_FIELDS.includes(name)) body[name] = $("op-party").value.trim();
    else if (name === "interest" || name === "costs") body[name + "_fen"] = requireFen($("op-" + name).value || "0");
    else if (name === "not_transferable") body[name] = $("op-not_transferable").checked;
    else if (name === "reason" && (field === name || $("op-reason").value.trim())) body.reason = $("op-reason").value.trim();
  }
  return body;
}

// Sign a bill command in this browser, submit it, show the answer and verify its receipt.
export async function submitBillCommand(type, packageNo, version, body) {
  const envelope = envelopeFor(type, "bill:" + packageNo, version, body);
  say(t("working"), true);
  const { answer, verified } = await signAndSend(envelope);
  say(`${t(type)}: ${t("submitted")} · ${t(verified ? "verified" : "notVerified")} (#${answer.receipt.sequence})`, verified);
  $("message").dataset.entryId = answer.receipt.entry_id;
  return answer;
}
