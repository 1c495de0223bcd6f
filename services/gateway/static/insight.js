// Views beyond the bills: invoices and trades (three flows), financing, credit, the ledger
// explorer and the regulator's trace. Uses app.js's helpers (api, t, say, show, registerView,
// signCommand, verifyReceipt); everything here lives in one closure so no name clashes.
"use strict";

(() => {
  Object.assign(STRINGS.zh, {
    trades: "发票与贸易", invoices: "我的发票", tradeList: "贸易", number: "发票号码",
    issueDate: "开票日期", total: "价税合计(元)", outstanding: "未结金额(元)", trade: "贸易",
    contract: "合同号", counterparty: "交易对手", match: "三流匹配", matched: "匹配",
    partial: "部分匹配", mismatched: "不匹配", goodsFlow: "货物流（合同、发货、收货）",
    infoFlow: "信息流（发票）", fundsFlow: "资金流（付款、票据结算）", discrepancies: "差异",
    noDiscrepancies: "无差异", nothing: "暂无", verifyInvoice: "发票查验", check: "查验",
    authentic: "真实发票", notAuthentic: "查无此票或信息不符", financing: "融资申请",
    applicant: "申请人", bankLabel: "银行", reasons: "原因", apply: "申请融资",
    financingId: "融资编号", pledgeInvoice: "质押发票号码", pledgeAmount: "质押金额(元)",
    loanAmount: "申请金额(元)", applied: "申请已提交并记入账本", credit: "信用评分",
    score: "评分", grade: "等级", pd: "违约概率", limit: "建议额度(元)", model: "模型",
    checkpointAt: "计算所依据的检查点", entries: "账本条目", pointsLost: "失分",
    ledger: "账本浏览", checkpoint: "最新检查点", treeSize: "条目数", root: "根哈希",
    signatures: "签名", ledgerSignature: "账本签名", witness: "见证人",
    witnessedCheckpoint: "最近经见证人联署的检查点",
    noteVerified: "检查点签名已在浏览器中验证", noteNotVerified: "检查点签名验证失败",
    notChecked: "未验证（无公钥）", blocks: "最近区块", height: "高度", sealedAt: "封块时间",
    entryId: "条目编号", open: "查看", entry: "账本条目", type: "类型", stream: "流",
    signer: "签名方", sequence: "序号", ledgerTimeLabel: "账本时间", body: "内容",
    trace: "监管追溯", traceHelp: "输入票据包号，查看流转历史、持票人及关联的发票与贸易。",
    holders: "持票人（按时间）", settlements: "票据结算的发票", linkedTrades: "关联贸易",
    linkBy: "关联方式", by_parties: "按交易双方", by_bill_settlement: "按票据结算",
    regulatorOnly: "仅监管机构可用", yourCredit: "我的信用", older: "更早", sellerBuyer: "卖方 → 买方",
    scoreHistory: "评分历史", ledgerTimeUtc: "账本时间（UTC）",
    historySummary: "评分历史：{first}（{from}）→ {last}（{to}），共 {count} 个点",
    trade_contract_proposed: "合同发起", trade_contract_signed: "合同签署", trade_contract_rejected: "合同拒签",
    shipment_dispatched: "发货", goods_received: "收货", invoice_issued: "开票", invoice_confirmed: "买方确权",
    invoice_linked_to_trade: "发票关联贸易", invoice_reversal_requested: "申请红冲", invoice_reversed: "红冲",
    invoice_payment_recorded: "付款入账", invoice_settled: "发票结清", financing_claimed: "融资登记",
    financing_claim_released: "融资登记解除", financing_diluted: "融资稀释提示",
    eligible: "符合条件", ineligible: "不符合条件", approved: "已批准", declined: "已拒绝",
    disbursed: "已放款", repaid: "已还款",
  });
  Object.assign(STRINGS.en, {
    trades: "Invoices & trades", invoices: "My invoices", tradeList: "Trades", number: "Invoice no.",
    issueDate: "Issue date", total: "Total (yuan)", outstanding: "Outstanding (yuan)", trade: "Trade",
    contract: "Contract no.", counterparty: "Counterparty", match: "Three-flow match",
    matched: "Matched", partial: "Partial", mismatched: "Mismatched",
    goodsFlow: "Goods flow (contract, shipment, receipt)", infoFlow: "Information flow (invoices)",
    fundsFlow: "Funds flow (payments, bill settlements)", discrepancies: "Discrepancies",
    noDiscrepancies: "No discrepancies", nothing: "None yet", verifyInvoice: "Verify an invoice",
    check: "Verify", authentic: "Authentic invoice", notAuthentic: "No such invoice, or details differ",
    financing: "Financing", applicant: "Applicant", bankLabel: "Bank", reasons: "Reasons",
    apply: "Apply for financing", financingId: "Financing id", pledgeInvoice: "Pledged invoice no.",
    pledgeAmount: "Pledged amount (yuan)", loanAmount: "Amount applied for (yuan)",
    applied: "Application submitted and recorded on the ledger", credit: "Credit",
    score: "Score", grade: "Grade", pd: "Probability of default", limit: "Recommended limit (yuan)",
    model: "Model", checkpointAt: "Computed at checkpoint", entries: "Ledger entries",
    pointsLost: "Points lost", ledger: "Ledger explorer", checkpoint: "Latest checkpoint",
    treeSize: "Tree size", root: "Root hash", signatures: "Signatures",
    ledgerSignature: "Ledger signature", witness: "Witness",
    witnessedCheckpoint: "Latest checkpoint cosigned by a witness",
    noteVerified: "Checkpoint signature verified in this browser",
    noteNotVerified: "Checkpoint signature does not verify", notChecked: "not checked (no key)",
    blocks: "Recent blocks", height: "Height", sealedAt: "Sealed at", entryId: "Entry id",
    open: "Open", entry: "Ledger entry", type: "Type", stream: "Stream", signer: "Signer",
    sequence: "Sequence", ledgerTimeLabel: "Ledger time", body: "Body", trace: "Regulator trace",
    traceHelp: "Enter a bill package number to see its history, holders and linked invoices and trades.",
    holders: "Holders (in order)", settlements: "Invoices settled by the bill",
    linkedTrades: "Linked trades", linkBy: "Linked by", by_parties: "trading parties",
    by_bill_settlement: "bill settlement", regulatorOnly: "For regulators only",
    yourCredit: "My credit", older: "Older", sellerBuyer: "Seller → buyer",
    scoreHistory: "Score history", ledgerTimeUtc: "Ledger time (UTC)",
    historySummary: "Score history: {first} on {from} to {last} on {to}, {count} points",
    trade_contract_proposed: "Contract proposed", trade_contract_signed: "Contract signed",
    trade_contract_rejected: "Contract rejected", shipment_dispatched: "Shipment dispatched",
    goods_received: "Goods received", invoice_issued: "Invoice issued", invoice_confirmed: "Confirmed by buyer",
    invoice_linked_to_trade: "Linked to trade", invoice_reversal_requested: "Reversal requested",
    invoice_reversed: "Reversed", invoice_payment_recorded: "Payment recorded", invoice_settled: "Invoice settled",
    financing_claimed: "Financing claim registered", financing_claim_released: "Financing claim released",
    financing_diluted: "Financing diluted",
  });
  Object.assign(ERRORS.zh, {
    CONSENT_REQUIRED: "无权查看该单据", REGULATOR_ONLY: "仅监管机构可使用追溯",
    TRADE_NOT_FOUND: "贸易不存在", FINANCING_NOT_FOUND: "融资申请不存在",
    ENTRY_NOT_FOUND: "账本条目不存在", CREDIT_PARTY_NOT_SCORED: "该机构不参与信用评分",
    COMMAND_BODY_INVALID: "填写内容不正确", INVALID_QUERY: "查询条件不正确",
    FINANCING_ALREADY_EXISTS: "融资编号已存在", INVOICE_NOT_SELLER: "只能质押本企业开具的发票",
    PARTY_NOT_BANK: "所选机构不是银行", CREDIT_UNAVAILABLE: "信用服务暂不可用，申请已记录",
  });
  Object.assign(ERRORS.en, {
    CONSENT_REQUIRED: "You may not see this document",
    REGULATOR_ONLY: "Only a regulator may trace", TRADE_NOT_FOUND: "No such trade",
    FINANCING_NOT_FOUND: "No such application", ENTRY_NOT_FOUND: "No such ledger entry",
    CREDIT_PARTY_NOT_SCORED: "This party is not scored", COMMAND_BODY_INVALID: "Invalid input",
    INVALID_QUERY: "Invalid query", FINANCING_ALREADY_EXISTS: "That financing id is taken",
    INVOICE_NOT_SELLER: "You can only pledge invoices your party issued",
    PARTY_NOT_BANK: "That party is not a bank",
    CREDIT_UNAVAILABLE: "Credit service unavailable; the application is recorded",
  });

  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/static/insight.css";
  document.head.append(style);

  // -- small DOM helpers ------------------------------------------------------------------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (name === "i18n") { node.dataset.i18n = value; node.textContent = t(value); }
      else if (name === "for" || name === "role" || name.startsWith("aria")) node.setAttribute(name.replace(/^aria(?=[A-Z])/, "aria-").toLowerCase(), value);
      else node[name] = value;
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }
  function section(id) {
    const node = el("section", { id, hidden: true });
    document.querySelector("main").append(node);
    return node;
  }
  function fill(node, ...children) { node.replaceChildren(...children.filter((c) => c !== null)); return node; }
  function yuan(fen) {
    if (fen === null || fen === undefined) return "—";
    const sign = fen < 0 ? "-" : "", whole = Math.abs(fen);
    return `${sign}${Math.trunc(whole / 100)}.${String(whole % 100).padStart(2, "0")}`;
  }
  function fen(text) { // "1234.5" → 123450, no floats near money
    const found = String(text).trim().match(/^(\d{1,13})(?:\.(\d{1,2}))?$/);
    return found ? Number(found[1]) * 100 + Number((found[2] || "").padEnd(2, "0")) : null;
  }
  function entryLink(entryId, label) {
    return el("a", { href: "#ledger/entry/" + entryId, className: "entry-link", title: entryId }, label || entryId.slice(0, 12) + "…");
  }
  function badge(status) {
    return el("span", { className: "badge status-" + status }, t(status));
  }
  function table(caption, headers, rows) {
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
  function definitions(pairs) {
    const list = el("dl", { className: "facts" });
    for (const [label, value] of pairs) list.append(el("dt", { i18n: label }), el("dd", {}, value));
    return list;
  }
  function field(id, label, props = {}) {
    return [el("label", { for: id, i18n: label }), el("input", { id, name: id, required: true, ...props })];
  }
  function empty(list) { return list.length ? null : el("p", { className: "empty", i18n: "nothing" }); }

  // -- invoices and trades ------------------------------------------------------------------

  const tradesView = section("trades-view");
  async function showTrades() {
    const [{ invoices }, { trades }] = await Promise.all([api("GET", "/api/v1/invoices"), api("GET", "/api/v1/trades")]);
    const me = state.session.party_id;
    const tradeLink = (id) => (id ? el("a", { href: "#trade/" + encodeURIComponent(id) }, id) : "—");
    fill(tradesView,
      el("h2", { i18n: "trades" }),
      el("h3", { i18n: "invoices" }),
      table("invoices", ["number", "issueDate", "total", "outstanding", "status", "trade"],
        invoices.map((i) => [i.number, i.issue_date, yuan(i.total_fen), yuan(i.outstanding_fen), i.status, tradeLink(i.trade_id)])),
      empty(invoices),
      el("h3", { i18n: "tradeList" }),
      table("tradeList", ["trade", "contract", "counterparty", "match"],
        trades.map((tr) => [tradeLink(tr.trade_id), tr.contract_number, tr.seller === me ? tr.buyer : tr.seller, badge(tr.match_status)])),
      empty(trades),
      verificationForm());
    show("trades-view");
  }
  function verificationForm() {
    const result = el("p", { id: "verify-result", role: "status" });
    const form = el("form", { id: "verify-form", ariaLabelledby: "verify-heading" },
      el("h3", { id: "verify-heading", i18n: "verifyInvoice" }),
      ...field("verify-number", "number", { inputMode: "numeric", pattern: "[0-9]{20}", maxLength: 20 }),
      ...field("verify-date", "issueDate", { type: "date" }),
      ...field("verify-total", "total", { inputMode: "decimal" }),
      el("button", { type: "submit", i18n: "check" }), result);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const total = fen(form.elements["verify-total"].value);
      const query = new URLSearchParams({ number: form.elements["verify-number"].value.trim(),
        issue_date: form.elements["verify-date"].value, total_fen: total === null ? "x" : String(total) });
      try {
        const answer = await api("GET", "/api/v1/invoices/verify?" + query);
        result.textContent = answer.authentic ? `${t("authentic")} · ${t("status")}: ${answer.status}` : t("notAuthentic");
        result.className = answer.authentic ? "verified" : "failed";
      } catch (error) { result.textContent = ""; sayError(error); }
    });
    return form;
  }

  // Goods: the trade's own stream; information: its invoices; funds: payments, bill
  // settlements and financing claims recorded on those invoices.
  const FUNDS = /payment|settled|financing/;
  const LANES = [
    ["goodsFlow", (e) => e.stream.startsWith("trade:")],
    ["infoFlow", (e) => e.stream.startsWith("invoice:") && !FUNDS.test(e.name)],
    ["fundsFlow", (e) => e.stream.startsWith("invoice:") && FUNDS.test(e.name)],
  ];
  function describe(event) {
    const p = event.payload;
    const subject = p.shipment_id || p.number || p.contract_number || "";
    const money = p.total_fen ?? p.amount_fen ?? p.value_fen;
    const extra = p.method === "bill" ? ` · bill ${p.reference}` : p.reference ? ` · ${p.reference}` : "";
    return `${t(event.name)} ${subject}${money !== undefined ? " · " + yuan(money) : ""}${extra}`;
  }

  const tradeView = section("trade-view");
  async function showTrade(tradeId) {
    const { trade, events } = await api("GET", `/api/v1/trades/${encodeURIComponent(tradeId)}/flows`);
    const lanes = el("div", { className: "lanes" });
    for (const [label, belongs] of LANES) {
      const mine = events.filter(belongs);
      const list = el("ol", {}, ...mine.map((e) => el("li", {}, el("span", {}, describe(e)), " ",
        el("time", { dateTime: e.ledger_time }, e.ledger_time.slice(0, 19).replace("T", " ")), " ", entryLink(e.entry_id))));
      const id = "lane-" + label;
      lanes.append(el("section", { className: "lane", ariaLabelledby: id }, el("h3", { id, i18n: label }), list, empty(mine)));
    }
    const discrepancies = trade.match.discrepancies;
    fill(tradeView,
      el("p", {}, el("a", { href: "#trades", i18n: "back" })),
      el("h2", {}, el("span", { i18n: "trade" }), " ", el("code", {}, trade.trade_id)),
      definitions([["contract", trade.contract_number], ["status", trade.status],
        ["sellerBuyer", `${trade.seller} → ${trade.buyer}`], ["match", badge(trade.match.status)]]),
      el("h3", { i18n: "discrepancies" }),
      discrepancies.length ? el("ul", { className: "discrepancies" }, ...discrepancies.map((d) =>
        el("li", {}, el("code", {}, d.code), ` ${d.message} (${d.expected ?? "—"} / ${d.actual ?? "—"})`)))
        : el("p", { className: "verified", i18n: "noDiscrepancies" }),
      lanes);
    show("trade-view");
  }

  // -- financing ----------------------------------------------------------------------------

  const financingView = section("financing-view");
  async function showFinancing() {
    const { financings } = await api("GET", "/api/v1/financings");
    const reasons = (f) => f.reasons.map((r) => r.code).join(", ") || "—";
    fill(financingView,
      el("h2", { i18n: "financing" }),
      table("financing", ["financingId", "applicant", "bankLabel", "amount", "status", "reasons"],
        financings.map((f) => [f.financing_id, f.applicant, f.bank, yuan(f.amount_fen), badge(f.status), reasons(f)])),
      empty(financings),
      applyForm());
    show("financing-view");
  }
  function applyForm() {
    const form = el("form", { id: "apply-form", ariaLabelledby: "apply-heading" },
      el("h3", { id: "apply-heading", i18n: "apply" }),
      ...field("apply-id", "financingId", { value: "fin-" + nonce().slice(0, 10).replace(/[^A-Za-z0-9]/g, "x") }),
      ...field("apply-bank", "bankLabel"),
      ...field("apply-invoice", "pledgeInvoice", { inputMode: "numeric", pattern: "[0-9]{20}" }),
      ...field("apply-pledge", "pledgeAmount", { inputMode: "decimal" }),
      ...field("apply-amount", "loanAmount", { inputMode: "decimal" }),
      el("button", { type: "submit", i18n: "signAndSend" }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = (name) => form.elements[name].value.trim();
      const [pledge, amount] = [fen(value("apply-pledge")), fen(value("apply-amount"))];
      if (pledge === null || amount === null) return sayError({ code: "COMMAND_BODY_INVALID", message: "amount" });
      const financingId = value("apply-id");
      const envelope = {
        type: "financing.apply", stream: "financing:" + financingId, expected_version: 0,
        signer: state.session.party_id, key_id: state.key.keyId, nonce: nonce(), created_at: ledgerTime(),
        body: { financing_id: financingId, bank: value("apply-bank"), amount_fen: amount,
          invoices: [{ number: value("apply-invoice"), amount_fen: pledge }] },
      };
      say(t("working"), true);
      try {
        const answer = await api("POST", "/api/v1/commands", await signCommand(envelope));
        const ok = await verifyReceipt(answer.receipt);
        await showFinancing();
        say(`${t("applied")} · ${answer.financing.status} · ${t(ok ? "verified" : "notVerified")}`, ok);
      } catch (error) { sayError(error); }
    });
    return form;
  }

  // -- credit -------------------------------------------------------------------------------

  // The score over ledger time as inline SVG (no library): the service picks the points (the
  // admission, round instants of ledger time, the latest checkpoint), the chart joins them.
  const SVG_NS = "http://www.w3.org/2000/svg";
  function svg(tag, attributes = {}, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }
  function format(name, values) { return t(name).replace(/\{(\w+)\}/g, (_, key) => values[key]); }
  function historyChart(points) {
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

  const creditView = section("credit-view");
  async function showCredit() {
    const [score, history] = await Promise.all([api("GET", "/api/v1/credit"), api("GET", "/api/v1/credit/history")]);
    const reasons = el("ol", { className: "reasons" }, ...score.reasons.map((r) => el("li", {},
      el("strong", {}, r.text), ` (${r.code}, ${t("pointsLost")} ${r.points_lost}) `,
      el("span", { className: "entry-links" }, t("entries") + ": ", ...r.entries.map((id) => entryLink(id))))));
    fill(creditView,
      el("h2", { i18n: "credit" }),
      definitions([["score", String(score.score)], ["grade", score.grade], ["pd", String(score.pd)],
        ["limit", yuan(score.limit_fen)], ["model", score.model_version],
        ["checkpointAt", `${score.tree_size} · ${score.as_of}`]]),
      el("h3", { i18n: "scoreHistory" }), historyChart(history.points),
      el("h3", { i18n: "reasons" }), reasons, empty(score.reasons));
    show("credit-view");
  }
  // A small card on the dashboard, added when app.js shows it (no change to app.js needed).
  const card = el("aside", { id: "credit-card", className: "card", ariaLabelledby: "credit-card-heading", hidden: true });
  new MutationObserver(async () => {
    const dashboard = document.getElementById("dashboard-view");
    if (!dashboard || dashboard.hidden || !state.session) return;
    if (!card.isConnected) dashboard.querySelector("h2").after(card);
    try {
      const score = await api("GET", "/api/v1/credit");
      fill(card, el("h3", { id: "credit-card-heading", i18n: "yourCredit" }),
        el("p", {}, `${t("score")} ${score.score} · ${t("grade")} ${score.grade} · ${t("limit")} ${yuan(score.limit_fen)} `,
          el("a", { href: "#credit", i18n: "open" })));
      card.hidden = false;
    } catch (error) { card.hidden = true; } // banks and the operator have no score
  }).observe(document.getElementById("dashboard-view"), { attributes: true, attributeFilter: ["hidden"] });

  // -- the ledger explorer -------------------------------------------------------------------

  // C2SP signed note: "<text>\n\n— <name> <base64(4-byte key id || DER signature)>" per signer.
  function derToP1363(der) {
    let at = 2 + (der[1] & 0x80 ? der[1] & 0x7f : 0);
    const part = () => { const length = der[at + 1]; const bytes = der.slice(at + 2, at + 2 + length); at += 2 + length; return bytes; };
    const pad = (bytes) => { const out = new Uint8Array(32); const trimmed = bytes.slice(Math.max(0, bytes.length - 32)); out.set(trimmed, 32 - trimmed.length); return out; };
    const r = pad(part()), s = pad(part());
    const sig = new Uint8Array(64); sig.set(r); sig.set(s, 32);
    return sig;
  }
  // vkey: <name>+<key id hex>+<base64(0x02 || SPKI DER)>; the key data may itself hold "+".
  async function noteKey(vkey) {
    const [name, keyId] = vkey.split("+", 2);
    const spki = Uint8Array.from(atob(vkey.slice(name.length + keyId.length + 2)), (c) => c.charCodeAt(0)).slice(1);
    return { name, keyId, key: await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]) };
  }
  // Each signature line checked against the key of its name and key id: the ledger's (the
  // first vkey) or a witness's; a line with no such key is "not checked".
  async function checkNote(note, vkeys) {
    const [text, lines] = [note.slice(0, note.indexOf("\n\n") + 1), note.slice(note.indexOf("\n\n") + 2).split("\n").filter(Boolean)];
    const keys = await Promise.all(vkeys.map(noteKey));
    const results = [];
    for (const line of lines) {
      const [, name, encoded] = line.split(" ");
      const payload = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
      const keyId = [...payload.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const signer = keys.find((k) => k.name === name && k.keyId === keyId);
      const verdict = signer ? await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, signer.key,
        derToP1363(payload.slice(4)), new TextEncoder().encode(text)) : null;
      results.push({ name, keyId, ledger: name === keys[0].name, verdict });
    }
    return results;
  }
  async function signatureList(checkpoint, ledgerVkey, id) {
    const vkeys = [ledgerVkey, ...Object.values(checkpoint.witnesses || {}).flat()];
    const signatures = await checkNote(checkpoint.note, vkeys);
    return el("ul", { id, className: "signatures" }, ...signatures.map((s) => el("li", {},
      `${t(s.ledger ? "ledgerSignature" : "witness")}: ${s.name} (${s.keyId}) `,
      el("span", { className: s.verdict === null ? "" : s.verdict ? "verified" : "failed", role: "status" },
        s.verdict === null ? t("notChecked") : t(s.verdict ? "noteVerified" : "noteNotVerified")))));
  }

  const ledgerView = section("ledger-view");
  async function showLedger(before) {
    const query = before ? "?before=" + before : "";
    const [checkpoint, witnessed, info, { blocks }] = await Promise.all([api("GET", "/api/v1/ledger/checkpoint"),
      api("GET", "/api/v1/ledger/checkpoint?witnessed=true").catch(() => null), // none cosigned yet
      api("GET", "/api/v1/ledger/info"), api("GET", "/api/v1/ledger/blocks" + query)]);
    const [, size, root] = checkpoint.note.split("\n");
    const signatures = await signatureList(checkpoint, info.vkey, "checkpoint-signatures");
    const witnessedPart = witnessed && witnessed.tree_size !== checkpoint.tree_size ? [
      el("h3", { i18n: "witnessedCheckpoint" }),
      definitions([["treeSize", String(witnessed.tree_size)], ["root", el("code", {}, witnessed.note.split("\n")[2])],
        ["signatures", await signatureList(witnessed, info.vkey, "witnessed-signatures")]]),
    ] : [];
    const entryForm = el("form", { id: "entry-form" }, ...field("entry-id", "entryId", { pattern: "[0-9a-f]{64}", maxLength: 64 }),
      el("button", { type: "submit", i18n: "open" }));
    entryForm.addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = "#ledger/entry/" + entryForm.elements["entry-id"].value.trim();
    });
    const last = blocks.length ? blocks[blocks.length - 1].header.height : 0;
    fill(ledgerView,
      el("h2", { i18n: "ledger" }),
      el("h3", { i18n: "checkpoint" }),
      definitions([["treeSize", size], ["root", el("code", {}, root)], ["signatures", signatures]]),
      el("pre", { className: "note", ariaLabel: t("checkpoint") }, checkpoint.note),
      ...witnessedPart,
      entryForm,
      el("h3", { i18n: "blocks" }),
      table("blocks", ["height", "treeSize", "root", "sealedAt"], blocks.map((b) => [String(b.header.height),
        String(b.header.tree_size), el("code", { title: b.header.root_hash }, b.header.root_hash.slice(0, 16) + "…"), b.header.sealed_at])),
      last > 0 ? el("a", { href: "#ledger/before/" + last, i18n: "older" }) : null);
    show("ledger-view");
  }

  const entryView = section("entry-view");
  async function showEntry(entryId) {
    const receipt = await api("GET", "/api/v1/ledger/entries/" + entryId);
    const envelope = receipt.leaf.envelope;
    const result = el("p", { id: "entry-verification", role: "status" }, t("working"));
    fill(entryView,
      el("p", {}, el("a", { href: "#ledger", i18n: "ledger" })),
      el("h2", {}, el("span", { i18n: "entry" }), " ", el("code", {}, receipt.entry_id)),
      definitions([["type", envelope.type], ["stream", envelope.stream], ["signer", envelope.signer],
        ["sequence", String(receipt.sequence)], ["ledgerTimeLabel", receipt.ledger_time]]),
      result,
      el("h3", { i18n: "body" }),
      el("pre", { className: "note" }, JSON.stringify(envelope.body, null, 2)));
    show("entry-view");
    const ok = await verifyReceipt(receipt);
    result.textContent = t(ok ? "verified" : "notVerified");
    result.className = ok ? "verified" : "failed";
  }

  // -- the regulator's trace ------------------------------------------------------------------

  const traceView = section("trace-view");
  async function showTrace(packageNo) {
    const form = el("form", { id: "trace-form" }, el("p", { i18n: "traceHelp" }),
      ...field("trace-bill", "packageNo", { value: packageNo || "" }), el("button", { type: "submit", i18n: "trace" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = "#trace/" + encodeURIComponent(form.elements["trace-bill"].value.trim());
    });
    const results = el("div", { id: "trace-results" });
    fill(traceView, el("h2", { i18n: "trace" }), form, results);
    show("trace-view");
    if (!packageNo) return;
    const trace = await api("GET", "/api/v1/trace/bills/" + encodeURIComponent(packageNo));
    const bill = trace.bill;
    fill(results,
      definitions([["packageNo", bill.package_no], ["amount", bill.amount_yuan], ["status", bill.status],
        ["drawer", bill.drawer], ["acceptor", bill.acceptor], ["payeeLabel", bill.payee]]),
      el("h3", { i18n: "holders" }), el("ol", { className: "holders" }, ...trace.holders.map((h) => el("li", {}, h))),
      el("h3", { i18n: "history" }),
      el("ol", {}, ...bill.history.map((s) => el("li", {}, `#${s.sequence} ${s.command} · ${s.actor} · ${s.ledger_time} `, entryLink(s.entry_id)))),
      el("h3", { i18n: "settlements" }),
      table("settlements", ["number", "amount", "trade", "entryId"], trace.settlements.map((s) => [s.invoice.number,
        yuan(s.payload.amount_fen), s.invoice.trade_id || "—", entryLink(s.entry_id)])),
      empty(trace.settlements),
      el("h3", { i18n: "linkedTrades" }),
      table("linkedTrades", ["trade", "sellerBuyer", "match", "linkBy"], trace.trades.map((tr) => [
        el("code", {}, tr.trade_id), `${tr.seller} → ${tr.buyer}`, badge(tr.match_status || tr.match.status),
        [...new Set(tr.links.map((l) => t("by_" + l.by)))].join(", ")])),
      empty(trace.trades));
  }

  registerView(/^#trades$/, showTrades, { href: "#trades", label: "trades" });
  registerView(/^#trade\/(.+)$/, (m) => showTrade(decodeURIComponent(m[1])));
  registerView(/^#financing$/, showFinancing, { href: "#financing", label: "financing" });
  registerView(/^#credit$/, showCredit, { href: "#credit", label: "credit" });
  registerView(/^#ledger\/entry\/([0-9a-f]{64})$/, (m) => showEntry(m[1]));
  registerView(/^#ledger\/before\/(\d+)$/, (m) => showLedger(m[1]));
  registerView(/^#ledger$/, () => showLedger(), { href: "#ledger", label: "ledger" });
  registerView(/^#trace(?:\/(.+))?$/, (m) => showTrace(m[1] && decodeURIComponent(m[1])), { href: "#trace", label: "trace", kinds: ["regulator"] });
})();
