// The bill portal: signs commands in this browser with a non-extractable WebCrypto key.
// No build step, no third-party code. Canonical JSON, low-S signatures and RFC 9162 inclusion
// proofs are implemented here to match ledger/canonical.py, ledger/signatures.py, ledger/merkle.py.
"use strict";

const STRINGS = {
  zh: {
    title: "票据门户", language: "语言", logout: "退出", signIn: "登录", username: "用户名",
    password: "密码", dashboard: "我的票据", party: "企业", yourKey: "本机签名密钥",
    keyHelp: "私钥保存在本浏览器中，不可导出。门户已用此密钥签名申请登记其公钥，待平台运营方批准。",
    publicKey: "公钥 (SPKI, base64url)", keyId: "密钥编号", role: "视图", held: "持有",
    receivable: "应收", payable: "应付", packageNo: "票据包号", amount: "金额(元)",
    maturity: "到期日", status: "状态", noBills: "暂无票据", back: "返回", bill: "票据",
    ranges: "子票区间与背书链", history: "历史", start: "起始子票", end: "结束子票",
    signAndSend: "签名并提交", holder: "持票人",
    verify: "验证回执", verified: "回执已验证：已包含在账本检查点中", notVerified: "回执验证失败",
    keyRegistered: "公钥已在账本登记", keyPending: "公钥登记申请待运营方批准，暂不能签名提交",
    keyNotRegistered: "公钥尚未登记，暂不能签名提交",
    submitted: "已提交并记入账本", drawer: "出票人", acceptor: "承兑人", payeeLabel: "收款人",
    working: "处理中…", chainEmpty: "无背书", operation: "业务操作", act: "办理业务",
    noOperations: "您在此票据上暂无可办理的业务", endorsee: "被背书人", guarantor: "保证人",
    pledgee: "质权人", bank: "贴现银行", against: "被追索人", rate_bp: "年贴现率(基点)",
    interest: "利息(元)", costs: "费用(元)", reason: "理由", not_transferable: "不得转让",
    issue: "出票", kind: "票据种类", bank_acceptance: "银行承兑汇票",
    commercial_acceptance: "商业承兑汇票", issueDate: "出票日", supply_chain: "供应链票据",
    splittable: "可分包流转", badAmount: "金额格式应为元，最多两位小数", pending: "待处理",
    pledgedTo: "质押给", until: "截至",
    "bill.present_acceptance": "提示承兑", "bill.accept": "承兑", "bill.refuse_acceptance": "拒绝承兑",
    "bill.present_receipt": "提示收票", "bill.receive": "签收票据", "bill.refuse_receipt": "拒绝收票",
    "bill.revoke": "撤票", "bill.endorse": "背书转让", "bill.guarantee": "申请保证",
    "bill.pledge": "质押", "bill.release_pledge": "解除质押", "bill.discount": "贴现",
    "bill.rediscount": "转贴现", "bill.sign": "签收（同意申请）", "bill.reject": "驳回申请",
    "bill.withdraw": "撤回申请", "bill.present_payment": "提示付款", "bill.pay": "付款",
    "bill.dishonour": "拒付", "bill.claim_recourse": "追索", "bill.settle_recourse": "追索清偿",
    "bill.issue": "出票", "bill.tick": "到期处理",
    drafted: "已出票", acceptance_presented: "提示承兑中", acceptance_refused: "已拒绝承兑",
    accepted: "已承兑", receipt_presented: "提示收票中", in_circulation: "流通中",
    dishonoured: "已拒付", settled: "已结清", revoked: "已撤票", active: "有效", paid: "已付款",
    discharged: "已清偿", acceptance: "承兑", receipt: "收票", endorsement: "背书",
    guarantee: "保证", pledge: "质押", pledge_release: "解除质押", discount: "贴现",
    rediscount: "转贴现", payment: "付款", recourse: "追索",
  },
  en: {
    title: "Bill portal", language: "Language", logout: "Sign out", signIn: "Sign in",
    username: "Username", password: "Password", dashboard: "My bills", party: "Party",
    yourKey: "Signing key on this device",
    keyHelp: "The private key stays in this browser and cannot be exported. The portal asked for its public key to be registered, with a proof signed by this key; the platform operator approves it.",
    publicKey: "Public key (SPKI, base64url)", keyId: "Key id", role: "View", held: "Held",
    receivable: "Receivable", payable: "Payable", packageNo: "Package no.",
    amount: "Amount (yuan)", maturity: "Maturity", status: "Status", noBills: "No bills",
    back: "Back", bill: "Bill", ranges: "Sub-ranges and endorsement chains",
    history: "History", start: "Start", end: "End",
    signAndSend: "Sign and submit", holder: "Holder", verify: "Verify receipt",
    verified: "Receipt verified: included in the ledger checkpoint",
    notVerified: "Receipt verification failed", keyRegistered: "Public key registered on the ledger",
    keyPending: "Key registration pending the operator's approval: you cannot sign commands yet",
    keyNotRegistered: "Public key not registered yet: you cannot sign commands",
    submitted: "Submitted and recorded on the ledger", drawer: "Drawer", acceptor: "Acceptor",
    payeeLabel: "Payee", working: "Working…", chainEmpty: "No endorsements",
    operation: "Operation", act: "Act on this bill",
    noOperations: "Nothing for you to do on this bill now", endorsee: "Endorsee",
    guarantor: "Guarantor", pledgee: "Pledgee", bank: "Bank", against: "Claim against",
    rate_bp: "Discount rate (basis points a year)", interest: "Interest (yuan)",
    costs: "Costs (yuan)", reason: "Reason", not_transferable: "Not transferable (不得转让)",
    issue: "Issue a bill", kind: "Kind", bank_acceptance: "Bank acceptance bill",
    commercial_acceptance: "Commercial acceptance bill", issueDate: "Issue date",
    supply_chain: "Supply-chain bill", splittable: "Splittable into sub-ranges",
    badAmount: "Amounts are yuan with at most two decimals", pending: "Pending",
    pledgedTo: "pledged to", until: "until",
    "bill.present_acceptance": "Present for acceptance", "bill.accept": "Accept",
    "bill.refuse_acceptance": "Refuse acceptance", "bill.present_receipt": "Present for receipt",
    "bill.receive": "Receive the bill", "bill.refuse_receipt": "Refuse receipt",
    "bill.revoke": "Revoke the bill", "bill.endorse": "Endorse",
    "bill.guarantee": "Ask for a guarantee", "bill.pledge": "Pledge",
    "bill.release_pledge": "Release the pledge", "bill.discount": "Discount",
    "bill.rediscount": "Rediscount", "bill.sign": "Sign (agree to the request)",
    "bill.reject": "Reject the request", "bill.withdraw": "Withdraw my request",
    "bill.present_payment": "Present for payment", "bill.pay": "Pay",
    "bill.dishonour": "Dishonour", "bill.claim_recourse": "Claim recourse",
    "bill.settle_recourse": "Settle recourse", "bill.issue": "Issue", "bill.tick": "Deadline tick",
    drafted: "drafted", acceptance_presented: "presented for acceptance",
    acceptance_refused: "acceptance refused", accepted: "accepted",
    receipt_presented: "presented for receipt", in_circulation: "in circulation",
    dishonoured: "dishonoured", settled: "settled", revoked: "revoked", active: "active",
    paid: "paid", discharged: "discharged", acceptance: "acceptance", receipt: "receipt",
    endorsement: "endorsement", guarantee: "guarantee", pledge: "pledge",
    pledge_release: "pledge release", discount: "discount", rediscount: "rediscount",
    payment: "payment", recourse: "recourse",
  },
};

