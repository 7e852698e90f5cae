// Shared by the three pages: the API call (token in a header), a DOM builder that only makes text nodes
// from strings (dataset text is never parsed as HTML), and the nav bar.
"use strict";
const TOKEN = document.querySelector('meta[name="yc-token"]').content;

async function api(path, body) {
  const opts = { headers: { "X-YC-Token": TOKEN } };
  if (body !== undefined) {
    opts.method = "POST";
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const response = await fetch(path, opts);
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) {
    throw new Error((data.error || response.statusText) + (data.hint ? " — fix: " + data.hint : ""));
  }
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Replace node's children; arrays are flattened and null / false children dropped.
function put(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
}

function query(params) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && String(value) !== "") out.set(key, value);
  }
  return out.toString();
}

function showError(where, err) {
  const box = document.getElementById(where);
  if (box) put(box, el("div", { class: "error" }, String(err.message || err)));
}

function kvTable(row) {
  return el("table", { class: "kv" },
    Object.entries(row).map(([key, value]) => el("tr", {},
      el("th", {}, key),
      el("td", {}, Array.isArray(value) ? value.join(", ") : value === null ? "—" : String(value)))));
}

function nav(current) {
  const links = [["config", "Config"], ["dataset", "Dataset"], ["runs", "Runs"]];
  put(document.getElementById("nav"), 
    el("span", { class: "brand" }, "yc ui"),
    ...links.map(([page, label]) =>
      el("a", { href: "/" + page, class: page === current ? "current" : "" }, label)),
    el("span", { id: "where", class: "muted" }));
  api("/api/info").then((info) => {
    document.getElementById("where").textContent = "workspace " + info.workspace + " · configs " + info.config_dir;
  }).catch(() => {});
}
