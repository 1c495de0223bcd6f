// Financing: the applications the party sees (as applicant or bank) with their assessment, and
// an application pledging an invoice, signed in this browser.
import { badge, el, empty, field, fill, section, table } from "../dom.js";
import { envelopeFor, signAndSend } from "../signed-commands.js";
import { fen, yuan } from "../money.js";
import { say, sayError, show } from "../page.js";
import { api } from "../api.js";
import { newNonce } from "../ledger.js";
import { t } from "../i18n.js";

const view = section("financing-view");

export async function showFinancing() {
  const { financings } = await api("GET", "/api/v1/financings");
  const reasons = (f) => f.reasons.map((r) => r.code).join(", ") || "—";
  fill(view,
    el("h2", { i18n: "financing" }),
    table("financing", ["financingId", "applicant", "bankLabel", "amount", "status", "reasons"],
      financings.map((f) => [f.financing_id, f.applicant, f.bank, yuan(f.amount_fen), badge(f.status), reasons(f)])),
    empty(financings),
    applyForm());
  show("financing-view");
}

function applyForm() {
  const form = el("form", { id: "apply-form", ariaLabelledby: "apply-heading" },
    el("h3", { id: "apply-heading", i18n: "apply" }),
    ...field("apply-id", "financingId", { value: "fin-" + newNonce().slice(0, 10).replace(/[^A-Za-z0-9]/g, "x") }),
    ...field("apply-bank", "bankLabel"),
    ...field("apply-invoice", "pledgeInvoice", { inputMode: "numeric", pattern: "[0-9]{20}" }),
    ...field("apply-pledge", "pledgeAmount", { inputMode: "decimal" }),
    ...field("apply-amount", "loanAmount", { inputMode: "decimal" }),
    el("button", { type: "submit", i18n: "signAndSend" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    const [pledge, amount] = [fen(value("apply-pledge")), fen(value("apply-amount"))];
    if (pledge === null || amount === null) return sayError({ code: "COMMAND_BODY_INVALID", message: "amount" });
    const financingId = value("apply-id");
    const envelope = envelopeFor("financing.apply", "financing:" + financingId, 0, {
      financing_id: financingId, bank: value("apply-bank"), amount_fen: amount,
      invoices: [{ number: value("apply-invoice"), amount_fen: pledge }],
    });
    say(t("working"), true);
    try {
      const { answer, verified } = await signAndSend(envelope);
      await showFinancing();
      say(`${t("applied")} · ${answer.financing.status} · ${t(verified ? "verified" : "notVerified")}`, verified);
    } catch (error) { sayError(error); }
  });
  return form;
}