const ERRORS = {
  zh: {
    LOGIN_FAILED: "用户名或密码错误", LOGIN_THROTTLED: "登录失败次数过多，请稍后再试",
    RATE_LIMITED: "请求过于频繁，请稍后再试",
    UNAUTHENTICATED: "请先登录", CSRF_REFUSED: "页面已过期，请刷新后重试",
    PARTY_MISMATCH: "只能以本企业身份操作", STREAM_VERSION_CONFLICT: "票据已被更新，请刷新后重试",
    KEY_UNKNOWN: "签名公钥尚未登记", KEY_REVOKED: "签名公钥已被吊销", KEY_NOT_SIGNERS: "签名公钥不属于本企业",
    OUTSIDE_TIME_WINDOW: "时间不同步，请刷新后重试", VALIDATION_FAILED: "输入不正确",
    REPLAY_REFUSED: "该命令已提交过", SIGNATURE_MISMATCH: "签名无效", INVALID_ENVELOPE: "命令格式不正确",
    ENROLMENT_PROOF_INVALID: "密钥登记证明无效", ENROLMENT_KEY_TAKEN: "该密钥已由其他企业登记",
    INVALID_KEY: "公钥无效", PARTY_UNKNOWN: "企业未在平台登记", SERVICE_UNAVAILABLE: "服务暂不可用，请稍后再试",
    BILL_UNKNOWN_COMMAND: "未知的票据操作", BILL_FIELD_MISSING: "缺少必填项", BILL_FIELD_UNKNOWN: "含有多余字段",
    BILL_FIELD_INVALID: "字段格式不正确", BILL_AMOUNT_INVALID: "金额不正确",
    BILL_AMOUNT_LIMIT: "单张票据金额不得超过10亿元", BILL_TENOR_LIMIT: "票据期限不得超过6个月",
    BILL_MATURITY_NOT_AFTER_ISSUE: "到期日须晚于出票日", BILL_ISSUE_DATE_NOT_TODAY: "出票日须为当日",
    BILL_RANGE_INVALID: "子票区间不正确", BILL_NOT_SPLITTABLE: "该票据不可分包",
    BILL_SAME_PARTY: "不能向自己发起该申请", BILL_CALENDAR_INVALID: "日期不在营业日历内",
    BILL_NOT_FOUND: "票据不存在", BILL_UNKNOWN_PARTY: "对方企业不存在", BILL_NOT_HOLDER: "您不是该区间的持票人",
    BILL_NOT_DRAWER: "只有出票人可以办理", BILL_NOT_COUNTERPARTY: "该申请不是发给您的",
    BILL_NOT_REQUESTER: "只有申请人可以撤回", BILL_NOT_OPERATOR: "只有平台运营方可以办理",
    BILL_NOT_BANK: "对方须为银行", BILL_NOT_ENTERPRISE: "对方须为企业", BILL_PARTY_NOT_ELIGIBLE: "对方不符合条件",
    BILL_GUARANTOR_IS_PARTY: "保证人不能是票据当事人", BILL_NOT_LIABLE: "被追索人不承担票据责任",
    BILL_EXISTS: "票据包号已存在", BILL_INVALID_STATE: "票据当前状态不允许该操作",
    BILL_REQUEST_PENDING: "该区间已有待处理的申请", BILL_NO_PENDING_REQUEST: "没有待处理的申请",
    BILL_REQUEST_EXPIRED: "申请已过期", BILL_ANSWER_DEADLINE_PASSED: "已过应答期限",
    BILL_NOT_TRANSFERABLE: "票据已记载不得转让", BILL_RANGE_PLEDGED: "区间已质押，请先解除质押",
    BILL_NOT_PLEDGED: "区间未质押", BILL_DISHONOURED: "票据已被拒付", BILL_NOT_DISHONOURED: "票据未被拒付",
    BILL_PRESENTMENT_WINDOW_CLOSED: "提示付款期已过", BILL_MATURED: "票据已到期", BILL_NOT_DUE: "票据尚未到期",
    BILL_PAYMENT_TIME_BARRED: "付款请求权已过时效", BILL_RECOURSE_TIME_BARRED: "追索权已过时效",
    BILL_CHAIN_BROKEN: "背书不连续",
  },
  en: {
    LOGIN_FAILED: "Wrong username or password",
    LOGIN_THROTTLED: "Too many failed sign-ins; try again later",
    RATE_LIMITED: "Too many requests; please slow down",
    UNAUTHENTICATED: "Please sign in", CSRF_REFUSED: "The page expired; reload and try again",
    PARTY_MISMATCH: "You can only act for your own party",
    STREAM_VERSION_CONFLICT: "The bill has changed; reload and try again",
    KEY_UNKNOWN: "Your signing key is not registered yet", KEY_REVOKED: "Your signing key was revoked",
    KEY_NOT_SIGNERS: "The signing key belongs to another party",
    OUTSIDE_TIME_WINDOW: "Clock out of sync; reload", VALIDATION_FAILED: "Invalid input",
    REPLAY_REFUSED: "This command was already submitted", SIGNATURE_MISMATCH: "Invalid signature",
    INVALID_ENVELOPE: "Malformed command", ENROLMENT_PROOF_INVALID: "The key enrolment proof is invalid",
    ENROLMENT_KEY_TAKEN: "This key is enrolled for another party", INVALID_KEY: "Invalid public key",
    PARTY_UNKNOWN: "Your party is not admitted on the platform",
    SERVICE_UNAVAILABLE: "A service is unavailable; try again later",
    BILL_UNKNOWN_COMMAND: "Unknown bill operation", BILL_FIELD_MISSING: "A required field is missing",
    BILL_FIELD_UNKNOWN: "An unexpected field was sent", BILL_FIELD_INVALID: "A field has the wrong form",
    BILL_AMOUNT_INVALID: "Invalid amount", BILL_AMOUNT_LIMIT: "A bill is at most 1,000,000,000.00 yuan",
    BILL_TENOR_LIMIT: "Maturity is at most six months after issue",
    BILL_MATURITY_NOT_AFTER_ISSUE: "Maturity must come after the issue date",
    BILL_ISSUE_DATE_NOT_TODAY: "The issue date must be today", BILL_RANGE_INVALID: "Invalid range",
    BILL_NOT_SPLITTABLE: "This bill cannot be split", BILL_SAME_PARTY: "You cannot ask this of yourself",
    BILL_CALENDAR_INVALID: "The date is outside the business calendar", BILL_NOT_FOUND: "No such bill",
    BILL_UNKNOWN_PARTY: "Unknown counterparty", BILL_NOT_HOLDER: "You do not hold this range",
    BILL_NOT_DRAWER: "Only the drawer may do this", BILL_NOT_COUNTERPARTY: "This request is not addressed to you",
    BILL_NOT_REQUESTER: "Only the requester may withdraw", BILL_NOT_OPERATOR: "Only the operator may do this",
    BILL_NOT_BANK: "The counterparty must be a bank", BILL_NOT_ENTERPRISE: "The counterparty must be an enterprise",
    BILL_PARTY_NOT_ELIGIBLE: "The counterparty is not eligible",
    BILL_GUARANTOR_IS_PARTY: "A guarantor cannot already be a party to the bill",
    BILL_NOT_LIABLE: "That party is not liable on this bill", BILL_EXISTS: "This package number exists",
    BILL_INVALID_STATE: "The bill's state does not allow this now",
    BILL_REQUEST_PENDING: "A request on this range is pending", BILL_NO_PENDING_REQUEST: "No request is pending",
    BILL_REQUEST_EXPIRED: "The request has expired", BILL_ANSWER_DEADLINE_PASSED: "The answer deadline has passed",
    BILL_NOT_TRANSFERABLE: "Marked not transferable (不得转让)", BILL_RANGE_PLEDGED: "The range is pledged; release it first",
    BILL_NOT_PLEDGED: "The range is not pledged", BILL_DISHONOURED: "The bill was dishonoured",
    BILL_NOT_DISHONOURED: "The bill was not dishonoured",
    BILL_PRESENTMENT_WINDOW_CLOSED: "The payment presentment window has closed",
    BILL_MATURED: "The bill has matured", BILL_NOT_DUE: "The bill is not due yet",
    BILL_PAYMENT_TIME_BARRED: "The payment claim is time-barred",
    BILL_RECOURSE_TIME_BARRED: "The recourse claim is time-barred",
    BILL_CHAIN_BROKEN: "The endorsement chain is broken",
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
  if (error.local) return say(error.message);  // checked in the page before anything was signed
  const known = error.code && (ERRORS[state.lang][error.code] || ERRORS.en[error.code]);
  say(known ? `${known} (${error.code})` : `${error.code || "ERROR"}: ${error.message}`);
}
function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== view;
  $("logout").hidden = view === "login-view";
  $("nav").hidden = view === "login-view";
}

