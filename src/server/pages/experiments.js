// The experiments page: runs from their manifests, sortable and filterable; two runs side by side; curves.
/* global echarts */
const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = "posttagger-read-token";
const given = new URLSearchParams(location.hash.slice(1)).get("token");
if (given) {
  sessionStorage.setItem(TOKEN_KEY, given);
  history.replaceState(null, "", location.pathname + location.search);
}

const chart = echarts.init($("#chart-curves"));
addEventListener("resize", () => chart.resize());
const state = { runs: [], sort: "createdAt", desc: true, picked: [] };
/** For tests and the curious. */
globalThis.experiments = { state, chart };

const f3 = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
const f2 = (v) => (v === null || v === undefined ? "–" : v.toFixed(2));
const duration = (s) => (s === null ? "–" : s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);

function td(text, cls, title) {
  const e = document.createElement("td");
  e.textContent = text;
  if (cls) e.className = cls;
  if (title) e.title = title;
  return e;
}

function visible() {
  const text = $("#f-text").value.trim().toLowerCase();
  const status = $("#f-status").value;
  const rows = state.runs.filter((r) => {
    if (status === "promoted" && r.promoted !== true) return false;
    if (status === "candidate" && r.promoted !== false) return false;
    if (!text) return true;
    return [
      r.id,
      r.source,
      r.textEncoder,
      r.backend,
      r.modelVersion,
      r.codeVersion,
      r.protocol,
      r.dataHash,
      r.reason,
    ]
      .some((v) => v && v.toLowerCase().includes(text));
  });
  const key = state.sort;
  return rows.sort((a, b) => {
    const x = a[key], y = b[key];
    const c = x === y
      ? 0
      : x === null || x === undefined
      ? 1
      : y === null || y === undefined
      ? -1
      : x < y
      ? -1
      : 1;
    return state.desc && x !== null && y !== null ? -c : c;
  });
}

function renderRuns() {
  const rows = visible();
  $("#runs tbody").replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = state.picked.includes(r.id);
      box.setAttribute("aria-label", `compare ${r.id}`);
      box.addEventListener("change", () => pick(r.id, box.checked));
      const first = document.createElement("td");
      first.append(box);
      if (r.error) {
        tr.append(first, td(r.id), Object.assign(td(r.error, "bad"), { colSpan: 12 }));
        return tr;
      }
      const langs = r.perLanguage.map((l) => `${l.lang} ${f2(l.weightedF05)}`).join(" · ") || "–";
      const model = r.promoted === null ? "–" : r.promoted ? "promoted" : "candidate";
      tr.append(
        first,
        td(r.createdAt ? r.createdAt.slice(0, 16).replace("T", " ") : "–", "", r.id),
        td(r.source ?? "–"),
        td(r.dataHash ? r.dataHash.slice(0, 8) : "–", "mono", r.dataHash ?? ""),
        td(r.codeVersion ? r.codeVersion.replace(/^(\w{7})\w*/, "$1") : "–", "mono", r.codeVersion ?? ""),
        td(r.protocol ?? "–"),
        td(r.textEncoder ?? "–", "", r.textEncoderDetail ?? ""),
        td(f3(r.weightedF05), "num"),
        td(f3(r.macroF05), "num"),
        td(f3(r.microF05), "num"),
        td(langs, "langs"),
        td(r.backend ?? "–"),
        td(duration(r.durationS), "num"),
        td(`${model}${r.modelVersion ? ` ${r.modelVersion}` : ""}`, r.promoted ? "ok" : ""),
      );
      const why = document.createElement("tr");
      why.className = "why";
      why.append(td(""), Object.assign(td(r.reason ? `why: ${r.reason}` : ""), { colSpan: 13 }));
      return [tr, why];
    }).flat(),
  );
  for (const th of document.querySelectorAll("#runs th[data-sort]")) {
    th.setAttribute(
      "aria-sort",
      th.dataset.sort === state.sort ? (state.desc ? "descending" : "ascending") : "none",
    );
  }
  $("#status").textContent = `${rows.length} of ${state.runs.length} runs`;
}

function pick(id, on) {
  state.picked = state.picked.filter((p) => p !== id);
  if (on) state.picked.push(id);
  if (state.picked.length > 2) state.picked.shift();
  renderRuns();
  renderCompare();
  renderCurves();
}

