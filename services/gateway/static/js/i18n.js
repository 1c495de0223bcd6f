// The portal's two languages. Each area of the portal keeps its words and the texts of its
// refusal codes in a table of its own under i18n/; they merge here into one namespace, and a
// name defined twice stops the page from loading rather than one area silently relabelling
// another's field. t() falls back to English, then to the name itself.
import * as bills from "./i18n/bills.js";
import * as common from "./i18n/common.js";
import * as insight from "./i18n/insight.js";

const AREAS = { common, bills, insight };
const LANGUAGES = ["zh", "en"];

function merge(part) {
  const merged = { zh: {}, en: {} };
  const origin = {};
  for (const [area, tables] of Object.entries(AREAS)) {
    for (const language of LANGUAGES) {
      for (const [name, text] of Object.entries(tables[part][language])) {
        if (name in merged[language]) {
          throw new Error(`i18n: "${name}" is defined by both ${origin[name]} and ${area}`);
        }
        merged[language][name] = text;
        origin[name] = area;
      }
    }
  }
  return merged;
}

const WORDS = merge("words");
const REFUSALS = merge("refusals");
let language = localStorage.getItem("lang") || "zh";

export const currentLanguage = () => language;

export function chooseLanguage(chosen) {
  language = chosen;
  localStorage.setItem("lang", chosen);
}

export const t = (name) => WORDS[language][name] || WORDS.en[name] || name;

// t() with {placeholders} filled in: format("historySummary", { first: 610, ... })
export const format = (name, values) => t(name).replace(/\{(\w+)\}/g, (_, key) => values[key]);

// The text of a refusal code in the chosen language, or undefined for a code it does not know.
export const refusalText = (code) => code && (REFUSALS[language][code] || REFUSALS.en[code]);

// Every element that names its text with data-i18n, in the chosen language.
export function translatePage() {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  document.getElementById("lang").value = language;
}
