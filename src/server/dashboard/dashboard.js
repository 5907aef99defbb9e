// The dashboard: fetches the API and draws with ECharts (loaded from /assets/echarts.min.js).
/* global echarts */
const $ = (sel) => document.querySelector(sel);
const pct = (v) => `${(v * 100).toFixed(1)}%`;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const charts = {
  shares: echarts.init($("#chart-shares")),
  growth: echarts.init($("#chart-growth")),
  clusters: echarts.init($("#chart-clusters")),
};
/** For tests and the curious: the chart instances and how many renders finished. */
globalThis.dashboard = { charts, renders: 0, lastDay: null };
addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));

// A server started with API_READ_TOKEN wants a bearer token: open the page as /#token=TOKEN. The fragment
// never reaches the server or its logs; the token stays for this tab's session and leaves the address bar.
const TOKEN_KEY = "posttagger-read-token";
const given = new URLSearchParams(location.hash.slice(1)).get("token");
if (given) {
  sessionStorage.setItem(TOKEN_KEY, given);
  history.replaceState(null, "", location.pathname + location.search);
}

async function api(path, params = {}) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== undefined));
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(`/api/${path}${qs.size ? `?${qs}` : ""}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (res.status === 401 || res.status === 403) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Error(
      `this server needs a read token (${res.status}): open the page as ${location.pathname}#token=YOUR_TOKEN`,
    );
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? res.statusText);
  return body;
}

function filters() {
  return {
    tag: $("#f-tag").value,
    platform: $("#f-platform").value,
    lang: $("#f-lang").value,
    bucket: $("#f-bucket").value,
  };
}

function fillSelect(sel, values) {
  for (const v of values) sel.add(new Option(v, v));
}

/**
 * Tooltip content as DOM nodes. The server's CSP allows no inline style, and ECharts' own HTML tooltips
 * carry style attributes; nodes built here carry classes (dashboard.css) and text, never markup.
 * A row is a list of parts: a string, `{ b: text }` in bold, or `{ dot: colour }`.
 */
function tipNode(rows) {
  const box = document.createElement("div");
  for (const row of rows) {
    const line = document.createElement("div");
    for (const part of row) {
      if (typeof part === "string") line.append(part);
      else if (part.dot) {
        const dot = document.createElement("span");
        dot.className = "dot";
        dot.style.backgroundColor = part.dot; // CSSOM, which the CSP allows
        line.append(dot);
      } else {
        const b = document.createElement("b");
        b.textContent = String(part.b);
        line.append(b);
      }
    }
    box.append(line);
  }
  return box;
}

function drawShares(dist, tag) {
  const periods = dist.periods;
  charts.shares.setOption({
    tooltip: {
      trigger: "axis",
      formatter: (items) =>
        tipNode([
          [{ b: items[0]?.axisValue ?? "" }],
          ...items.map((i) => [{ dot: i.color }, `${i.seriesName} `, { b: pct(i.value) }]),
        ]),
    },
    legend: { type: "scroll", top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: periods },
    yAxis: { type: "value", axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
    series: dist.series.map((s) => ({
      name: s.tag,
      type: "line",
      smooth: false,
      showSymbol: periods.length < 40,
      lineStyle: { width: s.tag === tag ? 3 : 2 },
      data: s.shares,
    })),
  }, { notMerge: true });
}

/**
 * Growing tags by the route's own test (`change`: the share's interval now wholly above the one before),
 * best first; tags that fell in their own table; a sentence when none grew.
 */
function drawGrowth(growth, days) {
  const grew = growth.tags.filter((r) => r.change === "grew").slice(0, 8).reverse();
  const fell = growth.tags.filter((r) => r.change === "fell")
    .sort((a, b) => a.current.high / a.previous.low - b.current.high / b.previous.low);
  $("#growth-range").textContent =
    `(${growth.current.from} – ${growth.current.to} vs the ${days} days before)`;
  $("#growth-none").hidden = grew.length > 0;
  $("#chart-growth").hidden = grew.length === 0;
  rowsOrEmpty(
    $("#falling tbody"),
    fell.slice(0, 8).map((r) =>
      `<tr><td>${esc(r.tag)}</td><td class="num">${pct(r.previous.share)}</td><td class="num">${
        pct(r.current.share)
      }</td><td class="num">×${r.growth.toFixed(2)}</td><td class="num">${r.z.toFixed(1)}</td></tr>`
    ),
    5,
    "no tag fell significantly in this period",
  );
  if (grew.length === 0) {
    charts.growth.clear();
    return;
  }
  charts.growth.resize();
  charts.growth.setOption({
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (items) => {
        const r = grew[items[0].dataIndex];
        return tipNode([
          [{ b: r.tag }],
          [`share ${pct(r.previous.share)} → ${pct(r.current.share)}`],
          [
            `growth ×${r.growth.toFixed(2)} (conservative ×${r.conservativeGrowth.toFixed(2)}), z ${
              r.z.toFixed(1)
            }`,
          ],
        ]);
      },
    },
    grid: { left: 70, right: 50, top: 10, bottom: 30 },
    xAxis: { type: "value", name: "×", min: 1, axisLabel: { formatter: (v) => `×${v}` } },
    yAxis: { type: "category", data: grew.map((r) => r.tag) },
    series: [{
      type: "bar",
      data: grew.map((r) => ({
        value: Number(r.conservativeGrowth.toFixed(3)),
        itemStyle: { color: "#2f9e44" },
      })),
      barMaxWidth: 28,
      label: { show: true, position: "right", formatter: (p) => `×${p.value.toFixed(2)}` },
    }],
  }, { notMerge: true });
}

