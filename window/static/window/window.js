// The window clerk's page: a thin client of the window service's /api (same origin). The
// session is an HttpOnly cookie the page never reads; the page keeps only its language and
// large-type preferences (localStorage "tlw.pref.*"), nothing about a citizen.

const TEXT = {
  zh: {
    skip: "跳到正文", brand: "窗口核验", large: "长辈模式", signout: "退出", lang_switch: "English",
    signin_title: "窗口人员登录", clerk_id: "工号", passphrase: "口令", signin: "登录",
    signin_note: "使用本机构为您开设的窗口账号登录。本页不保存机构密钥。",
    verify_title: "核验亮证", purpose: "申请事由", purpose_text: "事由说明（选填；选“其他”时必填）",
    camera_title: "摄像头扫码", camera_start: "打开摄像头", camera_scan: "拍照核验", camera_stop: "关闭摄像头",
    camera_note: "请市民将亮证二维码对准摄像头。",
    upload_title: "上传照片或截图", upload_label: "二维码照片或截图", upload_go: "核验图片",
    paste_title: "粘贴内容", paste_label: "二维码内容（TLP1. 或 TLP2. 开头）", paste_go: "核验",
    result_title: "核验结果", records_title: "验证记录", print: "打印回执", none_yet: "暂无记录",
    col_time: "时间", col_result: "结果", col_cert: "证照", col_via: "方式", col_clerk: "经办人",
    shown_fields: "出示的信息", cert: "证照", cert_id: "证照标识", issuer: "签发机构", status_now: "证照当前状态",
    proof: (h) => `已对照区块 ${h} 的共识证明核验`, onchain: (h) => `验证记录已上链（区块 ${h}）`,
    onchain_failed: "验证记录未能上链：", not_recorded: "未上链（链上无此证照）",
    purpose_label: "事由", clerk_label: "经办人", time_label: "核验时间", via_label: "方式", verifier: "核验机构",
    receipt_title: "核验回执", receipt_of: "查看回执",
    via: { upload: "上传", camera: "摄像头", paste: "粘贴" },
    verdict: {
      valid: "有效", revoked: "已吊销", expired: "已过期", suspended: "已暂停", superseded: "已换发",
      presentation_expired: "已过期", bad_signature: "签名无效", replayed: "已被使用", other_verifier: "非本机构",
      fields_mismatch: "内容不符", unknown_certificate: "证照不存在", unreadable: "无法识别", not_yet_valid: "时间异常",
    },
    why: {
      valid: "签名、时效、链上承诺与证照状态均核验通过。", revoked: "该证照已被签发机构吊销。",
      expired: "该证照已超过有效期。", suspended: "该证照已被暂停使用。", superseded: "该证照已被换发，请出示新证照。",
      presentation_expired: "亮证二维码已过期，请市民刷新后重新出示。", bad_signature: "二维码内容与持证人签名不符，可能被篡改。",
      replayed: "该二维码已被核验过，不能重复使用。请市民重新生成二维码。",
      other_verifier: "该二维码是出示给其他机构的，本机构不能使用。", fields_mismatch: "出示的信息与链上记录不符，可能被篡改。",
      unknown_certificate: "链上没有这张证照。", unreadable: "这不是可识别的亮证二维码。", not_yet_valid: "二维码时间晚于当前时间，请检查设备时钟。",
    },
    err: {
      empty: "请先填写内容", empty_image: "请先选择图片", too_long: "内容过长，不是有效的亮证二维码",
      purpose: "请选择申请事由", purpose_long: "事由说明最多 200 字", purpose_other: "选择“其他”时请填写事由说明",
      wrong_passphrase: "工号或口令错误", locked: (s) => `错误次数过多，请 ${s} 秒后再试`,
      signed_out: "登录已过期，请重新登录", no_qr: "图片中没有找到二维码，请重拍或上传更清晰的图片",
      not_image: "请上传 PNG、JPEG 或 WebP 图片", too_large: "文件过大（最大 4 MB）", node: "暂时无法连接区块链节点，请稍后重试",
      network: "网络错误，请检查连接", camera: "无法打开摄像头：", busy: "正在处理，请稍候",
      bad_json: "请求格式有误",
    },
    checking: "正在核验……", signed_in_as: (n) => `经办人：${n}`,
  },
  en: {
    skip: "Skip to content", brand: "Window check", large: "Large type", signout: "Sign out", lang_switch: "中文",
    signin_title: "Clerk sign-in", clerk_id: "Clerk id", passphrase: "Passphrase", signin: "Sign in",
    signin_note: "Sign in with the window account your agency gave you. This page never holds the agency's key.",
    verify_title: "Verify a presentation", purpose: "Purpose of use", purpose_text: "Purpose details (optional; required for Other)",
    camera_title: "Scan with the camera", camera_start: "Open camera", camera_scan: "Capture and verify", camera_stop: "Close camera",
    camera_note: "Ask the citizen to hold the QR code up to the camera.",
    upload_title: "Upload a photo or screenshot", upload_label: "Photo or screenshot of the QR code", upload_go: "Verify image",
    paste_title: "Paste the text", paste_label: "QR code text (starts with TLP1. or TLP2.)", paste_go: "Verify",
    result_title: "Result", records_title: "Verification records", print: "Print receipt", none_yet: "No records yet",
    col_time: "Time", col_result: "Result", col_cert: "Certificate", col_via: "How", col_clerk: "Clerk",
    shown_fields: "Fields shown", cert: "Certificate", cert_id: "Certificate id", issuer: "Issuer", status_now: "Current status",
    proof: (h) => `Checked against the consensus proof of block ${h}`, onchain: (h) => `Recorded on-chain (block ${h})`,
    onchain_failed: "Not recorded on-chain: ", not_recorded: "Not recorded (no such certificate on the chain)",
    purpose_label: "Purpose", clerk_label: "Clerk", time_label: "Checked at", via_label: "How", verifier: "Verifier",
    receipt_title: "Verification receipt", receipt_of: "Receipt",
    via: { upload: "upload", camera: "camera", paste: "paste" },
    verdict: {
      valid: "Valid", revoked: "Revoked", expired: "Expired", suspended: "Suspended", superseded: "Superseded",
      presentation_expired: "Expired", bad_signature: "Bad signature", replayed: "Already used", other_verifier: "Not for us",
      fields_mismatch: "Does not match", unknown_certificate: "No such certificate", unreadable: "Unreadable", not_yet_valid: "Clock mismatch",
    },
    why: {
      valid: "Signature, freshness, on-chain commitments and status all check out.", revoked: "The issuer revoked this certificate.",
      expired: "The certificate is past its validity.", suspended: "The certificate is suspended.", superseded: "A newer certificate replaced this one.",
      presentation_expired: "The QR code has expired: ask the citizen to refresh it.", bad_signature: "The content does not match the holder's signature: it may have been altered.",
      replayed: "This QR code was already verified and cannot be used again: ask for a new one.",
      other_verifier: "This QR code was made for another agency.", fields_mismatch: "The fields shown do not match the chain: they may have been altered.",
      unknown_certificate: "The chain has no such certificate.", unreadable: "This is not a presentation QR code.", not_yet_valid: "The QR code is dated in the future: check the device clock.",
    },
    err: {
      empty: "Fill this in first", empty_image: "Choose an image first", too_long: "Too long to be a presentation",
      purpose: "Choose a purpose", purpose_long: "Purpose details: at most 200 characters", purpose_other: "Say what for when choosing Other",
      wrong_passphrase: "Wrong clerk id or passphrase", locked: (s) => `Too many wrong tries: try again in ${s} s`,
      signed_out: "Your session has ended: please sign in again", no_qr: "No QR code found in the image: take or upload a clearer one",
      not_image: "Upload a PNG, JPEG or WebP image", too_large: "The file is too large (4 MB at most)", node: "The chain cannot be reached right now: try again shortly",
      network: "Network error: check the connection", camera: "The camera could not be opened: ", busy: "Working on it, please wait",
      bad_json: "The request was malformed",
    },
    checking: "Verifying…", signed_in_as: (n) => `Clerk: ${n}`,
  },
};
const FIELDS = {
  zh: {
    holder_name: "姓名", sex: "性别", id_number: "公民身份号码", birth_date: "出生日期", ethnicity: "民族",
    address: "住址", certificate_number: "证书编号", degree: "学位", major: "专业", university: "学校",
    graduation_date: "毕业日期", issuing_authority: "签发机关", valid_from: "有效期起", valid_until: "有效期止",
    company_name: "名称", unified_social_credit_code: "统一社会信用代码", legal_representative: "法定代表人",
  },
  en: {},
};
const PAYLOAD_CHARS_MAX = 779; // window/limits.py (the longest presentation a wallet makes)

