// RFC 9162 §2.1 Merkle trees, as ledger/merkle.py: leaf and node hashes with one-byte domain
// separation, the root of a list of leaf hashes, and the inclusion (§2.1.3.2) and consistency
// (§2.1.4.2) proof checks. Sizes and indexes are plain numbers (below 2**53, as the ledger's).
import { equalBytes, sha256 } from "./encoding.js";

export const leafHash = (data) => sha256(Uint8Array.of(0), data);
export const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);

// plain arithmetic, not bit operators: those cut numbers to 32 bits
const half = (x) => Math.floor(x / 2);
function powerOfTwoBelow(n) { // k, the largest power of two strictly smaller than n (n > 1)
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
const isPowerOfTwo = (n) => n > 0 && powerOfTwoBelow(n + 1) === n;

// MTH(D[n]) over leaf hashes (not raw entries); the empty tree hashes nothing.
export async function rootHash(leafHashes) {
  if (leafHashes.length === 0) return sha256(new Uint8Array(0));
  if (leafHashes.length === 1) return leafHashes[0];
  const k = powerOfTwoBelow(leafHashes.length);
  return nodeHash(await rootHash(leafHashes.slice(0, k)), await rootHash(leafHashes.slice(k)));
}

export async function verifyInclusion(leaf, index, treeSize, proof, root) {
  if (index >= treeSize) return false;
  let fn = index, sn = treeSize - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && equalBytes(r, root);
}

// The tree newRoot of newSize extends the tree oldRoot of oldSize; the same conventions as
// ledger/merkle.py for equal sizes and for the empty old tree.
export async function verifyConsistency(oldSize, newSize, proof, oldRoot, newRoot) {
  if (oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1, sn = newSize - 1;
  while (fn % 2 === 1) { fn = half(fn); sn = half(sn); }
  let [fr, sr] = [path[0], path[0]];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      [fr, sr] = [await nodeHash(c, fr), await nodeHash(c, sr)];
      while (fn % 2 === 0 && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}