// Further views (insight.js and others) register a hash route and, optionally, a nav link,
// shown only to the party kinds it names (all when it names none):
// registerView(/^#trades\/(.+)$/, (match) => showTrade(match[1]), { href: "#trades", label: "trades" })
const VIEWS = [];
function registerView(pattern, render, link) {
  VIEWS.push({ pattern, render });
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.dataset.i18n = link.label;
    anchor.textContent = t(link.label);
    if (link.kinds) anchor.dataset.kinds = link.kinds.join(" ");
    $("nav").append(anchor);
  }
}
function showNavFor(kind) {
  for (const anchor of $("nav").querySelectorAll("a[data-kinds]")) {
    anchor.hidden = !anchor.dataset.kinds.split(" ").includes(kind);
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

// -- the browser's key: enrolled with proof of possession on first sign-in -------------------

async function enrolKey() {
  const proof = {
    purpose: "billchain key enrolment", party_id: state.session.party_id,
    username: state.session.username, public_key: state.key.publicKey, signed_at: ledgerTime(),
  };
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, state.key.pair.privateKey, utf8(canonical(proof)));
  return api("POST", "/api/v1/keys/enrolment", { proof, signature: b64url(lowS(signature)) });
}
async function showKeyStatus() {
  let status = "unknown";
  try {
    state.party = await api("GET", "/api/v1/party");
    const known = state.party.keys.some((k) => k.key_id === state.key.keyId && k.revoked_sequence == null);
    status = known ? "registered" : (await enrolKey()).status;
  } catch (error) { sayError(error); }
  const text = { registered: "keyRegistered", pending: "keyPending" }[status] || "keyNotRegistered";
  $("key-status").dataset.i18n = text;
  $("key-status").textContent = t(text);
  $("key-status").dataset.status = status;
  $("key-status").dataset.registered = String(status === "registered");
  $("key-panel").open = status !== "registered";
  $("issue-panel").hidden = !state.party || state.party.kind !== "enterprise";
  showNavFor(state.party && state.party.kind);
}

// -- dashboard -------------------------------------------------------------------------------

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
    cell(row, "status", t(bill.status));
  }
  $("no-bills").hidden = bills.length > 0;
  if (!$("issue-package").value) $("issue-package").value = newPackageNo();
  $("issue-date").value = chinaToday();
}

