// The citizen's page: a thin client of the wallet's REST API (/v1). Everything it keeps is
// in sessionStorage/localStorage under "tl." keys, and sign-out clears all of it.
import { ACTION_LABELS, TEXT } from "./i18n.js";
import { fieldLabel as labelIn } from "./field-labels.js";

const store = {
  get: (k) => sessionStorage.getItem("tl." + k) ?? localStorage.getItem("tl." + k),
  session: (k, v) => sessionStorage.setItem("tl." + k, v),
  unset: (k) => { sessionStorage.removeItem("tl." + k); localStorage.removeItem("tl." + k); },
  device: (k, v) => localStorage.setItem("tl." + k, v),
  clearHolder() {
    for (const s of [sessionStorage, localStorage]) {
      for (const k of Object.keys(s)) if (k.startsWith("tl.") && !k.startsWith("tl.pref.")) s.removeItem(k);
    }
  },
};

let lang = store.get("pref.lang") || "zh";
// A message in the page's language (Chinese where it has no English), else its key.
const t = (key, ...args) => {
  const message = Object.hasOwn(TEXT, key) ? TEXT[key] : {};
  const v = message[lang] ?? message.zh ?? key;
  return typeof v === "function" ? v(...args) : v;
};
const fieldLabel = (f) => labelIn(f, lang);
const actionLabel = (a) => (Object.hasOwn(ACTION_LABELS, a) && ACTION_LABELS[a][lang]) || a;
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
    // Whoever asked (a screen, or the tab counts in the background), the holder is told why
    // the sign-in screen came back.
    if (resp.status === 401 && token) { store.clearHolder(); await render("signin"); say(t("session_over")); }
    const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail ?? data);
    if (resp.status === 401 && token) throw new ApiError(401, t("session_over"));
    if (resp.status === 401) throw new ApiError(401, t("wrong_credentials"));
    if (resp.status === 429 || resp.status === 503) {
      const wait = Number(resp.headers.get("Retry-After") || "0");
      throw new ApiError(resp.status, t(resp.status === 429 ? "too_many_tries" : "busy", wait));
    }
    // The node's screen for personal data, and a form the wallet could not read, in words
    // a holder reads in her language (the technical detail stays for the English reader).
    if (detail.startsWith("personal_data:")) throw new ApiError(resp.status, t("personal_data"));
    if (resp.status === 422 && Array.isArray(data.detail)) throw new ApiError(422, t("bad_input"));
    throw new ApiError(resp.status, detail);
  }
  return data;
}
const holderPath = (rest) => `/v1/holders/${store.get("holder")}${rest}`;
// Acting for a delegator (a guardian for an elder, an agent for an enterprise): the
// principal's pseudonymous id, for this tab only; the routes that take it get on_behalf_of.
const actingFor = () => store.get("acting");
const actingMay = (power) => (store.get("acting_powers") || "").split(",").includes(power);
const behalf = (sep) => (actingFor() ? `${sep}on_behalf_of=${encodeURIComponent(actingFor())}` : "");
const short = (id) => (id && id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id);

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
function isoDay(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
function day(ms) { return new Date(ms).toLocaleDateString(lang === "zh" ? "zh-CN" : "en-GB"); }

function show(title, ...content) {
  if (countdown) { clearInterval(countdown); countdown = null; }
  const m = main();
  m.replaceChildren(el("h2", { id: "screen-title", tabindex: "-1" }, title), ...content.filter((c) => c != null));
  document.getElementById("screen-title").focus();
}

async function guarded(button, work) {
  if (button) button.disabled = true;
  say(t("working"));
  try { say((await work()) || ""); }
  catch (e) { say(e.message); }
  finally { if (button) button.disabled = false; }
}

// 删除 (docs/erasure.md), for a certificate's detail and an archive record alike: the agencies
// a request granted over the item went to (granted then revoked counts: they got a copy), the
// progress of each erasure asked, and the confirmation naming how many will be asked.
function releasedTo(requests, covers) {
  return new Set(requests.filter((r) => ["granted", "revoked"].includes(r.status) && covers(r)).map((r) => r.agency));
}

function erasureProgress(erasures) {
  return erasures.map((e) => el("p", { class: "erasure-progress", "data-erasure": e.erasure_id },
    t("erasure_progress", e.acknowledged.length, e.agencies.length)));
}

function confirmErase(box, warning, erase) {
  const yes = erase ? el("button", { type: "button", class: "danger", on: { click: () => guarded(yes, erase) } }, t("erase_yes")) : null;
  box.replaceChildren(el("p", { role: "alert" }, warning), yes,
    el("button", { type: "button", class: "secondary", on: { click: () => { box.hidden = true; } } }, t("erase_no")));
  box.hidden = false;
}

// --- screens -------------------------------------------------------------------------------

const SCREENS = {
  signin() {
    const id = el("input", { type: "text", id: "holder-id", autocomplete: "username", value: store.get("holder") || "", required: true });
    const pass = el("input", { type: "password", id: "passphrase", autocomplete: "current-password", maxlength: "256", required: true });
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
    const pass = el("input", { type: "password", id: "new-passphrase", autocomplete: "new-password", minlength: "8", maxlength: "256", required: true, "aria-describedby": "rule" });
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
      el("button", { type: "button", class: "primary wide", on: { click: () => render("certs") } }, t("certs_title"))));
  },

  async certs() {
    // Acting for someone with the consent power: their certificates, from the copies this
    // wallet keeps for the delegate (shown and presented as theirs, under the band).
    if (actingFor() && !actingMay("consent")) return ownOnly(t("certs_title"));
    const title = actingFor() ? t("their_certs") : t("certs_title");
    show(title, el("p", { class: "muted" }, t("loading")));
    const certs = await api("GET", holderPath("/certificates?prove=true" + behalf("&")));
    const items = certs.map((c) => el("li", { class: "card cert", "data-cert": c.cert_id },
      el("h3", {}, typeName(c.cert_type)),
      badge(c),
      el("p", { class: "muted" }, `${t("valid_until")} ${c.valid_until_ms ? day(c.valid_until_ms) : t("no_end")}`),
      proofLine(c),
      el("button", { type: "button", class: "secondary", on: { click: () => render("detail", c) } }, t("details")),
      c.document && ["valid"].includes(c.status)
        ? el("button", { type: "button", class: "primary", on: { click: () => render("present", c) } }, t("show"))
        : null));
    show(title, items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_certs")));
  },

  async detail(c) {
    const fields = c.document ? Object.entries(c.document.fields) : [];
    // 删除 (docs/erasure.md): the holder's own certificates only; the progress of each
    // erasure asked (acknowledged by n of m agencies) from the chain.
    const own = !actingFor();
    const erasures = own ? (await api("GET", holderPath("/erasures"))).filter((e) => e.cert_id === c.cert_id) : [];
    const progress = erasureProgress(erasures);
    const confirm = el("div", { id: "erase-confirm", class: "card", hidden: true });
    const ask = async () => {
      const agencies = releasedTo(await api("GET", holderPath("/requests")), (r) => r.cert_id === c.cert_id
        || (r.granted_scope || []).some((i) => i.cert_id === c.cert_id || i.cert_type === c.cert_type));
      confirmErase(confirm, t("erase_confirm", agencies.size), async () => {
        await api("POST", holderPath(`/certificates/${encodeURIComponent(c.cert_id)}/erase`));
        await SCREENS.detail({ ...c, document: null });
        return t("erased_ok");
      });
    };
    show(typeName(c.cert_type), el("div", { class: "card" }, badge(c), proofLine(c),
      el("dl", { class: "fields" },
        el("dt", {}, t("cert_id")), el("dd", {}, c.cert_id),
        el("dt", {}, t("issuer")), el("dd", {}, c.issuer),
        el("dt", {}, t("valid_until")), el("dd", {}, c.valid_until_ms ? day(c.valid_until_ms) : t("no_end")),
        fields.flatMap(([k, v]) => [el("dt", {}, fieldLabel(k)), el("dd", {}, v)])),
      c.document ? null : el("p", { class: "muted" }, t("no_document")), progress),
      own && c.document ? el("button", { type: "button", class: "danger wide", id: "erase", on: { click: (e) => guarded(e.target, ask) } }, t("erase")) : null,
      confirm,
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
    if (actingFor() && !actingMay("consent")) return ownOnly(t("tab_requests"));
    show(t("tab_requests"), el("p", { class: "muted" }, t("loading")));
    const pending = await api("GET", holderPath("/requests?status=pending" + behalf("&")));
    if (pending.some((r) => requestedCategories(r).length)) await loadCategories();
    // A request of a whole certificate may be narrowed to some of its fields: their names
    // come from the document this wallet keeps.
    const whole = pending.some((r) => !requestedNames(r).length);
    const kept = whole ? await api("GET", holderPath("/certificates" + behalf("?"))) : [];
    const docFields = Object.fromEntries(kept.map((c) => [c.cert_id, c.document ? Object.keys(c.document.fields) : []]));
    const items = pending.map((r) => {
      const uses = el("input", { type: "number", id: `uses-${r.request_id}`, min: "1", max: String(r.max_uses), value: String(r.max_uses) });
      const last = isoDay(r.expires_at_ms);
      const until = el("input", { type: "date", id: `until-${r.request_id}`, max: last, value: last });
      // A request for archive records may be narrowed to some of its categories.
      const categories = requestedCategories(r);
      const names = categories.length ? categories : requestedNames(r).length ? requestedNames(r) : (docFields[r.cert_id] || []);
      const label = categories.length ? categoryName : fieldLabel;
      const boxes = names.map((f) => el("label", { class: "check" },
        el("input", { type: "checkbox", name: `grant-field-${r.request_id}`, value: f, checked: "checked" }), label(f)));
      // Fewer fields, fewer uses and an earlier end (the end of the chosen day, never past
      // the request's).
      const narrowed = () => {
        const body = { max_uses: Number(uses.value) };
        if (until.value && until.value < last) body.expires_at_ms = new Date(`${until.value}T23:59:59`).getTime();
        const chosen = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
        if (names.length && !chosen.length) throw new ApiError(0, t("pick_one"));
        if (chosen.length < names.length) body[categories.length ? "record_categories" : "fields"] = chosen;
        return body;
      };
      const act = (path, body, done) => (e) => guarded(e.target, async () => {
        await api("POST", holderPath(`/requests/${encodeURIComponent(r.request_id)}/${path}${behalf("?")}`), body);
        await SCREENS.requests(); refreshCounts(); return t(done);
      });
      return el("li", { class: "card request", "data-request": r.request_id },
        el("h3", {}, `${r.agency} · ${categories.length ? t("archive") : typeName(r.cert_type)}`),
        el("dl", { class: "fields" },
          el("dt", {}, t("purpose")), el("dd", { class: "purpose" }, purposeText(r.purpose_code, r.purpose)),
          el("dt", {}, t("fields")), el("dd", {}, requestFields(r)),
          el("dt", {}, t("uses")), el("dd", {}, String(r.max_uses)),
          el("dt", {}, t("until")), el("dd", {}, when(r.expires_at_ms))),
        el("button", { type: "button", class: "primary", on: { click: act("grant", {}, "granted_ok") } }, t("grant")),
        boxes.length ? el("fieldset", { class: "grant-fields" }, el("legend", {}, t(categories.length ? "categories_allowed" : "fields_allowed")), boxes) : null,
        el("label", { for: `uses-${r.request_id}` }, t("uses_allowed")), uses,
        el("label", { for: `until-${r.request_id}` }, t("until_allowed")), until,
        el("button", { type: "button", class: "secondary", on: { click: (e) => {
          let body;
          try { body = narrowed(); } catch (err) { return say(err.message); }
          return act("grant", body, "granted_ok")(e);
        } } }, t("grant_narrow")),
        el("button", { type: "button", class: "danger", on: { click: act("refuse", undefined, "refused_ok") } }, t("refuse")));
    });
    // Attestations whose sources all confirmed wait for the owner (the holder alone answers).
    const attesting = actingFor() ? [] : (await api("GET", holderPath("/attestations?open=true"))).filter((a) => a.action_needed);
    const attestItems = attesting.map((a) => attestationCard(a, [
      el("button", { type: "button", class: "primary", on: { click: answerAttestation(a, "confirm", "attest_confirmed_ok") } }, t("attest_confirm")),
      el("button", { type: "button", class: "danger", on: { click: answerAttestation(a, "refuse", "attest_refused_ok") } }, t("attest_refuse"))]));
    const consent = items.length ? el("ul", { class: "plain" }, items)
      : attestItems.length ? null : el("p", { class: "card" }, t(actingFor() ? "no_requests_for" : "no_requests"));
    show(t("tab_requests"), consent,
      attestItems.length ? el("h3", { class: "section" }, t("attest_section")) : null,
      attestItems.length ? el("p", { class: "muted" }, t("attest_intro")) : null,
      attestItems.length ? el("ul", { class: "plain", id: "attestations" }, attestItems) : null);
  },

  async grants() {
    if (actingFor() && !actingMay("consent")) return ownOnly(t("tab_grants"));
    show(t("tab_grants"), el("p", { class: "muted" }, t("loading")));
    const all = await api("GET", holderPath("/requests" + behalf("?")));
    const granted = all.filter((r) => r.status !== "pending" && r.status !== "refused");
    if (granted.some((r) => requestedCategories(r).length)) await loadCategories();
    const items = granted.map((r) => el("li", { class: "card grant", "data-request": r.request_id },
      el("h3", {}, `${r.agency} · ${typeName(r.cert_type)}`),
      el("p", {}, r.status === "granted" && r.in_force ? t("in_force") : t("past")),
      el("dl", { class: "fields" },
        el("dt", {}, t("purpose")), el("dd", { class: "purpose" }, purposeText(r.purpose_code, r.purpose)),
        el("dt", {}, t("fields")), el("dd", {}, requestFields(r)),
        el("dt", {}, t("uses")), el("dd", {}, `${r.uses_left} / ${r.granted_uses}`),
        el("dt", {}, t("until")), el("dd", {}, when(r.expires_at_ms)),
        // 加注件: the line on the copy released to the agency, in Chinese as the copy has it.
        r.annotation_text ? [el("dt", {}, t("annotation")), el("dd", { class: "annotation", lang: "zh-CN" }, r.annotation_text)] : null),
      r.status === "granted" && r.in_force
        ? el("button", { type: "button", class: "danger", on: { click: (e) => guarded(e.target, async () => {
            await api("POST", holderPath(`/requests/${encodeURIComponent(r.request_id)}/revoke${behalf("?")}`));
            await SCREENS.grants(); return t("revoked_ok");
          }) } }, t("revoke"))
        : null));
    show(t("tab_grants"), items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_grants")));
  },

  async activity() {
    if (actingFor()) return ownOnly(t("tab_activity"));
    show(t("tab_activity"), el("p", { class: "muted" }, t("loading")));
    const entries = await api("GET", holderPath("/activity"));
    const seen = Number(store.get("seen_height") || 0);
    const items = entries.map((e) => el("li", { class: "card entry" },
      el("h3", {}, e.height > seen ? el("span", { class: "new" }, `${t("new_item")} `) : null, actionLabel(e.action)),
      el("p", { class: "muted" }, `${when(e.time_ms)} · ${t("at_block", e.height)}`),
      el("p", {}, `${t("actor")}: ${e.actor === store.get("holder") ? t("you") : e.actor}`),
      e.details.purpose ? el("p", { class: "purpose" }, `${t("purpose")}: ${purposeText(e.details.purpose_code, e.details.purpose)}`) : null,
      e.ok ? null : el("p", { class: "error" }, `${t("failed")}: ${e.error}`),
      el("p", { class: "muted tx", "data-action": e.action }, `tx ${e.tx_hash.slice(0, 16)}…`)));
    if (entries.length) store.device("seen_height", String(Math.max(seen, ...entries.map((e) => e.height))));
    refreshCounts();
    show(t("tab_activity"), items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_activity")));
  },

  async me() {
    // The menu and sign-out come first: a node out of reach only costs the counts.
    const notices = await gatherNotices().catch(() => ({ items: [], appointments: 0 }));
    const row = (screen, label, count) => el("li", {},
      el("button", { type: "button", class: "menu", "data-go": screen, on: { click: () => render(screen) } },
        el("span", {}, label), count ? el("span", { class: "count" }, String(count), el("span", { class: "sr" }, t("count_sr", count))) : null));
    show(t("me_title"),
      el("div", { class: "card" }, el("p", {}, `${t("signed_in_as")}: `, el("strong", { id: "my-id" }, store.get("holder")))),
      el("ul", { class: "plain menu-list" },
        row("notices", t("notices"), notices.items.length),
        row("archive", actingFor() ? t("their_archive") : t("archive"), 0),
        row("delegations", t("delegations"), notices.appointments)),
      el("button", { type: "button", id: "sign-out", class: "danger wide", on: { click: (e) => guarded(e.target, async () => {
        try { await api("DELETE", "/v1/sessions"); } finally { store.clearHolder(); render("signin"); }
      }) } }, t("sign_out")));
  },

  // 通知: what needs the holder's attention, gathered from the routes the page already uses.
  async notices() {
    if (actingFor()) return ownOnly(t("notices"));
    show(t("notices"), el("p", { class: "muted" }, t("loading")));
    const n = await gatherNotices();
    const go = (screen, label) => el("button", { type: "button", class: "secondary", on: { click: () => render(screen) } }, label);
    const items = n.items.map((x) => el("li", { class: `card notice ${x.kind}`, "data-kind": x.kind }, ...x.render(go)));
    show(t("notices"), items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_notices")));
  },

  // 我的档案 (一人一档 / 一企一档): records departments returned into the holder's file.
  async archive() {
    if (actingFor() && !actingMay("archives")) return ownOnly(t("their_archive"));
    const title = actingFor() ? t("their_archive") : t("archive");
    show(title, el("p", { class: "muted" }, t("loading")));
    // 删除 of a record (docs/erasure.md): the holder's own file only; the wallet keeps no copy,
    // so it asks on the chain each agency a grant of the record's category released it to.
    const own = !actingFor();
    const [records, corrections, erasures] = await Promise.all([
      api("GET", holderPath("/archive" + behalf("?"))), api("GET", holderPath("/archive/corrections" + behalf("?"))),
      own ? api("GET", holderPath("/erasures")) : []]);
    await loadCategories();
    const items = records.map((r) => {
      const mine = corrections.filter((c) => c.record_id === r.record_id)
        .sort((a, b) => b.requested_height - a.requested_height); // the latest first
      const reason = el("textarea", { id: `reason-${r.record_id}`, maxlength: "200", rows: "3", "aria-describedby": `reason-rule-${r.record_id}` });
      const send = el("button", { type: "submit", class: "primary" }, t("send_correction"));
      const form = el("form", { class: "correction-form", hidden: true, on: { submit: (e) => { e.preventDefault(); guarded(send, async () => {
        const text = reason.value.trim();
        if (!text) throw new ApiError(0, t("reason_needed"));
        await api("POST", holderPath(`/archive/${encodeURIComponent(r.record_id)}/corrections`), { reason: text });
        await SCREENS.archive(); return t("correction_sent");
      }); } } },
        el("label", { for: `reason-${r.record_id}` }, t("correction_reason")), reason,
        el("p", { id: `reason-rule-${r.record_id}`, class: "muted" }, t("reason_rule")), send);
      const ask = r.pending_correction ? null : el("button", { type: "button", class: "secondary", "aria-expanded": "false",
        on: { click: (e) => { form.hidden = !form.hidden; e.target.setAttribute("aria-expanded", String(!form.hidden)); if (!form.hidden) reason.focus(); } } },
        t("ask_correction"));
      const confirm = el("div", { class: "card erase-confirm", hidden: true });
      const erase = own ? el("button", { type: "button", class: "danger", on: { click: (e) => guarded(e.target, async () => {
        const agencies = releasedTo(await api("GET", holderPath("/requests")),
          (q) => (q.granted_scope || []).some((i) => i.record_category === r.category));
        // Never released but kept here (its source delivered it): only the wallet's copy goes.
        const warning = agencies.size ? t("record_erase_confirm", agencies.size) : r.held ? t("record_erase_held") : t("record_not_released");
        confirmErase(confirm, warning, agencies.size || r.held ? async () => {
          await api("POST", holderPath(`/archive/${encodeURIComponent(r.record_id)}/erase`));
          await SCREENS.archive(); return t(agencies.size ? "record_erased_ok" : "record_copy_erased_ok");
        } : null);
      }) } }, t("erase")) : null;
      return el("li", { class: "card record", "data-record": r.record_id },
        el("h3", {}, categoryName(r.category)),
        el("dl", { class: "fields" },
          el("dt", {}, t("source")), el("dd", {}, `${r.source} · ${r.source_department}`),
          el("dt", {}, t("version")), el("dd", {}, t("version_n", r.version)),
          el("dt", {}, t("filed")), el("dd", {}, t("at_block", r.appended_height))),
        el("p", { class: r.claimed ? "state ok" : "state", "data-claim": r.claimed ? "claimed" : "unclaimed" },
          r.claimed ? t("claimed_at", r.claimed_height) : t("unclaimed")),
        mine.length ? el("ul", { class: "plain corrections" }, mine.map(correctionItem)) : null,
        (r.versions || []).length > 1 ? el("details", { class: "history" }, el("summary", {}, t("history")),
          el("ol", {}, r.versions.map((v) => el("li", { "data-version": v.version },
            `${t("version_n", v.version)} · ${t("at_block", v.from_height)}`,
            v.cause === "current" ? ` · ${t("current")}` : ` · ${t(`cause_${v.cause}`)}${v.reason ? `：${v.reason}` : ""}`)))) : null,
        r.claimed ? null : el("button", { type: "button", class: "primary", on: { click: (e) => guarded(e.target, async () => {
          await api("POST", holderPath(`/archive/${encodeURIComponent(r.record_id)}/claim`));
          await SCREENS.archive(); return t("claimed_ok");
        }) } }, t("claim")),
        ask, form, erasureProgress(erasures.filter((x) => x.record_id === r.record_id)), erase, confirm);
    });
    show(title, el("p", { class: "muted" }, t("archive_intro")),
      items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "card" }, t("no_records")),
      backToMe());
  },

  // 委托: delegations received (accept, decline, act for the delegator, renounce) and given
  // (appoint a guardian, share documents with them, revoke).
  async delegations() {
    if (actingFor()) return ownOnly(t("delegations"));
    show(t("delegations"), el("p", { class: "muted" }, t("loading")));
    const [received, given] = await Promise.all([
      api("GET", holderPath("/delegations?side=delegate")), api("GET", holderPath("/delegations?side=principal"))]);
    const act = (d, path, done) => (e) => guarded(e.target, async () => {
      await api("POST", holderPath(`/delegations/${encodeURIComponent(d.delegation_id)}/${path}`));
      await SCREENS.delegations(); refreshCounts(); return t(done);
    });
    const receivedItems = received.map((d) => delegationCard(d, "received",
      d.status === "pending" ? [
        el("button", { type: "button", class: "primary", on: { click: act(d, "accept", "accepted_ok") } }, t("accept")),
        el("button", { type: "button", class: "danger", on: { click: act(d, "decline", "declined_ok") } }, t("decline"))] : [],
      d.in_force && (d.actions.includes("consent") || d.actions.includes("archives"))
        ? el("button", { type: "button", class: "primary", on: { click: () => actFor(d) } }, t("act_for")) : null,
      d.status === "active" ? el("button", { type: "button", class: "danger", on: { click: act(d, "revoke", "renounced_ok") } }, t("renounce")) : null));
    const givenItems = given.map((d) => delegationCard(d, "given",
      ["pending", "active"].includes(d.status)
        ? el("button", { type: "button", class: "danger", on: { click: act(d, "revoke", "revoked_dlg_ok") } }, t("revoke_dlg")) : null));
    const sharing = given.some((d) => d.in_force && d.actions.includes("consent"))
      ? el("button", { type: "button", class: "secondary wide", id: "share", on: { click: (e) => guarded(e.target, async () => {
          const out = await api("POST", holderPath("/delegations/share"));
          return t("shared_ok", out.documents_shared);
        }) } }, t("share")) : null;
    show(t("delegations"),
      el("h3", { class: "section" }, t("received")),
      receivedItems.length ? el("ul", { class: "plain", id: "received" }, receivedItems) : el("p", { class: "card" }, t("no_received")),
      el("h3", { class: "section" }, t("given")),
      givenItems.length ? el("ul", { class: "plain", id: "given" }, givenItems) : el("p", { class: "card" }, t("no_given")),
      sharing, appointForm(), backToMe());
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
function requestedNames(r) {
  return (r.scope || []).flatMap((item) => item.fields || []);
}

// The archive record categories a request asks for (a request for records names only them).
function requestedCategories(r) {
  return (r.scope || []).filter((item) => item.record_category).map((item) => item.record_category);
}

function requestFields(r) {
  const categories = requestedCategories(r);
  if (categories.length) return t("records_of", categories.map(categoryName).join("、"));
  const names = requestedNames(r);
  return names.length ? names.map(fieldLabel).join("、") : t("whole_cert");
}

function drawQr(out, p, again) {
  const qr = el("div", { class: "qr", role: "img", "aria-label": t("qr_label") });
  qr.innerHTML = p.qr_svg; // drawn by the wallet itself (wallet/qr.py): an SVG, no script
  const left = el("p", { class: "countdown", id: "countdown" });
  const refresh = el("button", { type: "button", class: "secondary wide", on: { click: again } }, t("refresh"));
  out.replaceChildren(el("div", { class: "card" }, qr, left, refresh));
  out.scrollIntoView({ block: "start" }); // on a phone the form fills the screen: show the code
  const tick = () => {
    const s = Math.max(0, Math.round((p.expires_at_ms - Date.now()) / 1000));
    left.textContent = s > 0 ? t("expires_in", s) : t("expired_qr");
    if (s === 0) { qr.classList.add("expired"); qr.replaceChildren(); clearInterval(countdown); countdown = null; }
  };
  if (countdown) clearInterval(countdown);
  tick();
  countdown = setInterval(tick, 1000);
}

function correctionItem(c) {
  const state = { pending: "correction_pending", corrected: "correction_corrected", refused: "correction_refused" }[c.status] || c.status;
  return el("li", { class: `correction ${c.status}`, "data-correction": c.correction_id, "data-state": c.status },
    el("p", {}, el("strong", {}, t(state)), ` · ${t("at_block", c.resolved_height || c.requested_height)}`),
    el("p", { class: "muted" }, `${t("your_reason")}${t("colon")}${c.reason}`),
    c.resolution ? el("p", {}, `${t("their_answer")}${t("colon")}${c.resolution}`) : null,
    c.status === "corrected" ? el("p", { class: "muted" }, t("became_version", c.new_version)) : null);
}

let categoryNames = null;
async function loadCategories() {
  if (categoryNames) return;
  try {
    const cats = await api("GET", "/v1/catalogue/categories");
    categoryNames = Object.fromEntries(cats.map((x) => [x.id, x]));
  } catch { categoryNames = {}; }
}
function categoryName(id) {
  const n = categoryNames && categoryNames[id];
  return n ? (lang === "zh" ? n.name_zh : n.name_en) : id;
}

const kindLabel = (k) => t(`kind_${k}`);
function delegationState(d) {
  if (d.status === "active") return d.in_force ? "dlg_active" : "dlg_ended";
  return `dlg_${d.status}`;
}
function delegationCard(d, side, ...buttons) {
  const state = delegationState(d);
  const other = side === "received" ? d.principal : d.delegate;
  return el("li", { class: "card delegation", "data-delegation": d.delegation_id, "data-state": state },
    el("h3", {}, side === "received" ? t("dlg_for", kindLabel(d.kind)) : t("dlg_to", kindLabel(d.kind))),
    el("span", { class: `badge ${state}` }, t(state)),
    el("dl", { class: "fields" },
      el("dt", {}, side === "received" ? t("principal") : t("delegate")), el("dd", { class: "id" }, other),
      el("dt", {}, t("powers")), el("dd", {}, d.actions.map((a) => t(`power_${a}`)).join("、")),
      el("dt", {}, t("cert_types")), el("dd", {}, d.cert_types && d.cert_types.length ? d.cert_types.map(typeName).join("、") : t("all")),
      el("dt", {}, t("until")), el("dd", {}, day(d.expires_at_ms))),
    buttons.flat());
}

function appointForm() {
  const who = el("input", { type: "text", id: "delegate-id", autocomplete: "off", spellcheck: "false", required: true, "aria-describedby": "delegate-rule" });
  const days = el("input", { type: "number", id: "valid-days", min: "1", max: "3650", value: "365", required: true });
  const power = (a, checked) => el("label", { class: "check" }, el("input", { type: "checkbox", name: "power", value: a, checked }), t(`power_${a}`));
  const go = el("button", { type: "submit", class: "primary wide" }, t("appoint"));
  return el("form", { class: "card", id: "appoint", on: { submit: (e) => { e.preventDefault(); guarded(go, async () => {
    const delegate = who.value.trim();
    if (!/^hd[0-9a-f]{40}$/.test(delegate)) throw new ApiError(0, t("bad_holder_id"));
    if (delegate === store.get("holder")) throw new ApiError(0, t("not_yourself"));
    const actions = [...document.querySelectorAll("input[name=power]:checked")].map((b) => b.value);
    if (!actions.length) throw new ApiError(0, t("pick_power"));
    const n = Number(days.value);
    if (!Number.isInteger(n) || n < 1 || n > 3650) throw new ApiError(0, t("bad_days"));
    await api("POST", holderPath("/delegations"), { kind: "guardian", delegate, actions, valid_days: n });
    await SCREENS.delegations(); return t("appointed_ok");
  }); } } },
    el("h3", {}, t("appoint_title")),
    el("p", { class: "muted" }, t("appoint_text")),
    el("label", { for: "delegate-id" }, t("delegate_id")), who,
    el("p", { id: "delegate-rule", class: "muted" }, t("delegate_rule")),
    el("fieldset", {}, el("legend", {}, t("powers")), power("consent", true), power("archives", false)),
    el("label", { for: "valid-days" }, t("valid_days")), days, go);
}

// Acting for a delegator: the banner says whose data is on screen until "back to me".
function actFor(d) {
  store.session("acting", d.principal);
  store.session("acting_kind", d.kind);
  store.session("acting_powers", d.actions.join(","));
  showWhose();
  render(d.actions.includes("consent") ? "requests" : "archive");
}
function stopActing() {
  store.unset("acting"); store.unset("acting_kind"); store.unset("acting_powers");
  showWhose();
}
function showWhose() {
  const box = document.getElementById("whose");
  const id = actingFor();
  box.hidden = !id;
  document.documentElement.classList.toggle("acting", Boolean(id));
  document.getElementById("whose-text").textContent = id ? t("acting_for", kindLabel(store.get("acting_kind")), id) : "";
}
function ownOnly(title) {
  show(title, el("p", { class: "card" }, t("own_only")),
    el("button", { type: "button", class: "primary wide", on: { click: () => { stopActing(); render(current); } } }, t("back_to_me")));
}
// An attestation (证明) as the holder or the other party sees it: its type, who issues it,
// what each source answered, where it stands (docs/attestations.md).
function attestationCard(a, actions = []) {
  return el("li", { class: "card attestation", "data-attestation": a.attestation_id, "data-status": a.status },
    el("h3", {}, t("attest_type", a.type_id)),
    el("p", { class: "state" }, t(`attest_${a.status}`)),
    el("dl", { class: "fields" },
      el("dt", {}, t("attest_issuer")), el("dd", {}, a.issuer),
      el("dt", {}, t("attest_sources")), el("dd", {}, (a.sources || []).map((s) => `${s.org}：${t(`answer_${s.answer}`)}`).join("、")),
      el("dt", {}, t("attest_deadline")), el("dd", {}, when(a.deadline_ms)),
      a.reason ? el("dt", {}, t("attest_reason")) : null, a.reason ? el("dd", { class: "reason" }, a.reason) : null),
    el("p", { class: "muted" }, t(`attest_role_${a.role}`)),
    ...actions);
}

function answerAttestation(a, path, done) {
  return (e) => guarded(e.target, async () => {
    await api("POST", holderPath(`/attestations/${encodeURIComponent(a.attestation_id)}/${path}`));
    await SCREENS.requests(); refreshCounts(); return t(done);
  });
}

function backToMe() {
  return el("button", { type: "button", class: "secondary wide", on: { click: () => render("me") } }, t("back"));
}

// What needs the holder's attention: certificates about to expire (the wallet's
// notifications), pending requests, appointments to answer and what happened since the
// last visit to 使用记录 (a correction answered among them).
async function gatherNotices() {
  const seen = Number(store.get("seen_height") || 0);
  const [notified, pending, received, entries] = await Promise.all([
    api("GET", holderPath("/notifications")), api("GET", holderPath("/requests?status=pending")),
    api("GET", holderPath("/delegations?side=delegate")), api("GET", holderPath("/activity?limit=100"))]);
  const items = [];
  const expiring = notified.filter((x) => x.kind === "certificate_expiring");
  // Attestations naming the holder, as owner or as the other party (双告知): the ones the
  // owner must answer lead to 请求.
  const attestations = notified.filter((x) => x.kind === "attestation");
  for (const a of attestations) items.push({ kind: "attestation", render: (go) => [
    el("h3", {}, t("attest_type", a.type_id)),
    el("p", { class: "state", "data-status": a.status }, t(`attest_${a.status}`)),
    el("p", { class: "muted" }, t(`attest_role_${a.role}`)),
    a.reason ? el("p", { class: "reason" }, `${t("attest_reason")}：${a.reason}`) : null,
    a.action_needed ? go("requests", t("tab_requests")) : null].filter((x) => x != null) });
  const answering = attestations.filter((a) => a.action_needed).length;
  for (const x of expiring) items.push({ kind: "expiring", render: (go) => [
    el("h3", {}, t("expiring_title", typeName(x.cert_type))),
    el("p", {}, t("expiring_text", day(x.valid_until_ms), x.days_left)), go("certs", t("certs_title"))] });
  if (pending.length) items.push({ kind: "requests", render: (go) => [
    el("h3", {}, t("pending_title", pending.length)),
    el("p", {}, [...new Set(pending.map((r) => r.agency))].join("、")), go("requests", t("tab_requests"))] });
  const appointments = received.filter((d) => d.status === "pending");
  for (const d of appointments) items.push({ kind: "appointment", render: (go) => [
    el("h3", {}, t("appointment_title", kindLabel(d.kind))),
    el("p", { class: "id" }, `${t("principal")}: ${d.principal}`), go("delegations", t("delegations"))] });
  const fresh = entries.filter((e) => e.height > seen && e.ok);
  for (const e of fresh.filter((x) => x.action === "archive.corrected" || x.action === "archive.correction_refused")) {
    items.push({ kind: "correction", render: (go) => [
      el("h3", {}, actionLabel(e.action)),
      el("p", { class: "muted" }, `${when(e.time_ms)} · ${t("at_block", e.height)}`), go("archive", t("archive"))] });
  }
  if (fresh.length) items.push({ kind: "activity", render: (go) => [
    el("h3", {}, t("new_activity", fresh.length)),
    el("ul", {}, fresh.slice(0, 3).map((e) => el("li", {}, actionLabel(e.action)))), go("activity", t("tab_activity"))] });
  return { items, appointments: appointments.length, pending: pending.length + answering, fresh: fresh.length };
}

let countsRun = 0;
async function refreshCounts() {
  if (!store.get("token")) return;
  const run = ++countsRun;
  const counts = {};
  try {
    if (actingFor()) {
      if (actingMay("consent")) counts.requests = (await api("GET", holderPath("/requests?status=pending" + behalf("&")))).length;
    } else {
      const n = await gatherNotices();
      Object.assign(counts, { requests: n.pending, activity: n.fresh, me: n.items.length });
    }
  } catch { return; }
  if (run !== countsRun) return;
  for (const c of document.querySelectorAll("#tabs .count")) {
    const n = counts[c.dataset.count] || 0;
    c.hidden = n === 0;
    c.replaceChildren(...(n ? [String(n), el("span", { class: "sr" }, t("count_sr", n))] : []));
  }
}

function signedIn(s, isNew = false) {
  store.session("token", s.token);
  store.device("holder", s.holder_id);
  render(isNew ? "created" : "certs");
}

// --- navigation, language, large text ------------------------------------------------------

// The tab each screen belongs to (the 我的 menu holds 通知, 我的档案 and 委托).
const TAB_OF = { detail: "certs", present: "certs", created: "certs", notices: "me", archive: "me", delegations: "me" };
let current = "signin";

async function render(screen, arg) {
  say("");
  const signedInNow = Boolean(store.get("token"));
  if (!signedInNow && !["signin", "signup"].includes(screen)) screen = "signin";
  current = arg === undefined ? screen : TAB_OF[screen] || screen;
  const tabs = document.getElementById("tabs");
  tabs.hidden = !signedInNow;
  // Busy until the screen and the tab counts are in (assistive technology waits for it).
  tabs.setAttribute("aria-busy", "true");
  const tab = TAB_OF[screen] || screen;
  for (const b of tabs.querySelectorAll("button")) {
    if (b.dataset.screen === tab) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  showWhose();
  try { await SCREENS[screen](arg); } catch (e) { say(e.message); }
  if (signedInNow) await refreshCounts();
  tabs.removeAttribute("aria-busy");
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
  try {
    const purposes = await api("GET", "/v1/catalogue/purposes");
    purposeNames = Object.fromEntries(purposes.map((x) => [x.id, x]));
  } catch { purposeNames = {}; }
}

// 申请事由: the purpose's code named from the catalogue, then the agency's own words.
let purposeNames = {};
function purposeText(code, text) {
  const n = code && purposeNames[code];
  const named = n ? `${code} ${lang === "zh" ? n.name_zh : n.name_en}` : code || "";
  return [named, text].filter(Boolean).join(" · ");
}

document.addEventListener("DOMContentLoaded", async () => {
  applyPrefs();
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh"; store.device("pref.lang", lang); applyPrefs();
    render(current);
  });
  document.getElementById("large").addEventListener("click", () => {
    store.device("pref.large", store.get("pref.large") === "1" ? "0" : "1"); applyPrefs();
  });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => render(b.dataset.screen));
  document.getElementById("back-to-me").addEventListener("click", () => { stopActing(); render(current); });
  await loadTypes();
  render(store.get("token") ? "certs" : "signin");
});
