// The dashboard's issue form (enterprises only): a new bill signed in this browser, dated
// today by the platform's clock in China.
import { $, sayError } from "../page.js";
import { platformNow } from "../session.js";
import { requireFen } from "../money.js";
import { submitBillCommand } from "./bill-operations.js";

// 30 digits, the first not 0: a package number nobody else will pick
function newPackageNo() {
  const digits = [...crypto.getRandomValues(new Uint8Array(30))].map((b) => b % 10);
  digits[0] = 1 + (digits[0] % 9);
  return digits.join("");
}

// the issue date is the China business date (UTC+8) by the platform's clock
const chinaToday = () => new Date(platformNow() + 8 * 3600 * 1000).toISOString().slice(0, 10);

export function prepareIssueForm() {
  if (!$("issue-package").value) $("issue-package").value = newPackageNo();
  $("issue-date").value = chinaToday();
}

async function issueBill(event) {
  event.preventDefault();
  try {
    const packageNo = $("issue-package").value.trim();
    const body = {
      package_no: packageNo, kind: $("issue-kind").value, acceptor: $("issue-acceptor").value.trim(),
      payee: $("issue-payee").value.trim(), amount_fen: requireFen($("issue-amount").value),
      issue_date: $("issue-date").value, maturity_date: $("issue-maturity").value,
      supply_chain: $("issue-supply-chain").checked, splittable: $("issue-splittable").checked,
      not_transferable: $("issue-not-transferable").checked,
    };
    await submitBillCommand("bill.issue", packageNo, 0, body);
    $("issue-package").value = "";
    location.hash = "#bill/" + packageNo;
  } catch (error) { sayError(error); }
}

export function wireIssueForm() {
  $("issue-form").addEventListener("submit", issueBill);
}