function newPackageNo() {
  const digits = [...crypto.getRandomValues(new Uint8Array(30))].map((b) => b % 10);
  digits[0] = 1 + (digits[0] % 9);
  return digits.join("");
}
function chinaToday() {  // the issue date is the China business date by the platform's clock
  return new Date(Date.now() + state.offsetMs + 8 * 3600 * 1000).toISOString().slice(0, 10);
}
// "1234.5" yuan → 123450 fen, without floating point near money
function fen(text) {
  const match = String(text).trim().match(/^(\d{1,12})(?:\.(\d{1,2}))?$/);
  if (!match) throw Object.assign(new Error(t("badAmount")), { code: "", local: true });
  return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
}
const yuan = (fenAmount) => (fenAmount / 100).toFixed(2);

async function issueBill(event) {
  event.preventDefault();
  try {
    const packageNo = $("issue-package").value.trim();
    const body = {
      package_no: packageNo, kind: $("issue-kind").value, acceptor: $("issue-acceptor").value.trim(),
      payee: $("issue-payee").value.trim(), amount_fen: fen($("issue-amount").value),
      issue_date: $("issue-date").value, maturity_date: $("issue-maturity").value,
      supply_chain: $("issue-supply-chain").checked, splittable: $("issue-splittable").checked,
      not_transferable: $("issue-not-transferable").checked,
    };
    await submit("bill.issue", packageNo, 0, body);
    $("issue-package").value = "";
    location.hash = "#bill/" + packageNo;
  } catch (error) { sayError(error); }
}

