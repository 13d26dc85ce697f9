// The citizen's page: a thin client of the wallet's REST API (/v1). Everything it keeps is
// in sessionStorage/localStorage under "tl." keys, and sign-out clears all of it.
import { ACTION_LABELS, FIELD_LABELS, TEXT } from "./i18n.js";

const store = {
  get: (k) => sessionStorage.getItem("tl." + k) ?? localStorage.getItem("tl." + k),
  session: (k, v) => sessionStorage.setItem("tl." + k, v),
  device: (k, v) => localStorage.setItem("tl." + k, v),
  clearHolder() {
    for (const s of [sessionStorage, localStorage]) {
      for (const k of Object.keys(s)) if (k.startsWith("tl.") && !k.startsWith("tl.pref.")) s.removeItem(k);
    }
  },
};

let lang = store.get("pref.lang") || "zh";
const t = (key, ...args) => {
  const v = TEXT[lang][key] ?? TEXT.zh[key] ?? key;
  return typeof v === "function" ? v(...args) : v;
};
const fieldLabel = (f) => FIELD_LABELS[lang][f] || f;
const actionLabel = (a) => ACTION_LABELS[lang][a] || a;
let countdown = null;

// --- the API -------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  const token = store.get("token");
  if (token) headers.Authorization = "Bearer " + token;
  let resp;
  try {
    resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, t("network_error"));
  }
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    if (resp.status === 401 && token) { store.clearHolder(); render("signin"); }
    const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail ?? data);
    throw new ApiError(resp.status, resp.status === 401 && token ? t("session_over") : detail);
  }
  return data;
}
const holderPath = (rest) => `/v1/holders/${store.get("holder")}${rest}`;

// --- small DOM helpers ---------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === "class") node.className = v;
    else if (v === true) node.setAttribute(k, "");
    else if (v !== false && v != null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c != null) node.append(c.nodeType ? c : String(c));
  return node;
}
const main = () => document.getElementById("main");
function say(text) { document.getElementById("status").textContent = text; }
function when(ms) {
  return new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}
function day(ms) { return new Date(ms).toLocaleDateString(lang === "zh" ? "zh-CN" : "en-GB"); }

function show(title, ...content) {
  if (countdown) { clearInterval(countdown); countdown = null; }
  const m = main();
  m.replaceChildren(el("h2", { id: "screen-title", tabindex: "-1" }, title), ...content);
  document.getElementById("screen-title").focus();
}

async function guarded(button, work) {
  if (button) button.disabled = true;
  say(t("working"));
  try { say((await work()) || ""); }
  catch (e) { say(e.message); }
  finally { if (button) button.disabled = false; }
}

// --- screens -------------------------------------------------------------------------------

