// The ledger explorer: the latest checkpoint and the latest one a witness cosigned, every
// signature line (the ledger's and each witness's) verified in this browser against the keys
// registered on the ledger; recent blocks, paged backwards; and one entry with its inclusion
// proof verified here.
import { checkNote, verifyReceipt } from "../ledger.js";
import { definitions, el, field, fill, section, table } from "../dom.js";
import { api } from "../api.js";
import { show } from "../page.js";
import { t } from "../i18n.js";

async function signatureList(checkpoint, ledgerVkey, id) {
  const vkeys = [ledgerVkey, ...Object.values(checkpoint.witnesses || {}).flat()];
  const signatures = await checkNote(checkpoint.note, vkeys);
  return el("ul", { id, className: "signatures" }, ...signatures.map((s) => el("li", {},
    `${t(s.ledger ? "ledgerSignature" : "witness")}: ${s.name} (${s.keyId}) `,
    el("span", { className: s.verdict === null ? "" : s.verdict ? "verified" : "failed", role: "status" },
      s.verdict === null ? t("notChecked") : t(s.verdict ? "noteVerified" : "noteNotVerified")))));
}

function entryForm() {
  const form = el("form", { id: "entry-form" }, ...field("entry-id", "entryId", { pattern: "[0-9a-f]{64}", maxLength: 64 }),
    el("button", { type: "submit", i18n: "open" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = "#ledger/entry/" + form.elements["entry-id"].value.trim();
  });
  return form;
}

const ledgerView = section("ledger-view");

export async function showLedger(before) {
  const query = before ? "?before=" + before : "";
  const [checkpoint, witnessed, info, { blocks }] = await Promise.all([api("GET", "/api/v1/ledger/checkpoint"),
    api("GET", "/api/v1/ledger/checkpoint?witnessed=true").catch(() => null), // none cosigned yet
    api("GET", "/api/v1/ledger/info"), api("GET", "/api/v1/ledger/blocks" + query)]);
  const [, size, root] = checkpoint.note.split("\n");
  const signatures = await signatureList(checkpoint, info.vkey, "checkpoint-signatures");
  const witnessedPart = witnessed && witnessed.tree_size !== checkpoint.tree_size ? [
    el("h3", { i18n: "witnessedCheckpoint" }),
    definitions([["treeSize", String(witnessed.tree_size)], ["root", el("code", {}, witnessed.note.split("\n")[2])],
      ["signatures", await signatureList(witnessed, info.vkey, "witnessed-signatures")]]),
  ] : [];
  const last = blocks.length ? blocks[blocks.length - 1].header.height : 0;
  fill(ledgerView,
    el("h2", { i18n: "ledger" }),
    el("h3", { i18n: "checkpoint" }),
    definitions([["treeSize", size], ["root", el("code", {}, root)], ["signatures", signatures]]),
    el("pre", { className: "note", ariaLabel: t("checkpoint") }, checkpoint.note),
    ...witnessedPart,
    entryForm(),
    el("h3", { i18n: "blocks" }),
    table("blocks", ["height", "treeSize", "root", "sealedAt"], blocks.map((b) => [String(b.header.height),
      String(b.header.tree_size), el("code", { title: b.header.root_hash }, b.header.root_hash.slice(0, 16) + "…"), b.header.sealed_at])),
    last > 0 ? el("a", { href: "#ledger/before/" + last, i18n: "older" }) : null);
  show("ledger-view");
}

const entryView = section("entry-view");

export async function showEntry(entryId) {
  const receipt = await api("GET", "/api/v1/ledger/entries/" + entryId);
  const envelope = receipt.leaf.envelope;
  const result = el("p", { id: "entry-verification", role: "status" }, t("working"));
  fill(entryView,
    el("p", {}, el("a", { href: "#ledger", i18n: "ledger" })),
    el("h2", {}, el("span", { i18n: "entry" }), " ", el("code", {}, receipt.entry_id)),
    definitions([["type", envelope.type], ["stream", envelope.stream], ["signer", envelope.signer],
      ["sequence", String(receipt.sequence)], ["ledgerTimeLabel", receipt.ledger_time]]),
    result,
    el("h3", { i18n: "body" }),
    el("pre", { className: "note" }, JSON.stringify(envelope.body, null, 2)));
  show("entry-view");
  const ok = await verifyReceipt(receipt);
  result.textContent = t(ok ? "verified" : "notVerified");
  result.className = ok ? "verified" : "failed";
}