let lang = localStorage.getItem("tlw.pref.lang") || "zh";
let me = null;
let catalogue = { purposes: [], types: {} }; // from the chain, through the service
let busy = false;
let stream = null;
const t = (key, ...args) => {
  const v = key.split(".").reduce((o, k) => (o == null ? o : o[k]), TEXT[lang]);
  return typeof v === "function" ? v(...args) : v ?? key;
};
const $ = (sel) => document.querySelector(sel);
const say = (msg) => { $("#status").textContent = msg || ""; };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c != null && c !== false) node.append(c);
  return node;
}

// --- the API -------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { "X-Window": "1", ...headers }, credentials: "same-origin" };
  if (body instanceof Blob) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  let resp;
  try { resp = await fetch(path, init); } catch { throw new ApiError(0, "network", t("err.network")); }
  const data = await resp.json().catch(() => ({}));
  if (resp.ok) return data;
  const code = data.code || "bad_json";
  let message = code === "locked" ? t("err.locked", resp.headers.get("Retry-After") || "30") : t("err." + code);
  if (message === "err." + code) message = data.detail || code;
  if (resp.status === 401 && code === "signed_out" && me) { me = null; showSignIn(t("err.signed_out")); }
  throw new ApiError(resp.status, code, message);
}

// --- preferences ---------------------------------------------------------------------------

