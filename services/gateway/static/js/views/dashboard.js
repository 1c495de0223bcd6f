// The dashboard: the party's bills as holder, receivable or payable, and the cards other views
// add to it (credit.js adds the credit score's).
import { $, cell, sayError, show } from "../page.js";
import { api } from "../api.js";
import { prepareIssueForm } from "./issue-form.js";
import { t } from "../i18n.js";

const cards = [];

// card(dashboard) is called each time the dashboard shows; it fills and shows its own element.
export function addDashboardCard(card) {
  cards.push(card);
}

export async function showDashboard() {
  show("dashboard-view");
  for (const card of cards) card($("dashboard-view"));
  const { bills } = await api("GET", "/api/v1/bills?role=" + encodeURIComponent($("role").value));
  const body = $("bills").tBodies[0];
  body.replaceChildren();
  for (const bill of bills) {
    const row = body.insertRow();
    const link = document.createElement("a");
    link.href = "#bill/" + bill.package_no;
    link.textContent = bill.package_no;
    cell(row, "packageNo", link);
    cell(row, "amount", bill.amount_yuan);
    cell(row, "maturity", bill.maturity_date);
    cell(row, "status", t(bill.status));
  }
  $("no-bills").hidden = bills.length > 0;
  prepareIssueForm();
}

export function wireDashboard() {
  $("role").addEventListener("change", () => showDashboard().catch(sayError));
}
