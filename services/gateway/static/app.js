// The bill portal: signs commands in this browser with a non-extractable WebCrypto key.
// No build step, no third-party code. Canonical JSON, low-S signatures and RFC 9162 inclusion
// proofs are implemented here to match ledger/canonical.py, ledger/signatures.py, ledger/merkle.py.
"use strict";

const STRINGS = {
  zh: {
    title: "票据门户", language: "语言", logout: "退出", signIn: "登录", username: "用户名",
    password: "密码", dashboard: "我的票据", party: "企业", yourKey: "本机签名密钥",
    keyHelp: "私钥保存在本浏览器中，不可导出。请将以下公钥交给平台运营方登记。",
    publicKey: "公钥 (SPKI, base64url)", keyId: "密钥编号", role: "视图", held: "持有",
    receivable: "应收", payable: "应付", packageNo: "票据包号", amount: "金额(元)",
    maturity: "到期日", status: "状态", noBills: "暂无票据", back: "返回", bill: "票据",
    ranges: "子票区间与背书链", history: "历史", endorse: "背书转让", start: "起始",
    end: "结束", endorsee: "被背书人", signAndSend: "签名并提交", holder: "持票人",
    verify: "验证回执", verified: "回执已验证：已包含在账本检查点中", notVerified: "回执验证失败",
    keyRegistered: "公钥已在账本登记", keyNotRegistered: "公钥尚未登记，暂不能签名提交",
    submitted: "已提交并记入账本", drawer: "出票人", acceptor: "承兑人", payeeLabel: "收款人",
    working: "处理中…", chainEmpty: "无背书",
  },
  en: {
    title: "Bill portal", language: "Language", logout: "Sign out", signIn: "Sign in",
    username: "Username", password: "Password", dashboard: "My bills", party: "Party",
    yourKey: "Signing key on this device",
    keyHelp: "The private key stays in this browser and cannot be exported. Give the public key below to the platform operator to register.",
    publicKey: "Public key (SPKI, base64url)", keyId: "Key id", role: "View", held: "Held",
    receivable: "Receivable", payable: "Payable", packageNo: "Package no.",
    amount: "Amount (yuan)", maturity: "Maturity", status: "Status", noBills: "No bills",
    back: "Back", bill: "Bill", ranges: "Sub-ranges and endorsement chains",
    history: "History", endorse: "Endorse", start: "Start", end: "End", endorsee: "Endorsee",
    signAndSend: "Sign and submit", holder: "Holder", verify: "Verify receipt",
    verified: "Receipt verified: included in the ledger checkpoint",
    notVerified: "Receipt verification failed", keyRegistered: "Public key registered on the ledger",
    keyNotRegistered: "Public key not registered yet: you cannot sign commands",
    submitted: "Submitted and recorded on the ledger", drawer: "Drawer", acceptor: "Acceptor",
    payeeLabel: "Payee", working: "Working…", chainEmpty: "No endorsements",
  },
};

