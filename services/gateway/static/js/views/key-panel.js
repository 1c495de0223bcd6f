// The dashboard's key panel: whether the browser's key is registered on the ledger, and on the
// first sign-in its enrolment, a proof of possession signed with it (docs/decisions/0007).
import { canonicalBytes, base64url, sign } from "../ledger.js";
import { $, sayError } from "../page.js";
import { ledgerTime, signedIn } from "../session.js";
import { api } from "../api.js";
import { showNavFor } from "../router.js";
import { t } from "../i18n.js";

async function enrolKey() {
  const { session, key } = signedIn;
  const proof = {
    purpose: "billchain key enrolment", party_id: session.party_id,
    username: session.username, public_key: key.publicKey, signed_at: ledgerTime(),
  };
  const signature = await sign(key.pair.privateKey, canonicalBytes(proof));
  return api("POST", "/api/v1/keys/enrolment", { proof, signature: base64url(signature) });
}

export async function showKeyStatus() {
  let status = "unknown";
  try {
    signedIn.party = await api("GET", "/api/v1/party");
    const known = signedIn.party.keys.some((k) => k.key_id === signedIn.key.keyId && k.revoked_sequence == null);
    status = known ? "registered" : (await enrolKey()).status;
  } catch (error) { sayError(error); }
  const text = { registered: "keyRegistered", pending: "keyPending" }[status] || "keyNotRegistered";
  $("key-status").dataset.i18n = text;
  $("key-status").textContent = t(text);
  $("key-status").dataset.status = status;
  $("key-status").dataset.registered = String(status === "registered");
  $("key-panel").open = status !== "registered";
  $("issue-panel").hidden = !signedIn.party || signedIn.party.kind !== "enterprise";
  showNavFor(signedIn.party && signedIn.party.kind);
}
