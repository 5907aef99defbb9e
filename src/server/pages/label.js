// The labeling page: one post at a time from a queue, tags toggled by click or key, answers sent to /api/label.
const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = "posttagger-label-token";
const given = new URLSearchParams(location.hash.slice(1)).get("token");
if (given) {
  sessionStorage.setItem(TOKEN_KEY, given);
  history.replaceState(null, "", location.pathname + location.search);
}

const state = { data: null, chosen: new Set(), busy: false, done: 0 };
/** For tests and the curious. */
globalThis.labeling = state;

class AuthError extends Error {}

async function api(path, init = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new AuthError("no token");
  const res = await fetch(`/api/label/${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body ? { "content-type": "application/json" } : {}),
    },
  });
  if (res.status === 401 || res.status === 403) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new AuthError((await res.json()).error);
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? res.statusText);
  return body;
}

function setState(s) {
  document.body.dataset.state = s;
  $("#login").hidden = s !== "login";
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k in e && typeof v !== "string") e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function renderTags() {
  const probs = new Map((state.data.post?.suggestions ?? []).map((s) => [s.tag, s]));
  const box = $("#tags");
  box.replaceChildren(...state.data.vocabulary.map(({ tag, key }) => {
    const s = probs.get(tag);
    const b = el(
      "button",
      { type: "button", class: "tag", "aria-pressed": String(state.chosen.has(tag)), "data-tag": tag },
      el("kbd", {}, key ?? " "),
      el("span", { class: "name" }, tag),
    );
    if (s) {
      b.append(
        el("meter", { min: "0", max: "1", value: String(s.probability), title: "model probability" }),
        el("small", { class: s.predicted ? "suggested" : "" }, s.probability.toFixed(2)),
      );
    }
    b.addEventListener("click", () => toggle(tag));
    return b;
  }));
}

function toggle(tag) {
  if (state.chosen.has(tag)) state.chosen.delete(tag);
  else state.chosen.add(tag);
  const b = document.querySelector(`.tag[data-tag="${CSS.escape(tag)}"]`);
  b?.setAttribute("aria-pressed", String(state.chosen.has(tag)));
}

function renderPost() {
  const d = state.data;
  $("#who").textContent = `annotator: ${d.annotator} · ${state.done} answered in this session`;
  $("#queue-desc").textContent = `Queue in use: ${d.queue} — ${d.description}` +
    (d.queue === "uncertain" && !d.thresholdsKnown
      ? " (the current model's thresholds are unknown: 0.5 assumed)"
      : "");
  const p = d.post;
  if (!p) {
    $("#meta").textContent = "";
    $("#reason").textContent = "";
    $("#text").textContent = "No post left in this queue. Pick another queue above.";
    $("#hashtags").textContent = "";
    $("#media").replaceChildren();
    $("#tags").replaceChildren();
    setState("empty");
    return;
  }
  state.chosen = new Set(p.suggestions.filter((s) => s.predicted).map((s) => s.tag));
  $("#meta").textContent = [
    p.platform,
    p.createdAt ? p.createdAt.slice(0, 16).replace("T", " ") + " UTC" : "no time",
    p.lang ? `language ${p.lang}` : "language unknown",
    p.modelVersion ? `suggestions from ${p.modelVersion}` : "no model suggestions yet",
    `post ${p.id.slice(0, 10)}`,
  ].join(" · ");
  const a = d.assignment;
  $("#reason").textContent = a?.uncertainty != null
    ? `Why this post: the model is unsure about "${a.tags.join(", ")}" (uncertainty ${
      a.uncertainty.toFixed(2)
    })`
    : a?.tags.length
    ? `Why this post: annotators disagree on ${a.tags.join(", ")}`
    : p.labeledBy > 0
    ? `Labeled by ${p.labeledBy} other ${p.labeledBy === 1 ? "person" : "people"} before`
    : "";
  $("#text").textContent = p.text || "(no text)";
  $("#hashtags").textContent = p.hashtags.map((h) => `#${h}`).join(" ");
  $("#media").replaceChildren(...p.media.map((m) => {
    if (!m.url) return el("p", { class: "missing" }, `${m.kind} missing: ${m.error ?? "not stored"}`);
    if (m.kind === "video") {
      return el("video", { src: m.url, controls: true, muted: true, preload: "metadata", class: "media" });
    }
    return el("img", { src: m.url, alt: `image ${m.position + 1} of the post`, class: "media" });
  }));
  renderTags();
  setState("ready");
}

async function load() {
  setState("loading");
  try {
    state.data = await api(`next?queue=${encodeURIComponent($("#queue").value || "uncertain")}`);
    const sel = $("#queue");
    if (sel.options.length === 0) {
      for (const q of state.data.queues) {
        sel.add(new Option(q.name, q.name, false, q.name === state.data.queue));
      }
    }
    renderPost();
  } catch (err) {
    fail(err);
  }
}

function fail(err) {
  if (err instanceof AuthError) {
    setState("login");
    $("#status").textContent = err.message === "no token" ? "" : `Cannot sign in: ${err.message}`;
    return;
  }
  $("#status").textContent = err.message;
  setState("error");
}

async function send(path, body, said) {
  if (state.busy || !state.data?.post) return;
  state.busy = true;
  try {
    await api(path, {
      method: "POST",
      body: JSON.stringify({ postId: state.data.post.id, queue: state.data.queue, ...body }),
    });
    state.done++;
    $("#status").textContent = said;
    await load();
  } catch (err) {
    fail(err);
  } finally {
    state.busy = false;
  }
}

function save() {
  if (state.chosen.size === 0) {
    $("#status").textContent = "No tag chosen: toggle a tag, or press n for none of these";
    return;
  }
  const tags = [...state.chosen];
  send("answer", { tags }, `Saved: ${tags.join(", ")}`);
}
const none = () => send("answer", { tags: [], none: true }, "Saved: none of these");
const skip = () => send("skip", {}, "Skipped");

$("#save").addEventListener("click", save);
$("#none").addEventListener("click", none);
$("#skip").addEventListener("click", skip);
$("#queue").addEventListener("change", load);
$("#login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
  $("#token").value = "";
  load();
});

document.addEventListener("keydown", (e) => {
  if (e.target.closest?.("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
  if (document.body.dataset.state !== "ready") return;
  const key = e.key.toLowerCase();
  const tag = state.data.vocabulary.find((v) => v.key === key);
  if (tag) toggle(tag.tag);
  else if (e.key === "Enter") save();
  else if (key === "n") none();
  else if (key === "s") skip();
  else if (e.key === "?") {
    $("#status").textContent = "Keys: a tag's key toggles it · Enter saves · n: none of these · s: skip";
  } else return;
  e.preventDefault();
});

load();