function applyPrefs() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.documentElement.classList.toggle("large", localStorage.getItem("tlw.pref.large") === "1");
  $("#lang").textContent = t("lang_switch");
  $("#lang").setAttribute("aria-pressed", String(lang === "en"));
  $("#large").setAttribute("aria-pressed", String(localStorage.getItem("tlw.pref.large") === "1"));
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = `${t("brand")} · TrustLedger`;
}

// --- sign-in ---------------------------------------------------------------------------------

function showSignIn(message) {
  stopCamera();
  $("#clerk").hidden = true; $("#signout").hidden = true; $("#org").textContent = "";
  const main = $("#main");
  const form = el("form", { class: "card signin", novalidate: true, onsubmit: signIn },
    el("h2", { id: "screen-title", text: t("signin_title") }),
    el("p", { class: "muted", text: t("signin_note") }),
    el("label", { for: "clerk-id", text: t("clerk_id") }),
    el("input", { id: "clerk-id", type: "text", autocomplete: "username", maxlength: "64", required: true }),
    el("label", { for: "passphrase", text: t("passphrase") }),
    el("input", { id: "passphrase", type: "password", autocomplete: "current-password", maxlength: "256", required: true }),
    el("button", { type: "submit", class: "primary", text: t("signin") }),
  );
  main.replaceChildren(form);
  say(message);
}

async function signIn(event) {
  event.preventDefault();
  if (busy) return;
  const clerk = $("#clerk-id").value.trim();
  const passphrase = $("#passphrase").value;
  if (!clerk || !passphrase) { say(t("err.empty")); return; }
  await work(event.submitter || event.target.querySelector("button"), async () => {
    me = await api("POST", "/api/signin", { clerk, passphrase });
    await loadCatalogue();
    showVerify();
  });
}

async function signOut() {
  await api("POST", "/api/signout").catch(() => null);
  me = null;
  showSignIn("");
}

// --- verifying -------------------------------------------------------------------------------

async function work(button, fn) {
  if (busy) { say(t("err.busy")); return; }
  busy = true;
  const buttons = [...document.querySelectorAll("main button")];
  for (const b of buttons) b.disabled = true;
  say(button && button.dataset.checking ? t("checking") : "");
  try { await fn(); if (button && button.dataset.checking) say(""); }
  catch (err) { say(err.message); }
  finally { busy = false; for (const b of document.querySelectorAll("main button")) b.disabled = false; }
}

function purposeOf() {
  const code = $("#purpose").value;
  if (!code) throw new ApiError(400, "purpose", t("err.purpose"));
  return { code, text: $("#purpose-text").value.trim() };
}

async function verifyImage(blob, via, button) {
  await work(button, async () => {
    const p = purposeOf();
    const path = `/api/verify/image?via=${via}&purpose_code=${encodeURIComponent(p.code)}`;
    const type = blob.type && blob.type.startsWith("image/") ? blob.type : "image/png";
    showResult(await api("POST", path, blob, { "Content-Type": type, "X-Purpose": encodeURIComponent(p.text) }));
  });
}

async function verifyUpload(event) {
  const file = $("#upload").files[0];
  if (!file) { say(t("err.empty_image")); return; }
  await verifyImage(file, "upload", event.currentTarget);
}