/**
 * Clusters on a circle, each cluster's tags on a smaller circle around its centre: fixed positions that
 * ECharts fits into the panel (inside margins wide enough for the labels), so no node falls outside.
 */
function clusterLayout(clusters) {
  const groups = clusters.communities.map((c) => c.tags);
  const pos = new Map();
  const big = groups.length > 1 ? 1 : 0;
  groups.forEach((tags, g) => {
    const a = (2 * Math.PI * g) / groups.length - Math.PI / 2;
    const cx = big * Math.cos(a), cy = big * Math.sin(a);
    const r = tags.length > 1 ? (groups.length > 1 ? 0.38 : 1) : 0;
    tags.forEach((t, i) => {
      const b = (2 * Math.PI * i) / tags.length + a;
      pos.set(t, [cx + r * Math.cos(b), cy + r * Math.sin(b)]);
    });
  });
  return pos;
}

function drawClusters(clusters) {
  const palette = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4"];
  const max = Math.max(1, ...clusters.nodes.map((n) => n.tagged));
  const maxW = Math.max(1e-9, ...clusters.edges.map((e) => e.weight));
  // In the panel's own pixels (less the margins below), so that the fit scales both axes alike.
  const raw = clusterLayout(clusters);
  const xs = [...raw.values()].map((p) => p[0]), ys = [...raw.values()].map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [w, h] = [charts.clusters.getWidth() - 120, charts.clusters.getHeight() - 95];
  const pos = new Map([...raw].map(([t, [x, y]]) => [t, [
    x1 > x0 ? ((x - x0) / (x1 - x0)) * w : w / 2,
    y1 > y0 ? ((y - y0) / (y1 - y0)) * h : h / 2,
  ]]));
  $("#clusters-caption").textContent =
    `${clusters.nodes.length} tags in ${clusters.communities.length} clusters ` +
    `(modularity ${
      clusters.modularity.toFixed(2)
    }) · circle size: sampled posts with the tag · line width: PMI ` +
    `of the two tags · colour: cluster`;
  charts.clusters.setOption({
    tooltip: {
      formatter: (p) =>
        tipNode([
          p.dataType === "edge"
            ? [`${p.data.source} + ${p.data.target}: ${p.data.count} posts, PMI ${p.data.weight.toFixed(2)}`]
            : [{ dot: p.color }, `${p.data.name}: ${p.data.tagged} posts, cluster ${p.data.category + 1}`],
        ]),
    },
    legend: { data: clusters.communities.map((c) => `cluster ${c.id + 1}`), top: 0, type: "scroll" },
    color: palette,
    series: [{
      type: "graph",
      layout: "none",
      roam: false,
      // Room for the largest circle and a label on every side.
      left: 60,
      right: 60,
      top: 50,
      bottom: 45,
      categories: clusters.communities.map((c) => ({ name: `cluster ${c.id + 1}` })),
      label: { show: true, position: "bottom", fontSize: 12, distance: 2 },
      data: clusters.nodes.map((n) => ({
        name: n.tag,
        tagged: n.tagged,
        category: n.community,
        x: pos.get(n.tag)?.[0] ?? 0,
        y: pos.get(n.tag)?.[1] ?? 0,
        symbolSize: 10 + 22 * Math.sqrt(n.tagged / max),
      })),
      links: clusters.edges.map((e) => ({
        source: e.source,
        target: e.target,
        count: e.count,
        weight: e.weight,
        lineStyle: { width: 1 + 4 * (e.weight / maxW), opacity: 0.5, curveness: 0.15 },
      })),
    }],
  }, { notMerge: true });
}

function rowsOrEmpty(tbody, rows, cols, empty = "none") {
  tbody.innerHTML = rows.length
    ? rows.join("")
    : `<tr><td colspan="${cols}" class="empty">${esc(empty)}</td></tr>`;
}

const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (d) => Date.parse(`${d}T00:00:00Z`);

/**
 * Where the periods end: the last full day, week (Monday to Sunday) or month with predictions, so that a
 * period the data covers only in part is not drawn as a fall. `last` is the last day with predictions.
 */
