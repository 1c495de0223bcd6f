// A command from this page: its envelope stamped with the session's party, the browser's key id,
// a fresh nonce and the platform's time; signed here, sent, and its receipt verified here.
import { newNonce, signCommand, verifyReceipt } from "./ledger.js";
import { ledgerTime, signedIn } from "./session.js";
import { api } from "./api.js";

export function envelopeFor(type, stream, expectedVersion, body) {
  return {
    type, stream, expected_version: expectedVersion,
    signer: signedIn.session.party_id, key_id: signedIn.key.keyId, nonce: newNonce(),
    created_at: ledgerTime(), body,
  };
}

// → { answer (the gateway's, with its receipt), verified (the receipt checked in this browser) }
export async function signAndSend(envelope) {
  const wire = await signCommand(signedIn.key.pair.privateKey, envelope);
  const answer = await api("POST", "/api/v1/commands", wire);
  return { answer, verified: await verifyReceipt(answer.receipt) };
}
