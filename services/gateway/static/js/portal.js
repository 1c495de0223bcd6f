// The bill portal, the one module index.html loads. Native ES modules, no build step, no
// third-party code; every command is signed in this browser with a non-extractable WebCrypto
// key, and what the ledger answers is verified here (ledger.js).
//
// This file is the portal's map: each view's module, its hash route and nav link. A new view is
// a module under views/ that creates its section (dom.js section()), exports a show function
// and is registered below; its words go in an i18n/ table.
import { $, show } from "./page.js";
import { chooseLanguage, translatePage } from "./i18n.js";
import { registerHome, registerView, route } from "./router.js";
import { api } from "./api.js";
// the views, in the order of their sections in <main>
import { startSession, wireSignIn } from "./views/sign-in.js";
import { addDashboardCard, showDashboard, wireDashboard } from "./views/dashboard.js";
import { wireIssueForm } from "./views/issue-form.js";
import { showBill, wireBillView } from "./views/bill.js";
import { showTrades } from "./views/trades.js";
import { showTrade } from "./views/trade-flows.js";
import { showFinancing } from "./views/financing.js";
import { creditCard, showCredit } from "./views/credit.js";
import { showEntry, showLedger } from "./views/explorer.js";
import { showTrace } from "./views/trace.js";

const decoded = (match) => match[1] && decodeURIComponent(match[1]);

registerHome(showDashboard);
registerView(/^#bill\/(.+)$/, (m) => showBill(decoded(m)));
registerView(/^#trades$/, showTrades, { href: "#trades", label: "trades" });
registerView(/^#trade\/(.+)$/, (m) => showTrade(decoded(m)));
registerView(/^#financing$/, showFinancing, { href: "#financing", label: "financing" });
registerView(/^#credit$/, showCredit, { href: "#credit", label: "credit" });
registerView(/^#ledger\/entry\/([0-9a-f]{64})$/, (m) => showEntry(m[1]));
registerView(/^#ledger\/before\/(\d+)$/, (m) => showLedger(m[1]));
registerView(/^#ledger$/, () => showLedger(), { href: "#ledger", label: "ledger" });
registerView(/^#trace(?:\/(.+))?$/, (m) => showTrace(decoded(m)), { href: "#trace", label: "trace", kinds: ["regulator"] });
addDashboardCard(creditCard);

async function start() {
  translatePage();
  $("lang").addEventListener("change", () => {
    chooseLanguage($("lang").value);
    translatePage();
    route();
  });
  wireSignIn();
  wireDashboard();
  wireIssueForm();
  wireBillView();
  window.addEventListener("hashchange", route);
  try {
    await startSession(await api("GET", "/api/v1/session"));
    await route();
  } catch (error) {
    show("login-view");
  }
}

start();
