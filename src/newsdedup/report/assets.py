"""The report page's style sheet and script, inlined into every page (no network)."""

from __future__ import annotations

CSS = """
:root { --ink: #1f2933; --muted: #5f6b7a; --line: #dde3ea; --bg: #f6f8fa; --accent: #1f5fa8;
  --mark: #ffe58a; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
.wrap { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header.top { background: #17324d; color: #fff; padding: 18px 0 0; }
header.top h1 { margin: 0; font-size: 24px; font-weight: 600; }
header.top .run { font-weight: 400; opacity: .8; margin-left: 8px; }
header.top .sub { margin: 4px 0 10px; opacity: .8; font-size: 13px; overflow-wrap: anywhere; }
header.top nav a { color: #fff; text-decoration: none; display: inline-block; padding: 6px 14px 8px;
  margin-right: 4px; border-radius: 6px 6px 0 0; font-size: 14px; }
header.top nav a:hover { background: rgba(255,255,255,.12); }
section { margin: 28px 0; }
h2 { font-size: 20px; margin: 0 0 12px; border-bottom: 2px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 15px; margin: 14px 0 8px; }
.muted { color: var(--muted); }
.note { background: #eef4fb; border-left: 4px solid var(--accent); padding: 8px 12px;
  border-radius: 4px; }
.note.warn { background: #fff4e5; border-color: #d9822b; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 26px; font-weight: 600; }
.card .hint { color: var(--muted); font-size: 12px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
@media (max-width: 900px) { .two, .plots, .compare { grid-template-columns: 1fr !important; } }
table { border-collapse: collapse; width: 100%; background: var(--card); font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.method { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 16px; max-width: 960px; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
.plots { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
figure.plot { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px; }
figure.plot figcaption { color: var(--muted); font-size: 13px; padding: 0 6px; }
svg.chart { display: block; font: 11px system-ui, sans-serif; fill: var(--ink); }
svg.chart line { stroke: #8a96a3; }
svg.chart line.grid { stroke: #e6eaef; }
svg.chart line.mark { stroke-dasharray: 5 3; stroke-width: 1.5; }
svg.chart title + text, svg.chart > text { fill: var(--ink); }
.tools { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; margin: 10px 0; }
#cluster-search { font: inherit; padding: 7px 10px; width: 340px; max-width: 100%;
  border: 1px solid #b8c2cc; border-radius: 6px; }
.list { max-height: 460px; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
table.clusters thead th { position: sticky; top: 0; z-index: 1; padding: 0; }
table.clusters th button { all: unset; display: block; padding: 6px 8px; cursor: pointer; }
table.clusters th[aria-sort=ascending] button::after { content: " ▲"; }
table.clusters th[aria-sort=descending] button::after { content: " ▼"; }
table.clusters tbody tr { cursor: pointer; }
table.clusters td:last-child { white-space: nowrap; }
table.clusters tbody tr:hover { background: #f1f6fc; }
table.clusters tbody tr.selected { background: #dcebfb; }
table.clusters td.title { max-width: 420px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
#detail { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 16px 18px; }
#detail h2 { border: 0; margin-bottom: 4px; }
table.members tbody tr { cursor: pointer; }
table.members td:nth-child(2) { min-width: 140px; max-width: 260px; }
table.members td:nth-child(3) { min-width: 220px; }
table.members td:nth-child(4) { min-width: 100px; max-width: 220px; overflow-wrap: anywhere; }
table.members td:nth-child(5) { white-space: nowrap; }
table.members tbody tr.current { background: #dcebfb; }
table.members tbody tr.kept { font-weight: 600; }
.compare { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-top: 14px; }
article.doc { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 0; }
article.doc h3 { margin: 4px 0; font-size: 16px; }
article.doc .meta { color: var(--muted); font-size: 13px; margin-bottom: 8px;
  overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px;
  background: #e3e8ee; margin-right: 6px; }
.badge.kept { background: #d4edda; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font: 14px/1.55 Georgia, serif;
  max-height: 640px; overflow: auto; }
mark { background: var(--mark); padding: 0; }
.boiler { color: #8a96a3; text-decoration: line-through; }
.boiler mark { background: #f3eccb; }
.legend-mark { background: var(--mark); padding: 0 4px; }
ul.boiler-list { font-size: 13px; color: var(--muted); }
"""

