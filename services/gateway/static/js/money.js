// Money in the page: the API speaks integer fen, people type and read yuan. No floating point
// near money: "1234.5" is parsed into 123450 by its digits.
import { refusedHere } from "./page.js";

// "1234.5" yuan → 123450 fen; null when it is not yuan with at most two decimals
export function fen(text) {
  const found = String(text).trim().match(/^(\d{1,13})(?:\.(\d{1,2}))?$/);
  return found ? Number(found[1]) * 100 + Number((found[2] || "").padEnd(2, "0")) : null;
}

// 123450 → "1234.50"; "—" when there is no amount
export function yuan(fenAmount) {
  if (fenAmount === null || fenAmount === undefined) return "—";
  const sign = fenAmount < 0 ? "-" : "", whole = Math.abs(fenAmount);
  return `${sign}${Math.trunc(whole / 100)}.${String(whole % 100).padStart(2, "0")}`;
}

// fen(text), or a refusal shown in the page (nothing is signed with a malformed amount)
export function requireFen(text) {
  const amount = fen(text);
  if (amount === null) throw refusedHere("badAmount");
  return amount;
}
