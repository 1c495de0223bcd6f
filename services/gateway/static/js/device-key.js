// The browser's signing key: a non-extractable P-256 key pair made on first sign-in and kept in
// IndexedDB per username, so the private key never leaves this browser (docs/decisions/0007).
import { base64url, keyId } from "./ledger.js";

function openKeyStore() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("billchain-keys", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("keys");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function keyStore(mode, action) {
  const db = await openKeyStore();
  return new Promise((resolve, reject) => {
    const request = action(db.transaction("keys", mode).objectStore("keys"));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// → { pair, publicKey (SPKI, base64url), keyId }
export async function deviceKey(username) {
  let pair = await keyStore("readonly", (s) => s.get(username));
  if (!pair) {
    pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    await keyStore("readwrite", (s) => s.put(pair, username));
  }
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return { pair, publicKey: base64url(spki), keyId: await keyId(spki) };
}
