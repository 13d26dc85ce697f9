// The window clerk's page: a thin client of the window service's /api (same origin). The
// session is an HttpOnly cookie the page never reads; the page keeps only its language and
// large-type preferences (localStorage "tlw.pref.*"), nothing about a citizen.

import { fieldLabel } from "./field-labels.js";

// The page's words, each message in Chinese (the default) and English side by side, so that
// neither language is changed or added to without the other.
const TEXT = {
  skip: { zh: "跳到正文", en: "Skip to content" },
  brand: { zh: "窗口核验", en: "Window check" },
  large: { zh: "长辈模式", en: "Large type" },
  signout: { zh: "退出", en: "Sign out" },
  lang_switch: { zh: "English", en: "中文" },
  signin_title: { zh: "窗口人员登录", en: "Clerk sign-in" },
  clerk_id: { zh: "工号", en: "Clerk id" },
  passphrase: { zh: "口令", en: "Passphrase" },
  signin: { zh: "登录", en: "Sign in" },
  signin_note: { zh: "使用本机构为您开设的窗口账号登录。本页不保存机构密钥。", en: "Sign in with the window account your agency gave you. This page never holds the agency's key." },
  verify_title: { zh: "核验亮证", en: "Verify a presentation" },
  purpose: { zh: "申请事由", en: "Purpose of use" },
  purpose_text: { zh: "事由说明（选填；选“其他”时必填）", en: "Purpose details (optional; required for Other)" },
  camera_title: { zh: "摄像头扫码", en: "Scan with the camera" },
  camera_start: { zh: "打开摄像头", en: "Open camera" },
  camera_scan: { zh: "拍照核验", en: "Capture and verify" },
  camera_stop: { zh: "关闭摄像头", en: "Close camera" },
  camera_note: { zh: "请市民将亮证二维码对准摄像头。", en: "Ask the citizen to hold the QR code up to the camera." },
  upload_title: { zh: "上传照片或截图", en: "Upload a photo or screenshot" },
  upload_label: { zh: "二维码照片或截图", en: "Photo or screenshot of the QR code" },
  upload_go: { zh: "核验图片", en: "Verify image" },
  paste_title: { zh: "粘贴内容", en: "Paste the text" },
  paste_label: { zh: "二维码内容（TLP1. 或 TLP2. 开头）", en: "QR code text (starts with TLP1. or TLP2.)" },
  paste_go: { zh: "核验", en: "Verify" },
  result_title: { zh: "核验结果", en: "Result" },
  records_title: { zh: "验证记录", en: "Verification records" },
  print: { zh: "打印回执", en: "Print receipt" },
  none_yet: { zh: "暂无记录", en: "No records yet" },
  col_time: { zh: "时间", en: "Time" },
  col_result: { zh: "结果", en: "Result" },
  col_cert: { zh: "证照", en: "Certificate" },
  col_via: { zh: "方式", en: "How" },
  col_clerk: { zh: "经办人", en: "Clerk" },
  shown_fields: { zh: "出示的信息", en: "Fields shown" },
  cert: { zh: "证照", en: "Certificate" },
  cert_id: { zh: "证照标识", en: "Certificate id" },
  issuer: { zh: "签发机构", en: "Issuer" },
  status_now: { zh: "证照当前状态", en: "Current status" },
  proof: { zh: (h) => `已对照区块 ${h} 的共识证明核验`, en: (h) => `Checked against the consensus proof of block ${h}` },
  onchain: { zh: (h) => `验证记录已上链（区块 ${h}）`, en: (h) => `Recorded on-chain (block ${h})` },
  onchain_failed: { zh: "验证记录未能上链：", en: "Not recorded on-chain: " },
  not_recorded: { zh: "未上链（链上无此证照）", en: "Not recorded (no such certificate on the chain)" },
  purpose_label: { zh: "事由", en: "Purpose" },
  clerk_label: { zh: "经办人", en: "Clerk" },
  time_label: { zh: "核验时间", en: "Checked at" },
  via_label: { zh: "方式", en: "How" },
  verifier: { zh: "核验机构", en: "Verifier" },
  receipt_title: { zh: "核验回执", en: "Verification receipt" },
  receipt_of: { zh: "查看回执", en: "Receipt" },
  "via.upload": { zh: "上传", en: "upload" },
  "via.camera": { zh: "摄像头", en: "camera" },
  "via.paste": { zh: "粘贴", en: "paste" },
  "verdict.valid": { zh: "有效", en: "Valid" },
  "verdict.revoked": { zh: "已吊销", en: "Revoked" },
  "verdict.expired": { zh: "已过期", en: "Expired" },
  "verdict.suspended": { zh: "已暂停", en: "Suspended" },
  "verdict.superseded": { zh: "已换发", en: "Superseded" },
  "verdict.presentation_expired": { zh: "已过期", en: "Expired" },
  "verdict.bad_signature": { zh: "签名无效", en: "Bad signature" },
  "verdict.replayed": { zh: "已被使用", en: "Already used" },
  "verdict.other_verifier": { zh: "非本机构", en: "Not for us" },
  "verdict.fields_mismatch": { zh: "内容不符", en: "Does not match" },
  "verdict.unknown_certificate": { zh: "证照不存在", en: "No such certificate" },
  "verdict.unreadable": { zh: "无法识别", en: "Unreadable" },
  "verdict.not_yet_valid": { zh: "时间异常", en: "Clock mismatch" },
  "why.valid": { zh: "签名、时效、链上承诺与证照状态均核验通过。", en: "Signature, freshness, on-chain commitments and status all check out." },
  "why.revoked": { zh: "该证照已被签发机构吊销。", en: "The issuer revoked this certificate." },
  "why.expired": { zh: "该证照已超过有效期。", en: "The certificate is past its validity." },
  "why.suspended": { zh: "该证照已被暂停使用。", en: "The certificate is suspended." },
  "why.superseded": { zh: "该证照已被换发，请出示新证照。", en: "A newer certificate replaced this one." },
  "why.presentation_expired": { zh: "亮证二维码已过期，请市民刷新后重新出示。", en: "The QR code has expired: ask the citizen to refresh it." },
  "why.bad_signature": { zh: "二维码内容与持证人签名不符，可能被篡改。", en: "The content does not match the holder's signature: it may have been altered." },
  "why.replayed": { zh: "该二维码已被核验过，不能重复使用。请市民重新生成二维码。", en: "This QR code was already verified and cannot be used again: ask for a new one." },
  "why.other_verifier": { zh: "该二维码是出示给其他机构的，本机构不能使用。", en: "This QR code was made for another agency." },
  "why.fields_mismatch": { zh: "出示的信息与链上记录不符，可能被篡改。", en: "The fields shown do not match the chain: they may have been altered." },
  "why.unknown_certificate": { zh: "链上没有这张证照。", en: "The chain has no such certificate." },
  "why.unreadable": { zh: "这不是可识别的亮证二维码。", en: "This is not a presentation QR code." },
  "why.not_yet_valid": { zh: "二维码时间晚于当前时间，请检查设备时钟。", en: "The QR code is dated in the future: check the device clock." },
  "err.empty": { zh: "请先填写内容", en: "Fill this in first" },
  "err.empty_image": { zh: "请先选择图片", en: "Choose an image first" },
  "err.too_long": { zh: "内容过长，不是有效的亮证二维码", en: "Too long to be a presentation" },
  "err.purpose": { zh: "请选择申请事由", en: "Choose a purpose" },
  "err.purpose_long": { zh: "事由说明最多 200 字", en: "Purpose details: at most 200 characters" },
  "err.purpose_other": { zh: "选择“其他”时请填写事由说明", en: "Say what for when choosing Other" },
  "err.wrong_passphrase": { zh: "工号或口令错误", en: "Wrong clerk id or passphrase" },
  "err.locked": { zh: (s) => `错误次数过多，请 ${s} 秒后再试`, en: (s) => `Too many wrong tries: try again in ${s} s` },
  "err.signed_out": { zh: "登录已过期，请重新登录", en: "Your session has ended: please sign in again" },
  "err.no_qr": { zh: "图片中没有找到二维码，请重拍或上传更清晰的图片", en: "No QR code found in the image: take or upload a clearer one" },
  "err.not_image": { zh: "请上传 PNG、JPEG 或 WebP 图片", en: "Upload a PNG, JPEG or WebP image" },
  "err.too_large": { zh: "文件过大（最大 4 MB）", en: "The file is too large (4 MB at most)" },
  "err.node": { zh: "暂时无法连接区块链节点，请稍后重试", en: "The chain cannot be reached right now: try again shortly" },
  "err.network": { zh: "网络错误，请检查连接", en: "Network error: check the connection" },
  "err.camera": { zh: "无法打开摄像头：", en: "The camera could not be opened: " },
  "err.busy": { zh: "正在处理，请稍候", en: "Working on it, please wait" },
  "err.bad_json": { zh: "请求格式有误", en: "The request was malformed" },
  checking: { zh: "正在核验……", en: "Verifying…" },
  signed_in_as: { zh: (n) => `经办人：${n}`, en: (n) => `Clerk: ${n}` },
};
const PAYLOAD_CHARS_MAX = 779; // window/limits.py (the longest presentation a wallet makes)

let lang = localStorage.getItem("tlw.pref.lang") || "zh";
let me = null;
let catalogue = { purposes: [], types: {} }; // from the chain, through the service
let busy = false;
let stream = null;
const t = (key, ...args) => {
  const v = Object.hasOwn(TEXT, key) ? TEXT[key][lang] : undefined;
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
    entries.map(([k, v]) => [el("dt", { text: fieldLabel(k, lang) }), el("dd", { text: v })]));
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

// The records list is aria-busy while a load is in flight; only the latest load draws it
// (a verification reloads the list, perhaps while the first load is still out).
let recordsLoad = 0;

async function loadRecords() {
  const mine = ++recordsLoad;
  $("#records")?.setAttribute("aria-busy", "true");
  let records;
  try { records = await api("GET", "/api/records"); } catch (err) { say(err.message); records = null; }
  const box = $("#records");
  if (!box || mine !== recordsLoad) return;
  box.removeAttribute("aria-busy");
  if (records === null) return;
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
