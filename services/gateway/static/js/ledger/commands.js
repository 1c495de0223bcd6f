// Signed commands (ledger/commands.py): an envelope's canonical bytes signed with the browser's
// key; its entry id is the hex SHA-256 of the same bytes. Times are RFC 3339 UTC with
// microseconds, the one spelling the ledger accepts.
import { base64url, canonicalBytes, hex, sha256 } from "./encoding.js";
import { sign } from "./signatures.js";

// Date → "2026-11-22T01:02:03.456000Z" (a Date holds milliseconds)
export const formatTime = (date) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

// 128 random bits, base64url
export const newNonce = () => base64url(crypto.getRandomValues(new Uint8Array(16)));

export const entryId = async (envelope) => hex(await sha256(canonicalBytes(envelope)));

// → { envelope, signature }, the wire form POST /api/v1/commands takes
export async function signCommand(privateKey, envelope) {
  return { envelope, signature: base64url(await sign(privateKey, canonicalBytes(envelope))) };
}