const SCREENS = {
  signin() {
    const id = el("input", { type: "text", id: "holder-id", autocomplete: "username", value: store.get("holder") || "", required: true });
    const pass = el("input", { type: "password", id: "passphrase", autocomplete: "current-password", required: true });
    const go = el("button", { type: "submit", class: "primary wide" }, t("sign_in"));
    const form = el("form", { class: "card", on: { submit: (e) => { e.preventDefault(); guarded(go, async () => {
      const s = await api("POST", "/v1/sessions", { holder_id: id.value.trim(), passphrase: pass.value });
      signedIn(s);
    }); } } },
      el("label", { for: "holder-id" }, t("holder_id")), id,
      el("label", { for: "passphrase" }, t("passphrase")), pass, go);
    show(t("welcome"), el("p", {}, t("welcome_text")), form,
      el("button", { type: "button", class: "secondary wide", on: { click: () => render("signup") } }, t("sign_up")));
  },

  signup() {
    const pass = el("input", { type: "password", id: "new-passphrase", autocomplete: "new-password", minlength: "8", required: true, "aria-describedby": "rule" });
    const again = el("input", { type: "password", id: "new-passphrase-again", autocomplete: "new-password", required: true });
    const ok = el("input", { type: "checkbox", id: "understood" });
    const go = el("button", { type: "submit", class: "primary wide" }, t("sign_up"));
    const form = el("form", { class: "card", on: { submit: (e) => { e.preventDefault();
      if (pass.value !== again.value) { say(t("mismatch")); return; }
      if (!ok.checked) { say(t("must_accept")); return; }
      guarded(go, async () => {
        const s = await api("POST", "/v1/holders", { passphrase: pass.value });
        signedIn(s, true);
      });
    } } },
      el("p", { class: "warning", role: "note" }, t("loss_warning")),
      el("label", { for: "new-passphrase" }, t("passphrase")), pass,
      el("p", { id: "rule", class: "muted" }, t("passphrase_rule")),
      el("label", { for: "new-passphrase-again" }, t("passphrase_again")), again,
      el("label", { class: "check", for: "understood" }, ok, t("understood")), go);
    show(t("sign_up"), form,
      el("button", { type: "button", class: "secondary wide", on: { click: () => render("signin") } }, t("back")));
  },

  created() {
    show(t("welcome"), el("div", { class: "card" }, el("p", {}, t("created")),
      el("p", { id: "new-holder-id" }, el("strong", {}, store.get("holder"))),
      el("p", { class: "muted" }, t("remember_note")),
      el("button", { type: "button", class: "primary wide", on: { click: () => render("certs") } }, t("tab_certs"))));
  },

  async certs() {
    show(t("tab_certs"), el("p", { class: "muted" }, t("loading")));
    const certs = await api("GET", holderPath("/certificates?prove=true"));
    const items = certs.map((c) => el("li", { class: "card cert", "data-cert": c.cert_id },
      el("h3", {}, typeName(c.cert_type)),
      badge(c),
      el("p", { class: "muted" }, `${t("valid_until")} ${c.valid_until_ms ? day(c.valid_until_ms) : t("no_end")}`),
      proofLine(c),
      el("button", { type: "button", class: "secondary", on: { click: () => render("detail", c) } }, t("details")),
      c.document && ["valid"].includes(c.status)
        ? el("button", { type: "button", class: "primary", on: { click: () => render("present", c) } }, t("show"))
        : null));
    show(t("tab_certs"), items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_certs")));
  },

  detail(c) {
    const fields = c.document ? Object.entries(c.document.fields) : [];
    show(typeName(c.cert_type), el("div", { class: "card" }, badge(c), proofLine(c),
      el("dl", { class: "fields" },
        el("dt", {}, t("cert_id")), el("dd", {}, c.cert_id),
        el("dt", {}, t("issuer")), el("dd", {}, c.issuer),
        el("dt", {}, t("valid_until")), el("dd", {}, c.valid_until_ms ? day(c.valid_until_ms) : t("no_end")),
        fields.flatMap(([k, v]) => [el("dt", {}, fieldLabel(k)), el("dd", {}, v)])),
      c.document ? null : el("p", { class: "muted" }, t("no_document"))),
      el("button", { type: "button", class: "secondary wide", on: { click: () => render("certs") } }, t("back")));
  },

  present(c) {
    const boxes = Object.keys(c.document.fields).map((f) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", name: "field", value: f }), fieldLabel(f)));
    const verifier = el("input", { type: "text", id: "verifier", pattern: "[a-z0-9-]{2,32}" });
    const out = el("div", { id: "qr-out", "aria-live": "polite" });
    const go = el("button", { type: "submit", class: "primary wide" }, t("make_qr"));
    const make = () => guarded(go, async () => {
      const fields = [...document.querySelectorAll("input[name=field]:checked")].map((b) => b.value);
      if (!fields.length) throw new ApiError(0, t("pick_one"));
      const p = await api("POST", holderPath(`/certificates/${encodeURIComponent(c.cert_id)}/presentation`),
        { fields, verifier: verifier.value.trim() });
      drawQr(out, p, make);
    });
    show(`${t("show")} · ${typeName(c.cert_type)}`,
      el("form", { class: "card", on: { submit: (e) => { e.preventDefault(); make(); } } },
        el("fieldset", {}, el("legend", {}, t("pick_fields")), boxes),
        el("label", { for: "verifier" }, t("verifier")), verifier, go),
      out,
      el("button", { type: "button", class: "secondary wide", on: { click: () => render("certs") } }, t("back")));
  },

  async requests() {
    show(t("tab_requests"), el("p", { class: "muted" }, t("loading")));
    const pending = await api("GET", holderPath("/requests?status=pending"));
    const items = pending.map((r) => {
      const uses = el("input", { type: "number", id: `uses-${r.request_id}`, min: "1", max: String(r.max_uses), value: String(r.max_uses) });
      const act = (path, body, done) => (e) => guarded(e.target, async () => {
        await api("POST", holderPath(`/requests/${encodeURIComponent(r.request_id)}/${path}`), body);
        await SCREENS.requests(); return t(done);
      });
      return el("li", { class: "card request", "data-request": r.request_id },
        el("h3", {}, `${r.agency} · ${typeName(r.cert_type)}`),
        el("dl", { class: "fields" },
          el("dt", {}, t("purpose")), el("dd", {}, r.purpose),
          el("dt", {}, t("fields")), el("dd", {}, requestFields(r)),
          el("dt", {}, t("uses")), el("dd", {}, String(r.max_uses)),
          el("dt", {}, t("until")), el("dd", {}, when(r.expires_at_ms))),
        el("button", { type: "button", class: "primary", on: { click: act("grant", {}, "granted_ok") } }, t("grant")),
        el("label", { for: `uses-${r.request_id}` }, t("uses_allowed")), uses,
        el("button", { type: "button", class: "secondary", on: { click: (e) => act("grant", { max_uses: Number(uses.value) }, "granted_ok")(e) } }, t("grant_narrow")),
        el("button", { type: "button", class: "danger", on: { click: act("refuse", undefined, "refused_ok") } }, t("refuse")));
    });
    show(t("tab_requests"), items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_requests")));
  },

  async grants() {
    show(t("tab_grants"), el("p", { class: "muted" }, t("loading")));
    const all = await api("GET", holderPath("/requests"));
    const granted = all.filter((r) => r.status !== "pending" && r.status !== "refused");
    const items = granted.map((r) => el("li", { class: "card grant", "data-request": r.request_id },
      el("h3", {}, `${r.agency} · ${typeName(r.cert_type)}`),
      el("p", {}, r.status === "granted" && r.in_force ? t("in_force") : t("past")),
      el("dl", { class: "fields" },
        el("dt", {}, t("purpose")), el("dd", {}, r.purpose),
        el("dt", {}, t("fields")), el("dd", {}, requestFields(r)),
        el("dt", {}, t("uses")), el("dd", {}, `${r.uses_left} / ${r.granted_uses}`),
        el("dt", {}, t("until")), el("dd", {}, when(r.expires_at_ms))),
      r.status === "granted" && r.in_force
        ? el("button", { type: "button", class: "danger", on: { click: (e) => guarded(e.target, async () => {
            await api("POST", holderPath(`/requests/${encodeURIComponent(r.request_id)}/revoke`));
            await SCREENS.grants(); return t("revoked_ok");
          }) } }, t("revoke"))
        : null));
    show(t("tab_grants"), items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_grants")));
  },

  async activity() {
    show(t("tab_activity"), el("p", { class: "muted" }, t("loading")));
    const entries = await api("GET", holderPath("/activity"));
    const seen = Number(store.get("seen_height") || 0);
    const items = entries.map((e) => el("li", { class: "card entry" },
      el("h3", {}, e.height > seen ? el("span", { class: "new" }, `${t("new_item")} `) : null, actionLabel(e.action)),
      el("p", { class: "muted" }, `${when(e.time_ms)} · ${t("at_block", e.height)}`),
      el("p", {}, `${t("actor")}: ${e.actor === store.get("holder") ? t("you") : e.actor}`),
      e.details.purpose ? el("p", {}, `${t("purpose")}: ${e.details.purpose}`) : null,
      e.ok ? null : el("p", { class: "error" }, `${t("failed")}: ${e.error}`),
      el("p", { class: "muted tx", "data-action": e.action }, `tx ${e.tx_hash.slice(0, 16)}…`)));
    if (entries.length) store.device("seen_height", String(Math.max(...entries.map((e) => e.height))));
    show(t("tab_activity"), items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_activity")));
  },

  me() {
    show(t("me_title"), el("div", { class: "card" }, el("p", {}, `${t("signed_in_as")}: `, el("strong", {}, store.get("holder")))),
      el("button", { type: "button", id: "sign-out", class: "danger wide", on: { click: (e) => guarded(e.target, async () => {
        try { await api("DELETE", "/v1/sessions"); } finally { store.clearHolder(); render("signin"); }
      }) } }, t("sign_out")));
  },
};

// --- pieces shared by screens --------------------------------------------------------------

let typeNames = {};
function typeName(id) { const n = typeNames[id]; return n ? (lang === "zh" ? n.name_zh : n.name_en) : id; }

function statusKey(c) {
  const s = (c.proven && c.proven.status) || c.status;
  if (s === "valid" && c.expiring) return "expiring";
  return ["valid", "suspended", "revoked", "expired", "superseded"].includes(s) ? s : "unknown";
}
function badge(c) { const k = statusKey(c); return el("span", { class: `badge ${k}`, "data-status": k }, t(`status_${k}`)); }
function proofLine(c) {
  if (!c.proven) return null;
  if (c.proven.error) return el("p", { class: "proof bad" }, t("not_verified") + c.proven.error);
  return el("p", { class: "proof ok" }, "✓ " + t("verified_at", c.proven.height, when(c.proven.time_ms)));
}
function requestFields(r) {
  const names = (r.scope || []).flatMap((item) => item.fields || []);
  return names.length ? names.map(fieldLabel).join("、") : "—";
}

function drawQr(out, p, again) {
  const qr = el("div", { class: "qr", role: "img", "aria-label": t("qr_label") });
  qr.innerHTML = p.qr_svg; // drawn by the wallet itself (wallet/qr.py): an SVG, no script
  const left = el("p", { class: "countdown", id: "countdown" });
  const refresh = el("button", { type: "button", class: "secondary wide", on: { click: again } }, t("refresh"));
  out.replaceChildren(el("div", { class: "card" }, qr, left, refresh));
  const tick = () => {
    const s = Math.max(0, Math.round((p.expires_at_ms - Date.now()) / 1000));
    left.textContent = s > 0 ? t("expires_in", s) : t("expired_qr");
    if (s === 0) { qr.classList.add("expired"); qr.replaceChildren(); clearInterval(countdown); countdown = null; }
  };
  if (countdown) clearInterval(countdown);
  tick();
  countdown = setInterval(tick, 1000);
}

function signedIn(s, isNew = false) {
  store.session("token", s.token);
  store.device("holder", s.holder_id);
  render(isNew ? "created" : "certs");
}

// --- navigation, language, large text ------------------------------------------------------

async function render(screen, arg) {
  say("");
  const signedInNow = Boolean(store.get("token"));
  if (!signedInNow && !["signin", "signup"].includes(screen)) screen = "signin";
  const tabs = document.getElementById("tabs");
  tabs.hidden = !signedInNow;
  for (const b of tabs.querySelectorAll("button")) {
    if (b.dataset.screen === screen) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  try { await SCREENS[screen](arg); } catch (e) { say(e.message); }
}

function applyPrefs() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  const large = store.get("pref.large") === "1";
  document.documentElement.classList.toggle("large", large);
  const langButton = document.getElementById("lang");
  langButton.textContent = lang === "zh" ? "English" : "中文";
  langButton.setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
  const largeButton = document.getElementById("large");
  largeButton.setAttribute("aria-pressed", String(large));
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  largeButton.textContent = large ? t("large_off") : t("large");
  document.getElementById("tabs").setAttribute("aria-label", lang === "zh" ? "主菜单" : "Main menu");
  document.title = `${t("brand")} · TrustLedger`;
}

async function loadTypes() {
  try {
    const types = await api("GET", "/v1/catalogue/types");
    typeNames = Object.fromEntries(types.map((x) => [x.id, x]));
  } catch { typeNames = {}; }
}

document.addEventListener("DOMContentLoaded", async () => {
  applyPrefs();
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh"; store.device("pref.lang", lang); applyPrefs();
    render(document.querySelector("#tabs [aria-current]")?.dataset.screen || (store.get("token") ? "certs" : "signin"));
  });
  document.getElementById("large").addEventListener("click", () => {
    store.device("pref.large", store.get("pref.large") === "1" ? "0" : "1"); applyPrefs();
  });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => render(b.dataset.screen));
  await loadTypes();
  render(store.get("token") ? "certs" : "signin");
});