function renderCompare() {
  // A is the older run, B the newer: ΔF0.5 reads as what the newer run changed.
  const [a, b] = state.picked.map((id) => state.runs.find((r) => r.id === id))
    .sort((x, y) => (x?.createdAt ?? "").localeCompare(y?.createdAt ?? ""));
  const head = $("#per-tag thead"), body = $("#per-tag tbody");
  if (!a || !b) {
    $("#compare-hint").hidden = false;
    head.replaceChildren();
    body.replaceChildren();
    return;
  }
  $("#compare-hint").hidden = true;
  $("#compare-title").textContent = `Compare ${a.id} (A) and ${b.id} (B)`;
  const h = document.createElement("tr");
  for (
    const t of [
      "Tag",
      "P A",
      "R A",
      "F0.5 A",
      "thr A",
      "P B",
      "R B",
      "F0.5 B",
      "thr B",
      "ΔF0.5 (B−A)",
      "support",
    ]
  ) {
    const th = document.createElement("th");
    th.textContent = t;
    if (t !== "Tag") th.className = "num";
    h.append(th);
  }
  head.replaceChildren(h);
  const tags = [...new Set([...a.perTag, ...b.perTag].map((t) => t.tag))].sort();
  const of = (run, tag) => run.perTag.find((t) => t.tag === tag) ?? {};
  body.replaceChildren(...tags.map((tag) => {
    const x = of(a, tag), y = of(b, tag);
    const d = x.f05 != null && y.f05 != null ? y.f05 - x.f05 : null;
    const tr = document.createElement("tr");
    tr.append(
      td(tag),
      ...[x.precision, x.recall, x.f05, x.threshold, y.precision, y.recall, y.f05, y.threshold].map((v) =>
        td(f3(v), "num")
      ),
      td(
        d === null ? "–" : `${d >= 0 ? "+" : ""}${d.toFixed(3)}`,
        d === null ? "num" : d > 0 ? "num ok" : d < 0 ? "num bad" : "num",
      ),
      td(String(y.support ?? x.support ?? "–"), "num"),
    );
    return tr;
  }));
}

function renderCurves() {
  const ids = state.picked.length
    ? state.picked
    : state.runs.filter((r) => r.curves).slice(0, 1).map((r) => r.id);
  const runs = ids.map((id) => state.runs.find((r) => r.id === id)).filter((r) => r?.curves);
  $("#curves-note").textContent = runs.length
    ? `(${runs.map((r) => r.id).join(" vs ")})`
    : "(none of these manifests recorded curves: runs trained before curves were kept)";
  const series = runs.flatMap((r, i) => {
    const tag = runs.length > 1 ? (i === 0 ? " A" : " B") : "";
    const pts = (ys) => r.curves.epoch.map((e, j) => [e, ys[j] ?? null]);
    return [
      { name: `train loss${tag}`, type: "line", yAxisIndex: 0, data: pts(r.curves.train_loss) },
      { name: `validation loss${tag}`, type: "line", yAxisIndex: 0, data: pts(r.curves.val_loss) },
      {
        name: `validation weighted F0.5${tag}`,
        type: "line",
        yAxisIndex: 1,
        data: pts(r.curves.val_weighted_f05),
        lineStyle: { type: "dashed" },
      },
    ];
  });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", formatter: curveTip },
    legend: { top: 0, type: "scroll" },
    grid: { left: 60, right: 70, top: 40, bottom: 45 },
    xAxis: {
      type: "value",
      name: "epoch",
      nameLocation: "middle",
      nameGap: 28,
      minInterval: 1,
      min: "dataMin",
    },
    yAxis: [
      { type: "value", name: "loss (BCE)", scale: true },
      { type: "value", name: "weighted F0.5", min: 0, max: 1 },
    ],
    series,
  }, { notMerge: true });
}

/**
 * The curves' tooltip as DOM nodes: the page's CSP allows no inline style, and ECharts' default HTML
 * tooltip carries style attributes (the browser drops them, and the colour markers with them).
 */
function curveTip(params) {
  const box = document.createElement("div");
  const head = document.createElement("b");
  head.textContent = `epoch ${params[0]?.value?.[0] ?? ""}`;
  box.append(head);
  for (const p of params) {
    const line = document.createElement("div");
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.backgroundColor = p.color; // CSSOM, which the CSP allows
    const y = p.value?.[1];
    line.append(dot, `${p.seriesName}: `, y == null ? "–" : Number(y).toFixed(4));
    box.append(line);
  }
  return box;
}

async function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch("/api/experiments", { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await res.json();
  if (!res.ok) {
    $("#status").textContent = res.status === 401 || res.status === 403
      ? `this server needs a read token (${res.status}): open the page as /experiments#token=YOUR_TOKEN`
      : `Cannot load the runs: ${body.error}`;
    document.body.dataset.state = "error";
    return;
  }
  state.runs = body.runs;
  for (const th of document.querySelectorAll("#runs th[data-sort]")) {
    th.tabIndex = 0;
    const sort = () => {
      state.desc = state.sort === th.dataset.sort ? !state.desc : true;
      state.sort = th.dataset.sort;
      renderRuns();
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => e.key === "Enter" && sort());
  }
  $("#f-text").addEventListener("input", renderRuns);
  $("#f-status").addEventListener("change", renderRuns);
  renderRuns();
  renderCompare();
  renderCurves();
  document.body.dataset.state = "ready";
}

start().catch((err) => {
  $("#status").textContent = `Cannot load the runs: ${err.message}`;
  document.body.dataset.state = "error";
});
