// Dataset browser: pages of the examples table, filters, search, the token-length histogram with
// sequence_len marked, and one example with its special tokens, the prompt/completion boundary and the
// videos / transcripts rows behind it. All dataset text goes into text nodes (never parsed as HTML).
"use strict";
nav("dataset");
const SIZE = 50;
const $ = (id) => document.getElementById(id);
let page = 1, pages = 1, histo = null, asked = 0;

function filters() {
  return { split: $("split").value, template: $("template").value, min_tokens: $("min-tokens").value,
    max_tokens: $("max-tokens").value, q: $("search").value.trim() };
}

async function loadPage() {
  const mine = ++asked;  // a slower, older answer must not overwrite a newer one
  try {
    const data = await api("/api/examples/page?" + query({ ...filters(), page, size: SIZE }));
    if (mine !== asked) return;
    page = data.page; pages = data.pages;
    $("page").value = page; $("pages").textContent = pages;
    $("summary").textContent = `${data.total.toLocaleString()} matching rows`;
    put($("rows"), 
      el("tr", {}, ["video_id", "chunk", "split", "template", "title", "n_tokens", "text"].map((h) => el("th", {}, h))),
      data.rows.map((r) => el("tr", { class: "row", "data-id": r.video_id, onclick: () => openExample(r.video_id, r.chunk) },
        el("td", {}, el("code", {}, r.video_id)), el("td", {}, r.chunk), el("td", {}, r.split), el("td", {}, r.template),
        el("td", {}, r.title), el("td", { class: "num" }, r.n_tokens), el("td", { class: "snippet" }, r.snippet))));
    $("prev").disabled = page <= 1; $("next").disabled = page >= pages;
  } catch (err) { showError("summary", err); }
}

async function loadHistogram() {
  try { histo = await api("/api/examples/histogram?" + query({ ...filters(), mark: $("seq-len").value })); drawHistogram(); }
  catch (err) { showError("histogram", err); }
}

function drawHistogram() {
  if (!histo) return;
  const seq = Number($("seq-len").value) || null;
  put($("histogram"), histogram(histo.edges, histo.counts, seq, seq ? "sequence_len " + seq : ""));
  if (seq && histo.counts.length && histo.over !== null) {
    $("over").textContent = `${histo.over.toLocaleString()} of ${histo.total.toLocaleString()} rows are longer than sequence_len ${seq} (cut when training)`;
  } else { $("over").textContent = ""; }
}

function tokens(segments) {
  return segments.map((s) => s.token !== undefined ? el("mark", { class: "tok", title: "special token" }, s.token) : s.text);
}

async function openExample(videoId, chunk) {
  try {
    const ex = await api("/api/example?" + query({ video_id: videoId, chunk }));
    const messages = ex.messages.length
      ? el("details", {}, el("summary", {}, `messages (${ex.messages.length})`),
          ex.messages.map((m) => el("div", { class: "msg" }, el("b", {}, m.role + ": "), m.content)))
      : null;
    $("detail").dataset.example = `${ex.video_id}#${ex.chunk}`;
    put($("detail"), 
      el("h3", {}, ex.meta.title || ex.video_id, " ", el("span", { class: "muted" }, `#${ex.chunk}`)),
      kvTable(ex.meta),
      el("div", { class: "example" },
        el("span", { class: "prompt" }, tokens(ex.prompt)),
        el("span", { class: "boundary", title: "prompt ends here; the loss is on the completion" }, "▌completion ▶"),
        el("span", { class: "completion" }, tokens(ex.completion))),
      messages,
      el("details", { id: "video-row" }, el("summary", {}, "videos row ", status(ex.video)),
        ex.video ? kvTable(ex.video) : el("p", { class: "muted" }, "no videos row")),
      el("details", { id: "transcript-row" }, el("summary", {}, "transcripts row ", status(ex.transcript)),
        ex.transcript ? kvTable(ex.transcript) : el("p", { class: "muted" }, "no transcripts row")));
  } catch (err) { showError("detail", err); }
}

function status(row) {
  if (!row) return el("span", { class: "muted" }, "(none)");
  const flags = row.flags && row.flags.length ? " · " + row.flags.join(", ") : "";
  return el("span", { class: "badge " + (row.status === "ok" ? "honoured" : "refused") }, (row.status || "?") + flags);
}

function refresh() { page = 1; loadPage(); loadHistogram(); }
let timer = null;
for (const id of ["split", "template", "min-tokens", "max-tokens", "search"]) {
  $(id).addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
}
$("prev").addEventListener("click", () => { page -= 1; loadPage(); });
$("next").addEventListener("click", () => { page += 1; loadPage(); });
$("page").addEventListener("change", () => { page = Number($("page").value) || 1; loadPage(); });
$("seq-len").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(loadHistogram, 250); });
$("seq-config").addEventListener("change", async (e) => {
  if (!e.target.value) return;
  try {
    const data = await api("/api/config/values?" + query({ path: e.target.value }));
    $("seq-len").value = data.values.sequence_len ?? 2048;
    loadHistogram();
  } catch (err) { showError("over", err); }
});

(async () => {
  try {
    const info = await api("/api/examples/overview");
    if (!info.exists) { $("summary").textContent = "no examples table in this workspace yet (run yc curate)"; return; }
    info.splits.forEach((s) => $("split").append(el("option", { value: s }, s)));
    info.templates.forEach((t) => $("template").append(el("option", { value: t }, t)));
    const files = await api("/api/config/files");
    files.files.forEach((f) => $("seq-config").append(el("option", { value: f }, f)));
    refresh();
  } catch (err) { showError("summary", err); }
})();