const ERRORS = {
  zh: {
    LOGIN_FAILED: "用户名或密码错误", LOGIN_THROTTLED: "登录失败次数过多，请稍后再试",
    UNAUTHENTICATED: "请先登录", CSRF_REFUSED: "页面已过期，请刷新后重试",
    PARTY_MISMATCH: "只能以本企业身份操作", BILL_NOT_HOLDER: "您不是该区间的持票人",
    STREAM_VERSION_CONFLICT: "票据已被更新，请刷新后重试", KEY_UNKNOWN: "签名公钥尚未登记",
    BILL_REQUEST_PENDING: "该区间已有待处理的请求", BILL_RANGE_INVALID: "区间不正确",
    BILL_UNKNOWN_PARTY: "被背书人不存在", OUTSIDE_TIME_WINDOW: "时间不同步，请刷新后重试",
    BILL_NOT_FOUND: "票据不存在", VALIDATION_FAILED: "输入不正确",
  },
  en: {
    LOGIN_FAILED: "Wrong username or password",
    LOGIN_THROTTLED: "Too many failed sign-ins; try again later",
    UNAUTHENTICATED: "Please sign in", CSRF_REFUSED: "The page expired; reload and try again",
    PARTY_MISMATCH: "You can only act for your own party",
    BILL_NOT_HOLDER: "You do not hold this range",
    STREAM_VERSION_CONFLICT: "The bill has changed; reload and try again",
    KEY_UNKNOWN: "Your signing key is not registered yet",
    BILL_REQUEST_PENDING: "A request on this range is pending", BILL_RANGE_INVALID: "Invalid range",
    BILL_UNKNOWN_PARTY: "Unknown endorsee", OUTSIDE_TIME_WINDOW: "Clock out of sync; reload",
    BILL_NOT_FOUND: "No such bill", VALIDATION_FAILED: "Invalid input",
  },
};

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const state = { lang: localStorage.getItem("lang") || "zh", session: null, offsetMs: 0, key: null };
const $ = (id) => document.getElementById(id);
const t = (name) => STRINGS[state.lang][name] || STRINGS.en[name] || name;

// -- encodings -----------------------------------------------------------------------------

function b64url(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function fromB64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

// The ledger's canonical JSON: sorted keys, no whitespace, UTF-8 (keys are ASCII, so JS and
// Python sort them alike); integers only, as ledger/canonical.py refuses floats.
function canonical(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error("not an integer");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  const keys = Object.keys(value).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
}
const utf8 = (text) => new TextEncoder().encode(text);

// -- keys and signatures -------------------------------------------------------------------

function openKeyStore() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("billchain-keys", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("keys");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function keyStore(mode, action) {
  const db = await openKeyStore();
  return new Promise((resolve, reject) => {
    const request = action(db.transaction("keys", mode).objectStore("keys"));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function deviceKey(username) {
  let pair = await keyStore("readonly", (s) => s.get(username));
  if (!pair) {
    pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    await keyStore("readwrite", (s) => s.put(pair, username));
  }
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const keyId = hex(await crypto.subtle.digest("SHA-256", spki));
  return { pair, publicKey: b64url(spki), keyId };
}

// WebCrypto gives r||s but not always low-S; the ledger accepts only s <= n/2.
function lowS(signature) {
  const bytes = new Uint8Array(signature);
  let s = BigInt("0x" + hex(bytes.slice(32)));
  if (s > P256_N / 2n) s = P256_N - s;
  const sHex = s.toString(16).padStart(64, "0");
  const sBytes = Uint8Array.from(sHex.match(/../g), (h) => parseInt(h, 16));
  return concat(bytes.slice(0, 32), sBytes);
}
async function signCommand(envelope) {
  const message = utf8(canonical(envelope));
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, state.key.pair.privateKey, message);
  return { envelope, signature: b64url(lowS(signature)) };
}
function ledgerTime() {
  const iso = new Date(Date.now() + state.offsetMs).toISOString(); // …:SS.mmmZ
  return iso.replace(/\.(\d{3})Z$/, ".$1000Z");
}
function nonce() {
  return b64url(crypto.getRandomValues(new Uint8Array(16)));
}

// -- RFC 9162 §2.1.3.2 inclusion proof --------------------------------------------------------

async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));
}
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function verifyInclusion(leafHash, index, treeSize, proof, root) {
  if (index >= treeSize) return false;
  let fn = index, sn = treeSize - 1, r = leafHash;
  const half = (x) => Math.floor(x / 2);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(1), p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = await sha256(Uint8Array.of(1), r, p);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && equal(r, root);
}

async function verifyReceipt(receipt) {
  const [, size, rootText] = receipt.checkpoint.split("\n");
  const leaf = await sha256(Uint8Array.of(0), utf8(canonical(receipt.leaf)));
  const entryId = hex(await sha256(utf8(canonical(receipt.leaf.envelope))));
  const proof = receipt.inclusion_proof.map(fromB64);
  return entryId === receipt.entry_id && receipt.leaf.sequence === receipt.sequence &&
    verifyInclusion(leaf, receipt.sequence, Number(size), proof, fromB64(rootText));
}

// -- API -----------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, error) { super(error.message); this.status = status; this.code = error.code; }
}
async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.session) headers["X-CSRF-Token"] = state.session.csrf_token;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({ error: { code: "HTTP_" + response.status, message: response.statusText } }));
  if (!response.ok) throw new ApiError(response.status, payload.error);
  return payload;
}

