// Omni playground: plain JavaScript, no build step, no request to any other host.
// The API key never goes into a URL: every call sends it in the Authorization header, and
// the live answer is read with fetch() and a streaming body (EventSource cannot send headers).
"use strict";

const API = "/v1/omni-ai";
// What this page can show: charts, and order tickets it displays without placing them.
const CAPABILITIES = ["OPEN_CHART", "PREFILL_ORDER"];
const $ = (id) => document.getElementById(id);
const state = { threadId: null, responseId: null, abort: null };

function settings() {
  return { key: localStorage.getItem("omni.apiKey") || "", account: localStorage.getItem("omni.accountId") || "" };
}

async function call(method, path, { query = {}, body } = {}) {
  const { key, account } = settings();
  const params = new URLSearchParams({ account_id: account, ...query });
  const init = { method, headers: { Authorization: `Bearer ${key}` } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify({ account_id: Number(account), ...body });
  }
  const answer = await fetch(`${API}${path}${method === "POST" ? "" : "?" + params}`, init);
  const json = await answer.json();
  if (!answer.ok) throw new Error(json.error ? json.error.message : `HTTP ${answer.status}`);
  return json.data;
}

function say(text) { $("status").textContent = text; }

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

// Markdown is shown as text; ticker links [AAPL](ticker:AAPL) read as the ticker.
const plain = (text) => text.replace(/\[([^\]]+)\]\(ticker:[^)]+\)/g, "$1");

// -- parts ------------------------------------------------------------------------------------

function renderPart(part) {
  switch (part.type) {
    case "text": return el("div", { className: "text", textContent: plain(part.text) });
    case "thinking": {
      const box = el("details", { className: "thinking" }, el("summary", { textContent: "Thinking" }));
      for (const thought of part.thoughts) box.append(el("div", { textContent: thought }));
      return box;
    }
    case "chart": return renderChart(part.payload || {});
    case "suggested_actions": return renderButtons(part.payload || {});
    case "structured_action": return renderAction(part.action || {});
    default: return el("div", { className: "card", textContent: `[${part.type}]` });
  }
}

function renderChart(payload) {
  const chart = payload.dataChart || payload.data_chart || {};
  const series = (chart.series || []).filter((s) => (s.points || []).length);
  const box = el("div", { className: "card" }, el("strong", { textContent: series.map((s) => s.name).join(", ") || "Chart" }));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 300 100");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Chart of ${series.map((s) => s.name).join(", ")}`);
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const low = Math.min(...ys), high = Math.max(...ys), span = high - low || 1;
  const colors = ["#2563eb", "#dc2626", "#059669", "#d97706"];
  series.forEach((s, i) => {
    const step = 300 / Math.max(s.points.length - 1, 1);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", s.points.map((p, j) => `${(j * step).toFixed(1)},${(95 - ((p.y - low) / span) * 90).toFixed(1)}`).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", colors[i % colors.length]);
    line.setAttribute("stroke-width", "1.5");
    svg.append(line);
  });
  box.append(svg);
  const buttons = renderButtons(payload);
  if (buttons.childElementCount) box.append(buttons);
  return box;
}

function renderButtons(payload) {
  const row = el("div", { className: "suggestions" });
  for (const button of payload.actionButtons || payload.action_buttons || []) {
    const prompt = button.prompt && button.prompt.prompt;
    row.append(el("button", {
      type: "button",
      textContent: button.label,
      onclick: () => { $("message").value = prompt || button.label; $("message").focus(); },
    }));
  }
  return row;
}

function renderAction(action) {
  const card = el("div", { className: "card" });
  for (const [kind, body] of Object.entries(action)) {
    if (kind === "prefill_order") {
      card.append(el("strong", { textContent: "Order ticket (review only: nothing is placed here)" }));
      for (const order of body.orders || []) {
        const list = el("dl");
        for (const field of ["side", "quantity", "symbol", "order_type", "time_in_force", "limit_price", "stop_price"]) {
          if (order[field] !== undefined) list.append(el("dt", { textContent: field.replace(/_/g, " ") }), el("dd", { textContent: String(order[field]) }));
        }
        card.append(list);
      }
    } else {
      card.append(el("strong", { textContent: kind.replace(/_/g, " ") }));
    }
  }
  return card;
}

function renderMessage(role, parts, outcome, error) {
  const item = el("li", { className: role === "USER" ? "user" : "assistant" });
  item.append(el("span", { className: "who", textContent: role === "USER" ? "You" : "Omni" }));
  const body = el("div", { className: "parts" });
  for (const part of parts) body.append(renderPart(part));
  item.append(body);
  showOutcome(item, outcome, error);
  return item;
}

function showOutcome(item, outcome, error) {
  if (outcome === "canceled") item.append(el("div", { className: "outcome canceled", textContent: "Canceled" }));
  if (outcome === "errored" || outcome === "failed") {
    item.append(el("div", { className: "outcome errored", textContent: `Error: ${error ? error.message : "unknown"}` }));
  }
}

// -- threads and history ------------------------------------------------------------------------

