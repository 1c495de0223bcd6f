// Credit: the party's score with its reasons, each linking to the ledger entries behind it, its
// history over ledger time, and a small card on the dashboard.
import { definitions, el, empty, entryLink, fill, section } from "../dom.js";
import { api } from "../api.js";
import { historyChart } from "./score-chart.js";
import { show } from "../page.js";
import { t } from "../i18n.js";
import { yuan } from "../money.js";

const view = section("credit-view");

export async function showCredit() {
  const [score, history] = await Promise.all([api("GET", "/api/v1/credit"), api("GET", "/api/v1/credit/history")]);
  const reasons = el("ol", { className: "reasons" }, ...score.reasons.map((r) => el("li", {},
    el("strong", {}, r.text), ` (${r.code}, ${t("pointsLost")} ${r.points_lost}) `,
    el("span", { className: "entry-links" }, t("entries") + ": ", ...r.entries.map((id) => entryLink(id))))));
  fill(view,
    el("h2", { i18n: "credit" }),
    definitions([["score", String(score.score)], ["grade", score.grade], ["pd", String(score.pd)],
      ["limit", yuan(score.limit_fen)], ["model", score.model_version],
      ["checkpointAt", `${score.tree_size} · ${score.as_of}`]]),
    el("h3", { i18n: "scoreHistory" }), historyChart(history.points),
    el("h3", { i18n: "reasons" }), reasons, empty(score.reasons));
  show("credit-view");
}

const card = el("aside", { id: "credit-card", className: "card", ariaLabelledby: "credit-card-heading", hidden: true });

// A dashboard card (dashboard.js addDashboardCard): the score, its grade and limit.
export async function creditCard(dashboard) {
  if (!card.isConnected) dashboard.querySelector("h2").after(card);
  try {
    const score = await api("GET", "/api/v1/credit");
    fill(card, el("h3", { id: "credit-card-heading", i18n: "yourCredit" }),
      el("p", {}, `${t("score")} ${score.score} · ${t("grade")} ${score.grade} · ${t("limit")} ${yuan(score.limit_fen)} `,
        el("a", { href: "#credit", i18n: "open" })));
    card.hidden = false;
  } catch (error) { card.hidden = true; } // banks and the operator have no score
}
