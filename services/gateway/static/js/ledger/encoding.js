// The byte forms the ledger signs and hashes (ledger/canonical.py; base64url as in
// ledger/commands.py). Canonical JSON: sorted keys, no whitespace, UTF-8. Keys are ASCII, so
// JavaScript (UTF-16 code units) and Python (code points) sort them alike; integers only, as
// ledger/canonical.py refuses floats and anything a double cannot hold exactly.

export const utf8 = (text) => new TextEncoder().encode(text);

export function canonical(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error("not an integer");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  const keys = Object.keys(value).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
}

export const canonicalBytes = (value) => utf8(canonical(value));

export async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));
}

// base64url without padding: signatures, nonces, public keys in envelopes
export function base64url(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// standard base64: proof nodes, root hashes and signature lines of checkpoint notes
export const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