async function verifyPaste(event) {
  const payload = $("#paste").value.trim();
  const button = event.currentTarget;
  if (!payload) { say(t("err.empty")); return; }
  // No maxlength on the field: a paste cut short silently would read as 无法识别.
  if (payload.length > PAYLOAD_CHARS_MAX) { say(t("err.too_long")); return; }
  await work(button, async () => {
    const p = purposeOf();
    showResult(await api("POST", "/api/verify/paste", { payload, purpose_code: p.code, purpose: p.text }));
    $("#paste").value = "";
  });
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (err) { say(t("err.camera") + (err && err.name ? err.name : "")); return; }
  const video = $("#video");
  video.srcObject = stream; video.hidden = false;
  await video.play().catch(() => null);
  $("#camera-start").hidden = true; $("#camera-scan").hidden = false; $("#camera-stop").hidden = false;
}

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  const video = $("#video");
  if (video) { video.srcObject = null; video.hidden = true; }
  if ($("#camera-start")) { $("#camera-start").hidden = false; $("#camera-scan").hidden = true; $("#camera-stop").hidden = true; }
}

async function scanCamera(event) {
  const video = $("#video");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth || 640; canvas.height = video.videoHeight || 480;
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
  if (!blob) { say(t("err.no_qr")); return; }
  await verifyImage(blob, "camera", event.currentTarget);
}

async function loadCatalogue() {
  try { catalogue = await api("GET", "/api/catalogue"); } catch (err) { say(err.message); }
}

function showVerify() {
  applyPrefs();
  $("#clerk").hidden = false; $("#signout").hidden = false;
  $("#clerk").textContent = t("signed_in_as", me.name);
  $("#org").textContent = me.org_name;
  const purposes = el("select", { id: "purpose" },
    el("option", { value: "", text: "—" }),
    catalogue.purposes.map((p) => el("option", { value: p.id, text: `${p.id} ${lang === "zh" ? p.name_zh : p.name_en}` })));
  const main = $("#main");
  main.replaceChildren(
    el("h2", { id: "screen-title", text: t("verify_title") }),
    el("div", { class: "card" },
      el("label", { for: "purpose", text: t("purpose") }), purposes,
      el("label", { for: "purpose-text", text: t("purpose_text") }),
      el("input", { id: "purpose-text", type: "text", maxlength: "200" })),
    el("div", { class: "ways" },
      el("section", { class: "card", "aria-labelledby": "camera-title" },
        el("h3", { id: "camera-title", text: t("camera_title") }),
        el("p", { class: "muted", text: t("camera_note") }),
        el("video", { id: "video", hidden: true, playsinline: true, muted: true, "aria-label": t("camera_title") }),
        el("button", { type: "button", id: "camera-start", class: "secondary", text: t("camera_start"), onclick: startCamera }),
        el("button", { type: "button", id: "camera-scan", class: "primary", hidden: true, "data-checking": "1", text: t("camera_scan"), onclick: scanCamera }),
        el("button", { type: "button", id: "camera-stop", class: "secondary", hidden: true, text: t("camera_stop"), onclick: stopCamera })),
      el("section", { class: "card", "aria-labelledby": "upload-title" },
        el("h3", { id: "upload-title", text: t("upload_title") }),
        el("label", { for: "upload", text: t("upload_label") }),
        el("input", { id: "upload", type: "file", accept: "image/png,image/jpeg,image/webp" }),
        el("button", { type: "button", id: "upload-go", class: "primary", "data-checking": "1", text: t("upload_go"), onclick: verifyUpload })),
      el("section", { class: "card", "aria-labelledby": "paste-title" },
        el("h3", { id: "paste-title", text: t("paste_title") }),
        el("label", { for: "paste", text: t("paste_label") }),
        el("textarea", { id: "paste", rows: "3", spellcheck: "false", autocomplete: "off" }),
        el("button", { type: "button", id: "paste-go", class: "primary", "data-checking": "1", text: t("paste_go"), onclick: verifyPaste }))),
    el("section", { id: "result", "aria-labelledby": "result-title", "aria-live": "polite" }),
    el("section", { class: "card", "aria-labelledby": "records-title" },
      el("h2", { id: "records-title", text: t("records_title") }),
      el("div", { id: "records" })),
  );
  loadRecords();
}

function fieldList(fields, cls) {
  const entries = Object.entries(fields || {});
  if (!entries.length) return null;
  return el("dl", { class: `fields ${cls || ""}` },
    entries.map(([k, v]) => [el("dt", { text: (FIELDS[lang][k] || k) }), el("dd", { text: v })]));
}

function typeName(id) {
  const entry = catalogue.types[id];
  return entry ? (lang === "zh" ? entry.name_zh : entry.name_en) : id;
}

function orgName(id) {
  return (me && me.orgs && me.orgs[id]) || id;
}

