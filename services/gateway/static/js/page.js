// The page's frame: which section shows, the message line every view reports to, and the
// localised cell labels the narrow (phone) layout shows beside each value.
import { refusalText, t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

export function say(text, ok = false) {
  $("message").textContent = text;
  $("message").className = ok ? "ok" : "";
}

export function sayError(error) {
  if (error.local) return say(error.message); // checked in the page before anything was signed
  const known = refusalText(error.code);
  say(known ? `${known} (${error.code})` : `${error.code || "ERROR"}: ${error.message}`);
}

// A refusal found in the page itself, before anything is signed: shown as it is, with no code.
export const refusedHere = (name) => Object.assign(new Error(t(name)), { code: "", local: true });

export function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== view;
  $("logout").hidden = view === "login-view";
  $("nav").hidden = view === "login-view";
}

export function cell(row, label, content) {
  const td = row.insertCell();
  td.dataset.label = t(label);
  if (content instanceof Node) td.append(content); else td.textContent = content;
}
