// Config editor: a form built from yc's JSON Schema and a YAML pane, kept in sync through the server
// (which edits the YAML round-trip, keeping comments) and validated by yc's own validator on every edit.
"use strict";
nav("config");
const state = { schema: null, groups: [], values: {}, problems: [], file: "" };
const yamlBox = document.getElementById("yaml");

function kinds(prop) {
  const types = new Set(), enums = [];
  for (const p of [prop, ...(prop.anyOf || [])]) {
    if (p.type) (Array.isArray(p.type) ? p.type : [p.type]).forEach((t) => types.add(t));
    if (p.$ref) types.add("object");
    if (p.enum) enums.push(...p.enum);
    if (p.const !== undefined) enums.push(p.const);
  }
  types.delete("null");
  return { types, enums };
}

function parseValue(text, prop) {
  if (text === "") return null;
  const { types } = kinds(prop);
  if (types.has("boolean") && /^(true|false)$/i.test(text)) return text.toLowerCase() === "true";
  if ((types.has("number") || types.has("integer")) && text.trim() !== "" && !isNaN(Number(text))) return Number(text);
  return text;
}

function shown(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function keyOf(path) {
  return path.split(/[.[]/)[0];
}

function field(key) {
  const prop = state.schema.properties[key];
  const { types, enums } = kinds(prop);
  const value = state.values[key];
  const onchange = (e) => setKey(key, parseValue(e.target.value, prop));
  let input;
  if (types.has("object") || types.has("array")) {
    input = el("input", { value: shown(value), readonly: true, title: "edit in the YAML pane", class: "complex" });
  } else if (enums.length || (types.size === 1 && types.has("boolean"))) {
    const options = enums.length ? enums : [true, false];
    input = el("select", { onchange }, el("option", { value: "" }, "(unset)"),
      options.map((o) => el("option", { value: String(o) }, String(o))));
    input.value = shown(value);
  } else {
    input = el("input", { value: shown(value), placeholder: shown(prop.default), onchange });
  }
  input.dataset.key = key;
  const mark = prop["x-yc-status"];
  const problems = state.problems.filter((p) => keyOf(p[0]) === key);
  return el("div", { class: "field" + (problems.length ? " bad" : ""), "data-key": key, "data-mark": mark || "" },
    el("label", {}, el("code", {}, key), state.schema.required?.includes(key) ? el("span", { class: "req" }, "required") : null,
      mark ? el("span", { class: "badge " + mark, title: "key reference mark" }, mark) : null),
    input,
    el("div", { class: "desc" }, prop.description || "",
      prop.default !== undefined && prop.default !== null ? el("span", { class: "muted" }, "  default: " + shown(prop.default)) : null),
    problems.map((p) => el("div", { class: "problem" }, p[0] + ": " + p[1])));
}

function renderForm() {
  const text = document.getElementById("key-filter").value.toLowerCase();
  const mark = document.getElementById("mark-filter").value;
  const onlySet = document.getElementById("only-set").checked;
  const form = document.getElementById("form");
  const focused = document.activeElement?.dataset?.key;
  put(form, ...state.groups.map((group) => {
    const keys = group.keys.filter((key) => {
      const prop = state.schema.properties[key];
      if (text && !key.includes(text) && !(prop.description || "").toLowerCase().includes(text)) return false;
      if (mark && prop["x-yc-status"] !== mark) return false;
      return !onlySet || key in state.values;
    });
    if (!keys.length) return null;
    return el("fieldset", { "data-group": group.name }, el("legend", {}, group.name), keys.map(field));
  }).filter(Boolean));
  if (focused) form.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}

function renderCheck(result) {
  state.problems = result.problems;
  if (result.values) state.values = result.values;
  const box = document.getElementById("problems");
  if (result.values === null) state.problems = result.problems;
  put(box, result.problems.length
    ? el("table", { class: "problems" }, el("tr", {}, el("th", {}, "key"), el("th", {}, "problem")),
        result.problems.map((p) => el("tr", {}, el("td", {}, el("code", {}, p[0])), el("td", {}, p[1]))))
    : el("div", { class: "ok" }, "ok: a valid config"));
  put(document.getElementById("warnings"), 
    ...result.warnings.map((w) => el("div", { class: "warning" }, "warning: " + w)));
  document.getElementById("status").textContent =
    result.problems.length ? `${result.problems.length} problem(s)` : "valid";
  document.getElementById("status").className = "status " + (result.problems.length ? "bad" : "good");
  renderForm();
}

async function setKey(key, value) {
  try {
    const result = await api("/api/config/set", { text: yamlBox.value, key, value });
    yamlBox.value = result.text;
    renderCheck(result);
  } catch (err) { showError("problems", err); }
}

let timer = null;
yamlBox.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    try { renderCheck(await api("/api/config/check", { text: yamlBox.value })); }
    catch (err) { showError("problems", err); }
  }, 250);
});

async function openFile(path) {
  if (!path) return;
  const data = await api("/api/config/file?" + query({ path }));
  state.file = path;
  document.getElementById("file").value = path;
  document.getElementById("save-path").value = path;
  yamlBox.value = data.text;
  document.getElementById("command").textContent = data.command;
  renderCheck(await api("/api/config/check", { text: data.text }));
}

document.getElementById("file").addEventListener("change", (e) => openFile(e.target.value).catch((err) => showError("problems", err)));
for (const id of ["key-filter", "mark-filter", "only-set"]) {
  document.getElementById(id).addEventListener("input", renderForm);
}

const dialog = document.getElementById("diff-dialog");
document.getElementById("save").addEventListener("click", async () => {
  const path = document.getElementById("save-path").value.trim();
  try {
    const data = await api("/api/config/diff", { path, text: yamlBox.value });
    document.getElementById("diff-name").textContent = path + (data.exists ? "" : " (new file)");
    put(document.getElementById("diff"), ...(data.diff || "no changes").split("\n").map((line) =>
      el("div", { class: line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "" }, line)));
    dialog.showModal();
  } catch (err) { showError("problems", err); }
});
document.getElementById("cancel-save").addEventListener("click", () => dialog.close());
document.getElementById("confirm-save").addEventListener("click", async () => {
  const path = document.getElementById("save-path").value.trim();
  try {
    const data = await api("/api/config/save", { path, text: yamlBox.value });
    dialog.close();
    document.getElementById("command").textContent = data.command;
    document.getElementById("status").textContent = "saved " + data.saved;
    await loadFiles();
    document.getElementById("file").value = path;
  } catch (err) { dialog.close(); showError("problems", err); }
});

async function loadFiles() {
  const data = await api("/api/config/files");
  put(document.getElementById("file"), el("option", { value: "" }, "— choose a YAML file —"),
    data.files.map((f) => el("option", { value: f }, f)));
}

(async () => {
  try {
    const schema = await api("/api/config/schema");
    if (!schema.available) {
      document.getElementById("editor").hidden = true;
      const box = document.getElementById("missing");
      box.hidden = false;
      put(box, el("div", { class: "error" },
        "The config editor needs yc's training package (yc-train), which is not installed. Install it with: ",
        el("code", {}, schema.install)));
      return;
    }
    state.schema = schema.schema;
    state.groups = schema.groups;
    await loadFiles();
    const wanted = new URLSearchParams(location.search).get("file");
    if (wanted) await openFile(wanted);
    else renderForm();
  } catch (err) { showError("problems", err); }
})();
