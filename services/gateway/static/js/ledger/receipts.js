// Receipts (ledger/receipts.py): the entry id is the hash of the envelope, and the leaf record
// (envelope, signature, sequence, ledger time) sits at its sequence in the tree of the
// checkpoint the receipt carries. The checkpoint's own signatures are checkNote's (notes.js).
import { canonicalBytes, fromBase64 } from "./encoding.js";
import { entryId } from "./commands.js";
import { leafHash, verifyInclusion } from "./merkle.js";

export async function verifyReceipt(receipt) {
  const [, size, rootText] = receipt.checkpoint.split("\n");
  const leaf = await leafHash(canonicalBytes(receipt.leaf));
  const proof = receipt.inclusion_proof.map(fromBase64);
  return (await entryId(receipt.leaf.envelope)) === receipt.entry_id &&
    receipt.leaf.sequence === receipt.sequence &&
    verifyInclusion(leaf, receipt.sequence, Number(size), proof, fromBase64(rootText));
}
