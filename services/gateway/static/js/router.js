// Hash routes: each view registers the pattern it answers and, optionally, a nav link shown
// only to the party kinds it names (all when it names none); anything no view claims shows the
// home view (the dashboard). Views register in portal.js:
//   registerView(/^#trade\/(.+)$/, (match) => showTrade(decodeURIComponent(match[1])))
//   registerView(/^#trades$/, showTrades, { href: "#trades", label: "trades", kinds: ["enterprise"] })
import { $, sayError, show } from "./page.js";
import { signedIn } from "./session.js";
import { t } from "./i18n.js";

const views = [];
let home = null;

export function registerView(pattern, render, link) {
  views.push({ pattern, render });
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.dataset.i18n = link.label;
    anchor.textContent = t(link.label);
    if (link.kinds) anchor.dataset.kinds = link.kinds.join(" ");
    $("nav").append(anchor);
  }
}

export function registerHome(render) {
  home = render;
}

export function showNavFor(kind) {
  for (const anchor of $("nav").querySelectorAll("a[data-kinds]")) {
    anchor.hidden = !anchor.dataset.kinds.split(" ").includes(kind);
  }
}

export async function route() {
  if (!signedIn.session) return show("login-view");
  try {
    for (const view of views) {
      const found = location.hash.match(view.pattern);
      if (found) return await view.render(found);
    }
    await home();
  } catch (error) {
    sayError(error);
  }
}