// -- views ---------------------------------------------------------------------------------

function say(text, ok = false) {
  $("message").textContent = text;
  $("message").className = ok ? "ok" : "";
}
function sayError(error) {
  const known = error.code && (ERRORS[state.lang][error.code] || ERRORS.en[error.code]);
  say(known ? `${known} (${error.code})` : `${error.code || "ERROR"}: ${error.message}`);
}
function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== view;
  $("logout").hidden = view === "login-view";
  $("nav").hidden = view === "login-view";
}

// Further views (insight.js and others) register a hash route and, optionally, a nav link:
// registerView(/^#trades\/(.+)$/, (match) => showTrade(match[1]), { href: "#trades", label: "trades" })
const VIEWS = [];
function registerView(pattern, render, link) {
  VIEWS.push({ pattern, render });
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.dataset.i18n = link.label;
    anchor.textContent = t(link.label);
    $("nav").append(anchor);
  }
}
function translate() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("lang").value = state.lang;
}
function cell(row, label, content) {
  const td = row.insertCell();
  td.dataset.label = t(label);
  if (content instanceof Node) td.append(content); else td.textContent = content;
}

async function startSession(session) {
  state.session = session;
  state.offsetMs = Date.parse(session.server_time) - Date.now();
  state.key = await deviceKey(session.username);
  $("party-id").textContent = session.party_id;
  $("public-key").value = state.key.publicKey;
  $("key-id").textContent = state.key.keyId;
  await showKeyStatus();
  await showDashboard();
}
async function showKeyStatus() {
  let registered = false;
  try {
    const party = await api("GET", "/api/v1/party");
    registered = JSON.stringify(party).includes(state.key.keyId);
  } catch (error) { /* shown as not registered */ }
  $("key-status").textContent = t(registered ? "keyRegistered" : "keyNotRegistered");
  $("key-status").dataset.registered = String(registered);
  $("key-panel").open = !registered;
}
async function showDashboard() {
  show("dashboard-view");
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
    cell(row, "status", bill.status);
  }
  $("no-bills").hidden = bills.length > 0;
}

async function showBill(packageNo) {
  const bill = await api("GET", "/api/v1/bills/" + encodeURIComponent(packageNo));
  state.bill = bill;
  show("bill-view");
  $("bill-no").textContent = bill.package_no;
  const summary = $("bill-summary");
  summary.replaceChildren();
  for (const [label, value] of [["amount", bill.amount_yuan], ["maturity", bill.maturity_date],
    ["status", bill.status], ["drawer", bill.drawer], ["acceptor", bill.acceptor], ["payeeLabel", bill.payee]]) {
    const dt = document.createElement("dt"); dt.textContent = t(label);
    const dd = document.createElement("dd"); dd.textContent = value;
    summary.append(dt, dd);
  }
  const ranges = $("ranges");
  ranges.replaceChildren();
  for (const range of bill.ranges) {
    const box = document.createElement("div");
    box.className = "range";
    const head = document.createElement("p");
    head.textContent = `[${range.start}–${range.end}] ${t("holder")}: ${range.holder} · ${range.status}`;
    const chain = document.createElement("ol");
    for (const link of range.chain) {
      const li = document.createElement("li");
      li.textContent = `${link.endorser} → ${link.endorsee} (${link.kind}, ${link.at})`;
      chain.append(li);
    }
    if (!range.chain.length) { const li = document.createElement("li"); li.textContent = t("chainEmpty"); chain.append(li); }
    box.append(head, chain);
    ranges.append(box);
  }
  const history = $("history");
  history.replaceChildren();
  for (const step of bill.history) {
    const li = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = `#${step.sequence} ${step.command} · ${step.event.name} · ${step.actor} · ${step.ledger_time} `;
    const button = document.createElement("button");
    button.type = "button"; button.className = "secondary";
    button.textContent = t("verify");
    button.setAttribute("aria-label", `${t("verify")} #${step.sequence}`);
    const result = document.createElement("span");
    result.setAttribute("role", "status");
    button.addEventListener("click", () => checkReceipt(step.entry_id, result));
    li.append(text, button, result);
    history.append(li);
  }
  const mine = bill.ranges.find((r) => r.holder === state.session.party_id);
  if (mine) { $("endorse-start").value = mine.start; $("endorse-end").value = mine.end; }
}

