// Building views with DOM calls (no innerHTML, no templates): elements whose text names an
// i18n word re-translate when the language changes, and the small shapes every view repeats.
import { cell } from "./page.js";
import { t } from "./i18n.js";

// el("a", { href: "#credit", i18n: "open" }), el("label", { for: "x" }), el("p", {}, child, "text")
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "i18n") { node.dataset.i18n = value; node.textContent = t(value); }
    else if (name === "for" || name === "role" || name.startsWith("aria")) node.setAttribute(name.replace(/^aria(?=[A-Z])/, "aria-").toLowerCase(), value);
    else node[name] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// A view's own <section> in <main>, hidden until the router shows it.
export function section(id) {
  const node = el("section", { id, hidden: true });
  document.querySelector("main").append(node);
  return node;
}

export function fill(node, ...children) { node.replaceChildren(...children.filter((c) => c !== null)); return node; }

export function table(caption, headers, rows) {
  const node = el("table", {}, el("caption", { className: "visually-hidden" }, t(caption)));
  const head = node.createTHead().insertRow();
  for (const label of headers) head.append(el("th", { scope: "col", i18n: label }));
  const body = node.createTBody();
  for (const cells of rows) {
    const row = body.insertRow();
    cells.forEach((content, i) => cell(row, headers[i], content));
  }
  return node;
}

export function definitions(pairs) {
  const list = el("dl", { className: "facts" });
  for (const [label, value] of pairs) list.append(el("dt", { i18n: label }), el("dd", {}, value));
  return list;
}

// a labelled, required input: [label, input]
export function field(id, label, props = {}) {
  return [el("label", { for: id, i18n: label }), el("input", { id, name: id, required: true, ...props })];
}

export function empty(list) { return list.length ? null : el("p", { className: "empty", i18n: "nothing" }); }

export function entryLink(entryId, label) {
  return el("a", { href: "#ledger/entry/" + entryId, className: "entry-link", title: entryId }, label || entryId.slice(0, 12) + "…");
}

export const badge = (status) => el("span", { className: "badge status-" + status }, t(status));
