// The agreement view: kappa per tag for each pair of annotators, answers per day, labeled posts per tag.
const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = "posttagger-label-token";
const given = new URLSearchParams(location.hash.slice(1)).get("token");
if (given) {
  sessionStorage.setItem(TOKEN_KEY, given);
  history.replaceState(null, "", location.pathname + location.search);
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}
const row = (...cells) => {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
};
const fill = (tbody, rows, cols) =>
  tbody.replaceChildren(
    ...(rows.length ? rows : [row(Object.assign(cell("none yet", "empty"), { colSpan: cols }))]),
  );
const fmt = (v) => (v === null ? "–" : v.toFixed(2));
/** Landis & Koch's words for a kappa. */
const reading = (k) =>
  k === null
    ? "undefined"
    : k < 0
    ? "worse than chance"
    : k < 0.2
    ? "slight"
    : k < 0.4
    ? "fair"
    : k < 0.6
    ? "moderate"
    : k < 0.8
    ? "substantial"
    : "almost perfect";

async function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    $("#status").textContent = "Open this page as /label/agreement#token=YOUR_TOKEN (your annotator token)";
    document.body.dataset.state = "error";
    return;
  }
  const res = await fetch("/api/label/agreement", { headers: { authorization: `Bearer ${token}` } });
  const d = await res.json();
  if (!res.ok) {
    $("#status").textContent = `Cannot load the agreement: ${d.error}`;
    document.body.dataset.state = "error";
    return;
  }
  $("#needed").textContent = `(training keeps a tag with at least ${d.needed} labeled posts)`;
  fill(
    $("#coverage tbody"),
    d.coverage.map((c) => {
      const meter = document.createElement("meter");
      meter.min = 0;
      meter.max = c.needed;
      meter.low = c.needed - 0.5;
      meter.optimum = c.needed;
      meter.value = Math.min(c.posts, c.needed);
      const m = cell("");
      m.append(meter);
      return row(
        cell(c.tag),
        cell(c.posts, "num"),
        cell(c.byPeople, "num"),
        m,
        cell(c.missing || "–", c.missing ? "num bad" : "num"),
      );
    }),
    5,
  );
  const pairs = $("#pairs");
  if (d.pairs.length === 0) {
    pairs.textContent =
      "No two annotators have labeled the same post yet: the second-opinion queue gives them some.";
  }
  for (const p of d.pairs) {
    const h = document.createElement("h3");
    h.textContent = `${p.annotators[0]} and ${p.annotators[1]}: ${p.posts} posts in common`;
    const table = document.createElement("table");
    table.className = "kappa";
    table.innerHTML =
      "<thead><tr><th>Tag</th><th>Kappa</th><th></th><th>Agree</th><th>Yes (A/B)</th></tr></thead>";
    const body = document.createElement("tbody");
    fill(
      body,
      p.tags.map((t) =>
        row(
          cell(t.tag),
          cell(fmt(t.kappa), "num"),
          cell(reading(t.kappa)),
          cell(t.observed === null ? "–" : `${Math.round(t.observed * 100)}%`, "num"),
          cell(`${t.yesA}/${t.yesB}`, "num"),
        )
      ),
      5,
    );
    table.append(body);
    pairs.append(h, table);
  }
  fill(
    $("#per-day tbody"),
    d.perDay.map((r) =>
      row(
        cell(r.day),
        cell(r.annotator),
        cell(r.posts, "num"),
        cell(r.tagged, "num"),
        cell(r.posts - r.tagged, "num"),
      )
    ),
    5,
  );
  $("#status").textContent = `${d.perDay.reduce((s, r) => s + r.posts, 0)} answers in the last 30 days`;
  document.body.dataset.state = "ready";
}

start().catch((err) => {
  $("#status").textContent = `Cannot load the agreement: ${err.message}`;
  document.body.dataset.state = "error";
});