SCRIPT = """
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const table = document.getElementById("cluster-table");
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.rows);
  const search = document.getElementById("cluster-search");
  const count = document.getElementById("cluster-count");
  const detail = document.getElementById("detail");

  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const kid of kids) {
      if (kid !== null && kid !== undefined) node.append(kid instanceof Node ? kid : String(kid));
    }
    return node;
  }

  function filter() {
    const terms = search.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const hit = terms.every((t) => row.dataset.search.includes(t));
      row.hidden = !hit;
      shown += hit ? 1 : 0;
    }
    count.textContent = shown === rows.length
      ? rows.length + " clusters" : shown + " of " + rows.length + " clusters";
  }
  search.addEventListener("input", filter);

  function sortBy(th) {
    const col = th.cellIndex;
    const numeric = th.dataset.type === "num";
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    for (const other of th.parentNode.cells) other.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const key = (row) => {
      const cell = row.cells[col];
      return numeric ? Number(cell.dataset.value) : cell.textContent.toLowerCase();
    };
    rows.sort((x, y) => {
      const a = key(x), b = key(y);
      const order = numeric ? a - b : a.localeCompare(b);
      return ascending ? order : -order;
    });
    tbody.append(...rows);
  }
  for (const th of table.tHead.rows[0].cells) th.addEventListener("click", () => sortBy(th));

  function inside(spans, pos) {
    return spans.some(([s, e]) => s <= pos && pos < e);
  }

  function textView(text, marks, boiler, why) {
    const box = el("div", {class: "text", dir: "auto"});
    if (text === null) {
      box.append(el("p", {class: "muted"}, why || "Text not available."));
      return box;
    }
    const cuts = new Set([0, text.length]);
    for (const [s, e] of marks.concat(boiler)) { cuts.add(s); cuts.add(e); }
    const points = Array.from(cuts).filter((p) => p <= text.length).sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const piece = text.slice(points[i], points[i + 1]);
      const marked = inside(marks, points[i]);
      let node = marked ? el("mark", {}, piece) : document.createTextNode(piece);
      if (inside(boiler, points[i])) {
        node = el("span", {class: "boiler", title: "boilerplate"}, node);
      }
      box.append(node);
    }
    return box;
  }

  function link(url) {
    if (typeof url !== "string" || !/^https?:\\/\\//i.test(url)) return null;
    return el("a", {href: url, target: "_blank", rel: "noopener noreferrer"}, "open article");
  }

  function column(member, marks, why) {
    const kept = member.kind === "kept";
    const meta = [member.id, member.source, member.date].filter(Boolean).join(" · ");
    const doc = el("article", {class: "doc"},
      el("span", {class: kept ? "badge kept" : "badge"}, kept ? "kept" : member.kind),
      el("h3", {dir: "auto"}, member.title || "(no headline)"),
      el("div", {class: "meta"}, meta, " ", link(member.url)),
      textView(member.text, marks, member.boiler, why));
    if (member.cut) doc.append(el("p", {class: "muted"}, "Text cut at 20,000 characters."));
    if (member.boiler.length && member.text !== null) {
      const list = el("ul", {class: "boiler-list"});
      for (const [s, e] of member.boiler) list.append(el("li", {}, member.text.slice(s, e)));
      const label = "Boilerplate stripped (" + member.boiler.length + ")";
      doc.append(el("details", {}, el("summary", {}, label), list));
    }
    return doc;
  }

  function compare(cluster, index, area, table) {
    const pair = cluster.pairs[index] || {a: [], b: [], how: ""};
    for (const row of table.tBodies[0].rows) {
      row.classList.toggle("current", Number(row.dataset.member) === index);
    }
    const how = pair.how === "passages" ? "aligned passages from the pairs table"
      : pair.how === "8-grams" ? "runs of 8 or more words that both texts share" : "none available";
    const legend = cluster.why ? el("p", {class: "note"}, cluster.why)
      : el("p", {class: "muted"}, "Highlighted ", el("span", {class: "legend-mark"}, "like this"),
        ": " + how + ".");
    area.replaceChildren(legend,
      el("div", {class: "compare"}, column(cluster.members[pair.with || 0], pair.a, cluster.why),
        column(cluster.members[index], pair.b, cluster.why)));
  }

  function membersTable(cluster) {
    const head = el("tr", {}, ...["", "id", "headline", "source", "date", "Jaccard", "containment"]
      .map((h) => el("th", {}, h)));
    const body = el("tbody");
    cluster.members.forEach((m, i) => {
      const kept = m.kind === "kept";
      body.append(el("tr", {"data-member": String(i), class: kept ? "kept" : "", tabindex: "0"},
        el("td", {}, el("span", {class: kept ? "badge kept" : "badge"}, m.kind)),
        el("td", {}, el("code", {}, m.id)), el("td", {dir: "auto"}, m.title || ""),
        el("td", {}, m.source || ""), el("td", {}, m.date || ""),
        el("td", {class: "num"}, m.jaccard.toFixed(2)),
        el("td", {class: "num"}, m.containment.toFixed(2))));
    });
    return el("table", {class: "members"}, el("thead", {}, head), body);
  }

  function openCluster(index) {
    const cluster = data.clusters[index];
    if (!cluster) return;
    for (const row of rows) row.classList.toggle("selected", Number(row.dataset.index) === index);
    const members = membersTable(cluster);
    const area = el("div", {class: "comparison"});
    const shown = cluster.members.length < cluster.size
      ? " (the " + cluster.members.length + " most similar shown)" : "";
    detail.replaceChildren(
      el("h2", {}, "Cluster ", el("code", {}, cluster.id)),
      el("p", {class: "muted"}, cluster.size + " members" + shown +
        ". Click a member to compare it with the kept document."),
      members, area);
    const pick = (event) => {
      const row = event.target.closest("tr[data-member]");
      const index = row ? Number(row.dataset.member) : 0;
      if (index > 0) compare(cluster, index, area, members);
    };
    members.addEventListener("click", pick);
    members.addEventListener("keydown", (event) => { if (event.key === "Enter") pick(event); });
    compare(cluster, Math.min(1, cluster.members.length - 1), area, members);
    detail.hidden = false;
    detail.scrollIntoView({block: "start"});
  }

  const choose = (event) => {
    const row = event.target.closest("tr[data-index]");
    if (row) openCluster(Number(row.dataset.index));
  };
  tbody.addEventListener("click", choose);
  tbody.addEventListener("keydown", (event) => { if (event.key === "Enter") choose(event); });
})();
"""
