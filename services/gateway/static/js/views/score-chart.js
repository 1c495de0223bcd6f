// The credit score over ledger time as inline SVG built with DOM calls (no library): the
// service picks the points (the admission, round instants of ledger time, the latest
// checkpoint), the chart joins them. Its aria-label names the first and last score.
import { format, t } from "../i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function historyChart(points) {
  const [width, height, left, right, top, bottom] = [360, 180, 40, 14, 24, 40];
  const times = points.map((p) => Date.parse(p.as_of)), scores = points.map((p) => p.score);
  const [start, end] = [times[0], times[times.length - 1]];
  const low = Math.floor(Math.min(...scores) / 50) * 50;
  const high = Math.max(low + 50, Math.ceil(Math.max(...scores) / 50) * 50);
  const x = (time) => left + (end > start ? (time - start) / (end - start) : 0.5) * (width - left - right);
  const y = (score) => top + ((high - score) / (high - low)) * (height - top - bottom);
  const when = end - start < 2 * 86400000 ? (p) => p.as_of.slice(11, 19) : (p) => p.as_of.slice(0, 10);
  const [first, last] = [points[0], points[points.length - 1]];
  const summary = format("historySummary", { first: first.score, from: when(first), last: last.score, to: when(last), count: points.length });
  const text = (attributes, content) => svg("text", attributes, content);
  const base = height - bottom;
  return svg("svg", { id: "score-history", class: "score-history", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary },
    svg("title", {}, summary),
    ...[low, (low + high) / 2, high].map((s) => svg("g", { class: "tick" },
      svg("line", { x1: left, x2: width - right, y1: y(s), y2: y(s) }),
      text({ x: left - 4, y: y(s) + 4, "text-anchor": "end" }, String(s)))),
    svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: base }),
    svg("line", { class: "axis", x1: left, x2: width - right, y1: base, y2: base }),
    text({ class: "axis-label", x: left, y: base + 14, "text-anchor": "start" }, when(first)),
    text({ class: "axis-label", x: width - right, y: base + 14, "text-anchor": "end" }, when(last)),
    text({ class: "axis-title", x: (left + width - right) / 2, y: height - 6, "text-anchor": "middle" }, t("ledgerTimeUtc")),
    text({ class: "axis-title", x: 4, y: 12 }, t("score")),
    svg("polyline", { class: "line", points: points.map((p, i) => `${x(times[i])},${y(p.score)}`).join(" ") }),
    ...points.map((p, i) => svg("circle", { class: "point grade-" + p.grade, cx: x(times[i]), cy: y(p.score), r: 3.5,
      "data-score": p.score, "data-tree-size": p.tree_size },
    svg("title", {}, `${p.as_of} · ${t("score")} ${p.score} · ${t("grade")} ${p.grade} · ${t("treeSize")} ${p.tree_size}`))));
}
