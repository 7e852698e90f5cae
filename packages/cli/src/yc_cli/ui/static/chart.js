// Small SVG charts: line curves (loss, learning rate) and a histogram with a marker line.
"use strict";
const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e"];

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function frame(width, height, pad, x0, x1, y0, y1, title) {
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  root.append(svg("text", { x: pad.l, y: 14, class: "title" }, title));
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y) => height - pad.b - ((y - y0) / (y1 - y0 || 1)) * (height - pad.t - pad.b);
  root.append(svg("line", { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, class: "axis" }));
  root.append(svg("line", { x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b, class: "axis" }));
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4, x = x0 + ((x1 - x0) * i) / 4;
    root.append(svg("text", { x: pad.l - 4, y: sy(y) + 4, class: "tick", "text-anchor": "end" }, fmt(y)));
    root.append(svg("text", { x: sx(x), y: height - pad.b + 14, class: "tick", "text-anchor": "middle" }, fmt(x)));
  }
  return { root, sx, sy };
}

// series: [{name, points: [[x, y], ...]}]
function lineChart(series, title, xLabel) {
  const all = series.flatMap((s) => s.points);
  const width = 560, height = 240, pad = { l: 56, r: 12, t: 24, b: 34 };
  if (!all.length) return el("p", { class: "muted" }, title + ": no data");
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const c = frame(width, height, pad, Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys), title);
  c.root.append(svg("text", { x: width / 2, y: height - 4, class: "tick", "text-anchor": "middle" }, xLabel));
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => (j ? "L" : "M") + c.sx(p[0]).toFixed(1) + " " + c.sy(p[1]).toFixed(1)).join(" ");
    c.root.append(svg("path", { d, class: "curve", stroke: COLORS[i % COLORS.length], "data-series": s.name }));
    c.root.append(svg("text", { x: width - pad.r - 4, y: pad.t + 12 + 14 * i, class: "legend",
      "text-anchor": "end", fill: COLORS[i % COLORS.length] }, s.name));
  });
  return c.root;
}

// edges: n + 1 bin edges, counts: n; marker: an x value drawn as a dashed line (e.g. sequence_len)
function histogram(edges, counts, marker, markerLabel) {
  const width = 560, height = 220, pad = { l: 48, r: 12, t: 24, b: 34 };
  if (!counts.length) return el("p", { class: "muted" }, "no rows");
  const x1 = Math.max(edges[edges.length - 1], marker || 0);
  const c = frame(width, height, pad, edges[0], x1, 0, Math.max(...counts), "token length (n_tokens)");
  counts.forEach((n, i) => {
    const left = c.sx(edges[i]), right = c.sx(edges[i + 1]);
    c.root.append(svg("rect", { x: left, y: c.sy(n), width: Math.max(1, right - left - 1),
      height: c.sy(0) - c.sy(n), class: "bar" }));
  });
  if (marker) {
    const x = c.sx(marker);
    c.root.append(svg("line", { x1: x, x2: x, y1: pad.t, y2: height - pad.b, class: "marker", id: "seq-marker" }));
    c.root.append(svg("text", { x: x - 4, y: pad.t + 10, class: "legend", "text-anchor": "end" }, markerLabel));
  }
  return c.root;
}

// rows: [{label, values: {name: number|null}}]; one row of horizontal bars per metric
function barRows(rows, names) {
  const box = el("div", { class: "bars" });
  for (const row of rows) {
    const vals = names.map((n) => row.values[n]).filter((v) => typeof v === "number");
    const max = Math.max(...vals.map(Math.abs), 1e-12);
    box.append(el("div", { class: "bar-label" }, row.label));
    names.forEach((name, i) => {
      const v = row.values[name];
      const bar = el("div", { class: "bar-line" },
        el("span", { class: "bar-name" }, name),
        el("span", { class: "bar-fill", style: `width:${typeof v === "number" ? (Math.abs(v) / max) * 70 : 0}%;background:${COLORS[i]}` }),
        el("span", { class: "bar-value" }, typeof v === "number" ? fmt(v) : "—"));
      box.append(bar);
    });
  }
  return box;
}
