// Runs: training output folders (metrics.jsonl, yc_config.yml, eval/), one opened or two compared.
"use strict";
nav("runs");
const $ = (id) => document.getElementById(id);

async function loadRuns() {
  const data = await api("/api/runs");
  if (!data.runs.length) {
    put($("runs"), el("tr", {}, el("td", {}, "no training runs found (folders with metrics.jsonl or yc_config.yml)")));
    return;
  }
  put($("runs"), 
    el("tr", {}, ["", "run", "folder", "steps", "eval", "modified"].map((h) => el("th", {}, h))),
    data.runs.map((r) => el("tr", { "data-run": r.id },
      el("td", {}, el("input", { type: "checkbox", class: "pick", value: r.id })),
      el("td", {}, el("a", { href: "#", class: "open", onclick: (e) => { e.preventDefault(); openRun(r.id); } }, r.name)),
      el("td", {}, el("code", {}, r.id)), el("td", { class: "num" }, r.steps ?? "—"),
      el("td", {}, r.has_eval ? "yes" : "—"), el("td", {}, new Date(r.modified * 1000).toLocaleString()))));
}

function evalSection(report, labels, table) {
  if (!report) return el("p", { class: "muted" }, "no eval report (run yc eval CONFIG)");
  const names = ["creator", "base", "fine-tuned"];
  const keys = Object.keys(labels).length ? Object.keys(labels) : Object.keys(report.models?.base || {});
  const rows = keys.map((k) => ({ label: labels[k] || k,
    values: Object.fromEntries(names.map((n) => [n, report.models?.[n]?.[k] ?? null])) }));
  return el("div", {},
    el("p", { class: "muted" }, `${report.examples} held-out examples (${report.held_out_rule})`),
    table  // the table `yc eval` prints, with its "closer to creator" column
      ? el("table", { class: "rows eval" }, el("tr", {}, table.header.map((h) => el("th", {}, h))),
          table.rows.map((r) => el("tr", {}, r.map((cell, i) => el("td", { class: i ? "num" : "" }, cell)))))
      : el("table", { class: "rows eval" }, el("tr", {}, el("th", {}, "metric"), names.map((n) => el("th", {}, n))),
          rows.map((r) => el("tr", {}, el("td", {}, r.label),
            names.map((n) => el("td", { class: "num" }, typeof r.values[n] === "number" ? fmt(r.values[n]) : "—"))))),
    barRows(rows, names));
}

function generations(gens) {
  if (!gens.length) return null;
  return el("div", {}, el("h3", {}, "Generations: base vs fine-tuned"),
    el("table", { class: "rows gens" }, el("tr", {}, el("th", {}, "example"), el("th", {}, "base"), el("th", {}, "fine-tuned")),
      gens.map((g) => el("tr", {}, el("td", {}, g.title || g.key), el("td", { class: "gen" }, g.base ?? "—"),
        el("td", { class: "gen" }, g["fine-tuned"] ?? "—")))));
}

async function openRun(id) {
  try {
    const run = await api("/api/run?" + query({ id }));
    const loss = [{ name: "train loss", points: run.curves.loss || [] }];
    if (run.curves.eval_loss) loss.push({ name: "eval loss", points: run.curves.eval_loss });
    put($("view"), 
      el("h2", {}, run.name, " ", el("code", { class: "muted" }, id)),
      el("div", { class: "charts" }, el("div", { id: "loss-chart" }, lineChart(loss, "loss", "step")),
        el("div", { id: "lr-chart" }, lineChart([{ name: "learning rate", points: run.curves.learning_rate || [] }], "learning rate", "step"))),
      el("h3", {}, "Eval report"), evalSection(run.eval, run.metric_labels, run.eval_table),
      generations(run.generations),
      el("details", { open: true }, el("summary", {}, "resolved config (yc_config.yml)"),
        el("pre", { class: "config" }, run.config ?? "no yc_config.yml in this folder")));
  } catch (err) { showError("view", err); }
}

async function compare() {
  const ids = [...document.querySelectorAll(".pick:checked")].map((c) => c.value);
  if (ids.length !== 2) { put($("view"), el("div", { class: "error" }, "check exactly two runs")); return; }
  try {
    const [a, b] = await Promise.all(ids.map((id) => api("/api/run?" + query({ id }))));
    const diff = await api("/api/runs/diff?" + query({ a: ids[0], b: ids[1] }));
    const name = (run, id) => `${run.name} (${id})`;
    put($("view"), 
      el("h2", {}, "Compare: ", name(a, ids[0]), " vs ", name(b, ids[1])),
      el("div", { class: "charts" },
        el("div", { id: "loss-chart" }, lineChart([{ name: "A " + a.name, points: a.curves.loss || [] },
          { name: "B " + b.name, points: b.curves.loss || [] }], "train loss", "step")),
        el("div", { id: "lr-chart" }, lineChart([{ name: "A " + a.name, points: a.curves.learning_rate || [] },
          { name: "B " + b.name, points: b.curves.learning_rate || [] }], "learning rate", "step"))),
      el("div", { class: "columns" },
        el("section", {}, el("h3", {}, "A eval"), evalSection(a.eval, a.metric_labels, a.eval_table)),
        el("section", {}, el("h3", {}, "B eval"), evalSection(b.eval, b.metric_labels, b.eval_table))),
      el("h3", {}, "Config differences (A → B)"),
      el("pre", { class: "diff", id: "config-diff" }, (diff.diff || "the resolved configs are the same").split("\n").map((line) =>
        el("div", { class: line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "" }, line))));
  } catch (err) { showError("view", err); }
}

$("compare").addEventListener("click", compare);
loadRuns().catch((err) => showError("view", err));