async function loadThreads() {
  const threads = await call("GET", "/threads");
  const list = $("threads");
  list.replaceChildren();
  for (const thread of threads) {
    const button = el("button", { type: "button", textContent: thread.title || "(untitled)", onclick: () => openThread(thread.id) });
    if (thread.id === state.threadId) button.setAttribute("aria-current", "true");
    list.append(el("li", {}, button));
  }
}

async function openThread(threadId) {
  state.threadId = threadId;
  const history = $("history");
  history.replaceChildren();
  for (const message of await call("GET", `/threads/${threadId}/messages`)) {
    history.append(renderMessage(message.role, message.content.parts, message.outcome, message.error));
  }
  const active = await call("GET", `/threads/${threadId}/response`).catch(() => null);
  if (active && (active.status === "queued" || active.status === "running")) follow(active.id);
  await loadThreads();
}

// -- the live answer ------------------------------------------------------------------------

function applyDelta(parts, delta) {
  const part = parts[delta.part_index];
  if (delta.type === "text") {
    if (part) part.text += delta.text; else parts.push({ type: "text", text: delta.text });
  } else if (part) part.thoughts.push(delta.text);
  else parts.push({ type: "thinking", thoughts: [delta.text] });
}

async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { event: "message", data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") event.data += val; else event[field] = val;
      }
      if (event.data) yield event;
    }
  }
}

async function follow(responseId) {
  state.responseId = responseId;
  state.abort = new AbortController();
  $("stop").disabled = false;
  $("send").disabled = true;
  say("Answering…");
  const item = renderMessage("ASSISTANT", [], null, null);
  $("history").append(item);
  let parts = [];
  const draw = () => {
    const body = item.querySelector(".parts");
    body.replaceChildren(...parts.map(renderPart));
    item.scrollIntoView({ block: "end" });
  };
  try {
    const { key, account } = settings();
    const answer = await fetch(`${API}/responses/${responseId}/events?account_id=${encodeURIComponent(account)}`, {
      headers: { Authorization: `Bearer ${key}`, Accept: "text/event-stream" },
      signal: state.abort.signal,
    });
    if (!answer.ok) throw new Error((await answer.json()).error.message);
    for await (const event of sseEvents(answer)) {
      const data = JSON.parse(event.data);
      if (event.event === "snapshot") parts = data.content.parts;
      else if (event.event === "delta") applyDelta(parts, data);
      else if (event.event === "part") parts.splice(data.part_index, parts.length, data.part);
      else if (event.event === "done") {
        parts = data.content.parts;
        draw();
        const outcome = { canceled: "canceled", failed: "errored" }[data.status];
        showOutcome(item, outcome, data.error);
        say(data.status === "succeeded" ? "" : `Answer ${data.status}.`);
        break;
      }
      draw();
    }
  } catch (error) {
    if (error.name !== "AbortError") say(`Error: ${error.message}`);
  } finally {
    state.responseId = null;
    $("stop").disabled = true;
    $("send").disabled = false;
  }
}

async function send(text, deep) {
  try {
    let accepted;
    if (deep) {
      accepted = await call("POST", "/threads", { body: { type: "deep_insights", target: { type: "ticker", ticker: deep.ticker }, ...(deep.thesis ? { thesis: deep.thesis } : {}) } });
    } else if (state.threadId) {
      accepted = await call("POST", `/threads/${state.threadId}/messages`, { body: { text, capabilities: CAPABILITIES } });
    } else {
      accepted = await call("POST", "/threads", { body: { type: "instant", text, capabilities: CAPABILITIES } });
    }
    if (accepted.thread_id !== state.threadId) {
      state.threadId = accepted.thread_id;
      $("history").replaceChildren();
    }
    $("history").append(renderMessage("USER", [{ type: "text", text: deep ? `Deep insights: ${deep.ticker}` : text }], null, null));
    loadThreads().catch(() => {});
    await follow(accepted.response_id);
  } catch (error) {
    say(`Error: ${error.message}`);
  }
}

// -- wiring ---------------------------------------------------------------------------------

$("settings").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem("omni.apiKey", $("api-key").value.trim());
  localStorage.setItem("omni.accountId", $("account-id").value.trim());
  loadThreads().then(() => say("Connected.")).catch((error) => say(`Error: ${error.message}`));
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text || state.responseId) return;
  $("message").value = "";
  send(text, null);
});

$("stop").addEventListener("click", async () => {
  if (!state.responseId) return;
  try {
    await call("DELETE", `/responses/${state.responseId}`);
  } catch (error) {
    say(`Error: ${error.message}`);
  }
});

$("new-thread").addEventListener("click", () => {
  state.threadId = null;
  $("history").replaceChildren();
  loadThreads().catch(() => {});
});

$("deep").addEventListener("submit", (event) => {
  event.preventDefault();
  const ticker = $("ticker").value.trim().toUpperCase();
  if (ticker && !state.responseId) send(null, { ticker, thesis: $("thesis").value.trim() });
});

(() => {
  const { key, account } = settings();
  $("api-key").value = key;
  $("account-id").value = account;
  if (key && account) loadThreads().catch((error) => say(`Error: ${error.message}`));
})();
