// Checkpoints as C2SP signed notes (ledger/notes.py): "<text>\n\n— <name> <base64(4-byte key
// id || DER signature)>" per signer, verified against verifier keys
// "<name>+<key id hex>+<base64(0x02 || SPKI DER)>": the ledger's and its witnesses'.
import { fromBase64, hex, utf8 } from "./encoding.js";

const CURVE = { name: "ECDSA", namedCurve: "P-256" };

// ASN.1 DER ECDSA-Sig-Value → the 64-byte r || s WebCrypto verifies
export function derToP1363(der) {
  let at = 2 + (der[1] & 0x80 ? der[1] & 0x7f : 0);
  const part = () => { const length = der[at + 1]; const bytes = der.slice(at + 2, at + 2 + length); at += 2 + length; return bytes; };
  const pad = (bytes) => { const out = new Uint8Array(32); const trimmed = bytes.slice(Math.max(0, bytes.length - 32)); out.set(trimmed, 32 - trimmed.length); return out; };
  const r = pad(part()), s = pad(part());
  const sig = new Uint8Array(64); sig.set(r); sig.set(s, 32);
  return sig;
}

// The key data may itself hold "+": split on the first two only.
export async function noteKey(vkey) {
  const [name, keyId] = vkey.split("+", 2);
  const spki = fromBase64(vkey.slice(name.length + keyId.length + 2)).slice(1);
  return { name, keyId, key: await crypto.subtle.importKey("spki", spki, CURVE, false, ["verify"]) };
}

// Each signature line checked against the key of its name and key id: the ledger's (the first
// vkey) or a witness's; a line with no such key has the verdict null ("not checked").
export async function checkNote(note, vkeys) {
  const [text, lines] = [note.slice(0, note.indexOf("\n\n") + 1), note.slice(note.indexOf("\n\n") + 2).split("\n").filter(Boolean)];
  const keys = await Promise.all(vkeys.map(noteKey));
  const results = [];
  for (const line of lines) {
    const [, name, encoded] = line.split(" ");
    const payload = fromBase64(encoded);
    const keyId = hex(payload.slice(0, 4));
    const signer = keys.find((k) => k.name === name && k.keyId === keyId);
    const verdict = signer ? await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, signer.key,
      derToP1363(payload.slice(4)), utf8(text)) : null;
    results.push({ name, keyId, ledger: name === keys[0].name, verdict });
  }
  return results;
}