async function checkReceipt(entryId, output) {
  output.textContent = " " + t("working");
  try {
    const receipt = await api("GET", "/api/v1/ledger/receipts/" + entryId);
    const ok = await verifyReceipt(receipt);
    output.textContent = " " + t(ok ? "verified" : "notVerified");
    output.className = ok ? "verified" : "failed";
    return ok;
  } catch (error) {
    output.textContent = " " + t("notVerified");
    output.className = "failed";
    sayError(error);
    return false;
  }
}

async function endorse(event) {
  event.preventDefault();
  const bill = state.bill;
  const envelope = {
    type: "bill.endorse",
    stream: "bill:" + bill.package_no,
    expected_version: bill.version,
    signer: state.session.party_id,
    key_id: state.key.keyId,
    nonce: nonce(),
    created_at: ledgerTime(),
    body: {
      start: Number($("endorse-start").value),
      end: Number($("endorse-end").value),
      endorsee: $("endorsee").value.trim(),
    },
  };
  say(t("working"), true);
  try {
    const answer = await api("POST", "/api/v1/commands", await signCommand(envelope));
    await showBill(bill.package_no);
    const ok = await verifyReceipt(answer.receipt);
    say(`${t("submitted")} · ${t(ok ? "verified" : "notVerified")} (#${answer.receipt.sequence})`, ok);
    $("message").dataset.entryId = answer.receipt.entry_id;
  } catch (error) {
    sayError(error);
  }
}

async function route() {
  if (!state.session) return show("login-view");
  const match = location.hash.match(/^#bill\/(.+)$/);
  try {
    for (const view of VIEWS) {
      const found = location.hash.match(view.pattern);
      if (found) return await view.render(found);
    }
    if (match) await showBill(decodeURIComponent(match[1])); else await showDashboard();
  } catch (error) {
    sayError(error);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  translate();
  $("lang").addEventListener("change", () => {
    state.lang = $("lang").value;
    localStorage.setItem("lang", state.lang);
    translate();
    route();
  });
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    try {
      const session = await api("POST", "/api/v1/session", { username: $("username").value, password: $("password").value });
      $("password").value = "";
      await startSession(session);
    } catch (error) {
      sayError(error);
    }
  });
  $("logout").addEventListener("click", async () => {
    try { await api("DELETE", "/api/v1/session"); } catch (error) { /* already gone */ }
    state.session = null; location.hash = ""; show("login-view");
  });
  $("role").addEventListener("change", () => showDashboard().catch(sayError));
  $("back").addEventListener("click", () => { location.hash = ""; });
  $("endorse-form").addEventListener("submit", endorse);
  window.addEventListener("hashchange", route);
  try {
    await startSession(await api("GET", "/api/v1/session"));
    await route();
  } catch (error) {
    show("login-view");
  }
});