// Sign a bill command in this browser, submit it, show the answer and verify its receipt.
async function submit(type, packageNo, version, body) {
  const envelope = {
    type, stream: "bill:" + packageNo, expected_version: version,
    signer: state.session.party_id, key_id: state.key.keyId, nonce: nonce(),
    created_at: ledgerTime(), body,
  };
  say(t("working"), true);
  const answer = await api("POST", "/api/v1/commands", await signCommand(envelope));
  const ok = await verifyReceipt(answer.receipt);
  say(`${t(type)}: ${t("submitted")} · ${t(ok ? "verified" : "notVerified")} (#${answer.receipt.sequence})`, ok);
  $("message").dataset.entryId = answer.receipt.entry_id;
  return answer;
}

// -- bill detail -----------------------------------------------------------------------------

async function showBill(packageNo) {
  const bill = await api("GET", "/api/v1/bills/" + encodeURIComponent(packageNo));
  state.bill = bill;
  show("bill-view");
  $("bill-no").textContent = bill.package_no;
  const summary = $("bill-summary");
  summary.replaceChildren();
  for (const [label, value] of [["amount", bill.amount_yuan], ["maturity", bill.maturity_date],
    ["status", t(bill.status)], ["drawer", bill.drawer], ["acceptor", bill.acceptor], ["payeeLabel", bill.payee]]) {
    const dt = document.createElement("dt"); dt.textContent = t(label);
    const dd = document.createElement("dd"); dd.textContent = value;
    summary.append(dt, dd);
  }
  $("ranges").replaceChildren(...bill.ranges.map(rangeBox));
  const history = $("history");
  history.replaceChildren();
  for (const step of bill.history) {
    const li = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = `#${step.sequence} ${t(step.command)} · ${step.event.name} · ${step.actor} · ${step.ledger_time} `;
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
  offerOperations(bill);
}

function rangeBox(range) {
  const box = document.createElement("div");
  box.className = "range";
  box.dataset.start = range.start;
  box.dataset.holder = range.holder;
  const head = document.createElement("p");
  head.textContent = `[${range.start}–${range.end}] ${yuan(range.amount_fen)} · ${t("holder")}: ${range.holder} · ${t(range.status)}` +
    (range.pledgee ? ` · ${t("pledgedTo")} ${range.pledgee}` : "");
  box.append(head);
  if (range.pending) {
    const p = range.pending;
    const pending = document.createElement("p");
    pending.className = "pending";
    pending.textContent = `${t("pending")}: ${t(p.type)} ${p.requester} → ${p.counterparty} (${t("until")} ${p.deadline})`;
    box.append(pending);
  }
  const chain = document.createElement("ol");
  for (const link of range.chain) {
    const li = document.createElement("li");
    li.textContent = `${link.endorser} → ${link.endorsee} (${t(link.kind)}${link.not_transferable ? ", " + t("not_transferable") : ""}, ${link.at})`;
    chain.append(li);
  }
  if (!range.chain.length) { const li = document.createElement("li"); li.textContent = t("chainEmpty"); chain.append(li); }
  box.append(chain);
  return box;
}

// Every bill command the portal signs (services/bills/commands.py): its body fields, and which
// range it is offered on for this party. The bills service decides; this only hides the forms
// that cannot apply. "party" fields name the counterparty (endorsee, guarantor, …).
const PRE_DELIVERY = ["drafted", "acceptance_presented", "acceptance_refused", "accepted", "receipt_presented"];
const ANSWERED_BY_SIGN = ["endorsement", "guarantee", "pledge", "pledge_release", "discount", "rediscount"];
const asked = (...types) => (r, me) => r.pending && r.pending.counterparty === me && types.includes(r.pending.type);
const holds = (r, me) => r.holder === me && r.status === "active" && !r.pending;
const creditor = (r, me) => (r.creditor || r.holder) === me && !r.pending;
const drawerWhen = (...statuses) => (r, me, bill) => bill.drawer === me && statuses.includes(bill.status);
const OPERATIONS = [
  { type: "bill.present_acceptance", fields: [], offer: drawerWhen("drafted") },
  { type: "bill.accept", fields: [], offer: asked("acceptance") },
  { type: "bill.refuse_acceptance", fields: ["reason"], offer: asked("acceptance") },
  { type: "bill.present_receipt", fields: [], offer: drawerWhen("accepted") },
  { type: "bill.receive", fields: [], offer: asked("receipt") },
  { type: "bill.refuse_receipt", fields: ["reason"], offer: asked("receipt") },
  { type: "bill.revoke", fields: [], offer: drawerWhen(...PRE_DELIVERY) },
  { type: "bill.sign", fields: ["start"], offer: asked(...ANSWERED_BY_SIGN) },
  { type: "bill.reject", fields: ["start", "reason?"], offer: asked(...ANSWERED_BY_SIGN, "recourse") },
  { type: "bill.pay", fields: ["start"], offer: asked("payment") },
  { type: "bill.dishonour", fields: ["start", "reason"], offer: asked("payment") },
  { type: "bill.settle_recourse", fields: ["start"], offer: asked("recourse") },
  { type: "bill.withdraw", fields: ["start"], offer: (r, me) => r.pending && r.pending.requester === me },
  { type: "bill.endorse", fields: ["start", "end", "endorsee", "not_transferable"], offer: (r, me, bill) => holds(r, me) && !PRE_DELIVERY.includes(bill.status) },
  { type: "bill.guarantee", fields: ["start", "end", "guarantor"], offer: (r, me, bill) => holds(r, me) || (PRE_DELIVERY.includes(bill.status) && [bill.drawer, bill.acceptor].includes(me)) },
  { type: "bill.pledge", fields: ["start", "end", "pledgee"], offer: (r, me, bill) => holds(r, me) && !PRE_DELIVERY.includes(bill.status) },
  { type: "bill.release_pledge", fields: ["start"], offer: (r, me) => holds(r, me) && r.pledgee },
  { type: "bill.discount", fields: ["start", "end", "bank", "rate_bp"], offer: (r, me, bill) => holds(r, me) && !PRE_DELIVERY.includes(bill.status) && state.party.kind === "enterprise" },
  { type: "bill.rediscount", fields: ["start", "end", "bank", "rate_bp"], offer: (r, me) => holds(r, me) && state.party.kind === "bank" },
  { type: "bill.present_payment", fields: ["start"], offer: (r, me) => creditor(r, me) && r.status === "active" },
  { type: "bill.claim_recourse", fields: ["start", "against", "interest", "costs"], offer: (r, me) => creditor(r, me) && r.status === "dishonoured" },
];
const FIELD_INPUTS = ["start", "end", "party", "rate_bp", "interest", "costs", "reason", "not_transferable"];
const PARTY_FIELDS = ["endorsee", "guarantor", "pledgee", "bank", "against"];

function offerOperations(bill) {
  const me = state.session.party_id;
  state.offers = {};
  for (const operation of OPERATIONS) {
    const range = bill.ranges.find((r) => operation.offer(r, me, bill));
    if (range) state.offers[operation.type] = { operation, range };
  }
  const select = $("operation");
  const chosen = select.value;
  select.replaceChildren();
  for (const type of Object.keys(state.offers)) {
    const option = document.createElement("option");
    option.value = type; option.textContent = t(type);
    select.append(option);
  }
  if (state.offers[chosen]) select.value = chosen;
  $("act-form").hidden = !select.options.length;
  $("no-operations").hidden = select.options.length > 0;
  showOperationFields(true);
}

function showOperationFields(prefill) {
  const offer = state.offers[$("operation").value];
  if (!offer) return;
  const fields = offer.operation.fields.map((f) => f.replace("?", ""));
  const party = fields.find((f) => PARTY_FIELDS.includes(f));
  const optional = ["not_transferable", "interest", "costs", ...offer.operation.fields.filter((f) => f.endsWith("?")).map((f) => f.slice(0, -1))];
  for (const name of FIELD_INPUTS) {
    const shown = name === "party" ? Boolean(party) : fields.includes(name);
    $("field-" + name).hidden = !shown;
    $("op-" + name).required = shown && !optional.includes(name);
  }
  if (party) { $("op-party-label").dataset.i18n = party; $("op-party-label").textContent = t(party); }
  if (prefill) {
    $("op-start").value = offer.range.start;
    $("op-end").value = offer.range.end;
  }
}

function operationBody(operation) {
  const body = {};
  for (const field of operation.fields) {
    const name = field.replace("?", "");
    if (name === "start" || name === "end" || name === "rate_bp") body[name] = Number($("op-" + name).value);
    else if (PARTY_FIELDS.includes(name)) body[name] = $("op-party").value.trim();
    else if (name === "interest" || name === "costs") body[name + "_fen"] = fen($("op-" + name).value || "0");
    else if (name === "not_transferable") body[name] = $("op-not_transferable").checked;
    else if (name === "reason" && (field === name || $("op-reason").value.trim())) body.reason = $("op-reason").value.trim();
  }
  return body;
}

async function act(event) {
  event.preventDefault();
  const bill = state.bill;
  const offer = state.offers[$("operation").value];
  try {
    const answer = await submit(offer.operation.type, bill.package_no, bill.version, operationBody(offer.operation));
    const message = $("message").textContent, ok = $("message").className === "ok";
    await showBill(bill.package_no);
    say(message, ok);
    $("message").dataset.entryId = answer.receipt.entry_id;
  } catch (error) {
    sayError(error);
  }
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
  $("act-form").addEventListener("submit", act);
  $("operation").addEventListener("change", () => showOperationFields(true));
  $("issue-form").addEventListener("submit", issueBill);
  window.addEventListener("hashchange", route);
  try {
    await startSession(await api("GET", "/api/v1/session"));
    await route();
  } catch (error) {
    show("login-view");
  }
});
