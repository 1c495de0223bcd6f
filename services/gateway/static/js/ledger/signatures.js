// ECDSA P-256 / SHA-256 in the ledger's one form (ledger/signatures.py): 64 bytes r || s,
// big-endian, with s <= n/2 (low-S), so nobody can derive a second valid signature from a first.
import { concat, hex, sha256 } from "./encoding.js";

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = P256_N / 2n; // BigInt division floors, as Python's n // 2
const CURVE = { name: "ECDSA", namedCurve: "P-256" };
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" };

const bigint = (bytes) => BigInt("0x" + (hex(bytes) || "0"));
const bytes32 = (n) => Uint8Array.from(n.toString(16).padStart(64, "0").match(/../g), (h) => parseInt(h, 16));

// WebCrypto gives r||s but not always low-S; the ledger accepts only s <= n/2.
export function lowS(signature) {
  const bytes = new Uint8Array(signature);
  let s = bigint(bytes.slice(32));
  if (s > HALF_N) s = P256_N - s;
  return concat(bytes.slice(0, 32), bytes32(s));
}

export async function sign(privateKey, message) {
  return lowS(await crypto.subtle.sign(ECDSA_SHA256, privateKey, message));
}

export const importPublicKey = (spki) => crypto.subtle.importKey("spki", spki, CURVE, false, ["verify"]);

// As ledger.signatures.verify: a verdict, never an exception; a high-S, zero, out-of-range or
// wrongly sized signature is refused before any curve arithmetic, though WebCrypto would take it.
export async function verify(spki, message, signature) {
  const bytes = new Uint8Array(signature);
  if (bytes.length !== 64) return false;
  const [r, s] = [bigint(bytes.slice(0, 32)), bigint(bytes.slice(32))];
  if (r === 0n || s === 0n || r >= P256_N || s > HALF_N) return false;
  try {
    return await crypto.subtle.verify(ECDSA_SHA256, await importPublicKey(spki), bytes, message);
  } catch (error) {
    return false; // not a P-256 public key
  }
}

// A key id: hex SHA-256 of the SubjectPublicKeyInfo DER (ledger/keys.py), as WebCrypto exports it.
export const keyId = async (spki) => hex(await sha256(new Uint8Array(spki)));