function details(r) {
  const rows = [];
  const add = (k, v) => { if (v) rows.push(el("dt", { text: k }), el("dd", { text: v })); };
  add(t("cert"), typeName(r.cert_type)); add(t("cert_id"), r.cert_id); add(t("issuer"), orgName(r.issuer));
  if (r.verdict === "replayed" && r.status) add(t("status_now"), t("verdict." + r.status));
  add(t("purpose_label"), `${r.purpose_code} ${r.purpose}`);
  add(t("time_label"), new Date(r.time_ms).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB"));
  add(t("via_label"), t("via." + r.via)); add(t("clerk_label"), r.clerk);
  return el("dl", { class: "fields" }, rows);
}

function onchainLine(r) {
  if (!r.onchain) return el("p", { class: "muted", text: t("not_recorded") });
  if (r.onchain.error) return el("p", { class: "error", text: t("onchain_failed") + r.onchain.error });
  return el("p", { class: "muted", text: t("onchain", r.onchain.height) });
}

function showResult(r) {
  const good = r.verdict === "valid";
  const box = el("div", { class: `card verdict ${good ? "ok" : "bad"}` },
    el("h2", { id: "result-title", class: "sr-only", text: t("result_title") }),
    el("p", { class: "word", id: "verdict", text: t("verdict." + r.verdict) }),
    el("p", { class: "why", text: t("why." + r.verdict) }),
    r.fields && Object.keys(r.fields).length ? [el("h3", { text: t("shown_fields") }), fieldList(r.fields, "shown")] : null,
    details(r),
    r.proof_height && good ? el("p", { class: "muted", text: t("proof", r.proof_height) }) : null,
    onchainLine(r),
    el("button", { type: "button", class: "secondary", text: t("print"), onclick: () => printReceipt(r) }));
  $("#result").replaceChildren(box);
  box.scrollIntoView({ block: "nearest" });
  loadRecords();
}

async function loadRecords() {
  let records;
  try { records = await api("GET", "/api/records"); } catch (err) { say(err.message); return; }
  const box = $("#records");
  if (!box) return;
  if (!records.length) { box.replaceChildren(el("p", { class: "muted", text: t("none_yet") })); return; }
  box.replaceChildren(el("table", { class: "records" },
    el("thead", {}, el("tr", {}, ["col_time", "col_result", "col_cert", "col_via", "col_clerk"].map((k) => el("th", { scope: "col", text: t(k) })), el("th", { scope: "col" }, el("span", { class: "sr-only", text: t("receipt_of") })))),
    el("tbody", {}, records.map((r) => el("tr", { "data-record": r.id },
      el("td", { text: new Date(r.time_ms).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB") }),
      el("td", {}, el("span", { class: `tag ${r.verdict === "valid" ? "ok" : "bad"}`, text: t("verdict." + r.verdict) })),
      el("td", { text: r.cert_type ? typeName(r.cert_type) : "—" }),
      el("td", { text: t("via." + r.via) }),
      el("td", { text: r.clerk }),
      el("td", {}, el("button", { type: "button", class: "secondary", text: t("receipt_of"), onclick: () => openRecord(r.id) })))))));
}

async function openRecord(id) {
  try { showResult(await api("GET", "/api/records/" + encodeURIComponent(id))); } catch (err) { say(err.message); }
}

function printReceipt(r) {
  const receipt = $("#receipt");
  receipt.replaceChildren(
    el("h2", { text: `${t("receipt_title")} · ${me ? me.org_name : r.verifier}` }),
    el("p", { class: "word", text: t("verdict." + r.verdict) }),
    el("p", { text: t("why." + r.verdict) }),
    fieldList(r.fields), details(r), onchainLine(r),
    r.onchain && r.onchain.tx ? el("p", { class: "id", text: `tx ${r.onchain.tx}` }) : null,
    el("p", { class: "id", text: r.id }));
  window.print();
}

// --- start -----------------------------------------------------------------------------------

$("#lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("tlw.pref.lang", lang);
  applyPrefs();
  if (me) { const shown = $("#result").firstChild; showVerify(); if (shown) say(""); } else showSignIn("");
});
$("#large").addEventListener("click", () => {
  localStorage.setItem("tlw.pref.large", localStorage.getItem("tlw.pref.large") === "1" ? "0" : "1");
  applyPrefs();
});
$("#signout").addEventListener("click", signOut);
applyPrefs();
api("GET", "/api/me")
  .then(async (who) => { me = who; await loadCatalogue(); showVerify(); })
  .catch(() => showSignIn(""));