function periodEnd(last, bucket) {
  const today = isoDay(Date.now());
  const lastFull = last < today ? last : isoDay(dayMs(today) - DAY_MS);
  const t = dayMs(lastFull);
  if (bucket === "week") {
    const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
    return weekday === 6 ? lastFull : isoDay(t - (weekday + 1) * DAY_MS);
  }
  if (bucket === "month") {
    const next = new Date(t + DAY_MS);
    return next.getUTCDate() === 1
      ? lastFull
      : isoDay(Date.UTC(next.getUTCFullYear(), next.getUTCMonth(), 1) - DAY_MS);
  }
  return lastFull;
}

const WORDS = { day: "day", week: "week (Monday to Sunday)", month: "month" };

function drawBursts(bursts) {
  const rows = bursts.bursts.filter((b) => b.active).map((b) =>
    `<tr><td>${esc(b.tag)}</td><td>${b.start}</td><td>${b.peak}</td><td class="num">${
      pct(b.peakShare)
    }</td>` +
    `<td class="num">${pct(b.baseline)}</td><td class="num">${b.peakZ.toFixed(1)}</td></tr>`
  );
  rowsOrEmpty($("#bursts tbody"), rows, 6);
}

function drawTopPosts(tag, top) {
  $("#top-title").textContent = `Top posts: ${tag}`;
  rowsOrEmpty(
    $("#top-posts tbody"),
    top.posts.map((p) =>
      `<tr><td><code title="${esc(p.id)}">${esc(p.id.slice(0, 10))}</code></td><td>${
        p.createdAt.slice(0, 10)
      }</td>` +
      `<td>${esc(p.platform)}</td><td class="num">${p.probability.toFixed(2)}</td><td class="text">${
        esc(p.snippet)
      }</td></tr>`
    ),
    5,
  );
}

function drawRuns(runs, models) {
  const m = models.current;
  $("#model").innerHTML = m
    ? `<b>${esc(m.version)}</b> since ${String(m.created_at).slice(0, 10)}` +
      Object.entries(m.metrics ?? {}).filter(([, v]) => typeof v === "number").slice(0, 4)
        .map(([k, v]) => ` · ${esc(k)} ${v.toFixed(3)}`).join("")
    : `<span class="empty">no model promoted yet</span>`;
  rowsOrEmpty(
    $("#runs tbody"),
    runs.runs.map((r) =>
      `<tr><td><code>${esc(r.id)}</code></td><td>${esc(r.kind)}</td>` +
      `<td class="${r.status === "succeeded" ? "ok" : esc(r.status)}">${esc(r.status)}</td>` +
      `<td>${String(r.started_at).slice(0, 16).replace("T", " ")}</td><td>${
        esc(r.model_version ?? "")
      }</td></tr>`
    ),
    5,
  );
}

async function render() {
  const f = filters();
  document.body.dataset.state = "loading";
  const common = { platform: f.platform, lang: f.lang };
  const last = globalThis.dashboard.lastDay;
  const to = last ? periodEnd(last, f.bucket) : undefined;
  const days = f.bucket === "day" ? 7 : 30;
  try {
    const [dist, growth, bursts, clusters, runs, models] = await Promise.all([
      api("distribution", { ...common, to, bucket: f.bucket, ...(f.tag ? { tag: f.tag } : { limit: 8 }) }),
      api("growth", { ...common, to, days, minCount: 5 }),
      api("bursts", {
        ...common,
        to: last ? periodEnd(last, "week") : undefined,
        bucket: "week",
        window: 8,
        minHistory: 4,
        minCount: 3,
      }),
      api("clusters", { ...common, minCount: 3 }),
      api("runs", { limit: 8 }),
      api("models", { limit: 5 }),
    ]);
    const topTag = f.tag || dist.series[0]?.tag;
    drawShares(dist, f.tag);
    drawGrowth(growth, days);
    $("#period-note").textContent = last
      ? `Periods end ${to}, the last full ${WORDS[f.bucket]} with predictions (predictions run to ${last}).`
      : "No predictions yet.";
    drawBursts(bursts);
    drawClusters(clusters);
    drawRuns(runs, models);
    if (topTag) {
      drawTopPosts(
        topTag,
        await api(`tags/${encodeURIComponent(topTag)}/top-posts`, { ...common, limit: 5 }),
      );
    }
    $("#status").textContent = `${dist.posts.reduce((s, n) => s + n, 0)} sampled posts`;
    globalThis.dashboard.renders++;
    document.body.dataset.state = "ready";
  } catch (err) {
    $("#status").textContent = `Cannot load the trends: ${err.message}`;
    document.body.dataset.state = "error";
  }
}

async function start() {
  try {
    const tags = await api("tags");
    globalThis.dashboard.lastDay = tags.facets.to;
    fillSelect($("#f-tag"), tags.tags.filter((t) => t.tagged > 0).map((t) => t.name));
    fillSelect($("#f-platform"), tags.facets.platforms);
    fillSelect($("#f-lang"), tags.facets.langs);
  } catch (err) {
    $("#status").textContent = `Cannot load the tags: ${err.message}`;
  }
  $("#filters").addEventListener("change", render);
  await render();
}

start();
