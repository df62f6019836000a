// The live page of the monitoring service (docs/service.md): the monitors, and for the chosen one its estimate ± ε,
// syncs, messages and nodes as its event stream (GET /api/monitors/{id}/events) reports them, without reloading.
// The API's key comes in the URL's fragment (#key=..., which the browser never sends to the server) or from the prompt
// shown when the API answers 401; it is kept in sessionStorage (this tab only) and sent as a Bearer header, and as
// access_token on the event stream's URL (EventSource cannot send headers).
"use strict";
(() => {
  // The stream's event names; one without a name (type "message") is read from its "kind" alike.
  const KINDS = ["snapshot", "full_sync", "lazy_sync", "estimate", "truth", "deleted", "recovered"];
  const POLL_MS = 2000;
  // The charts keep the latest points only, so that a long-lived page stays light.
  const MAX_POINTS = 5000;
  const TRUE_VALUE = "true value f(x̄)";

  const KEY_STORAGE = "automon-api-key";

  const $ = id => document.getElementById(id);
  let chosen = null;
  let pollTimer = 0;

  // The API writes NaN and ±Infinity as strings (JSON has no such numbers).
  const num = v => (v === null || v === undefined ? null : Number(v));
  const fmt = v => {
    const x = num(v);
    if (x === null) return "—";
    return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
  };

  function setStatus(text) { $("status").textContent = text; }

  // ---- the API key -----------------------------------------------------------------------------------------------

  function takeKeyFromFragment() {
    const key = new URLSearchParams(location.hash.slice(1)).get("key");
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    // Out of the address bar (and so out of bookmarks, history and screenshots).
    history.replaceState(history.state, "", location.pathname + location.search);
  }

  const apiKey = () => sessionStorage.getItem(KEY_STORAGE);

  function apiFetch(path) {
    const key = apiKey();
    return fetch(path, { cache: "no-store", headers: key ? { Authorization: "Bearer " + key } : {} });
  }

  function askForKey() {
    const form = $("key-form");
    const rejected = apiKey() !== null;
    setStatus(rejected ? "the API key was refused: enter the right one" : "the API requires a key: enter it");
    if (!form.hidden) return;
    form.hidden = false;
    $("key-input").focus();
  }

  $("key-form").addEventListener("submit", e => {
    e.preventDefault();
    const key = $("key-input").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    $("key-input").value = "";
    $("key-form").hidden = true;
    setStatus("loading…");
    // Again with the key: the list now, and the chosen monitor's stream.
    if (chosen) {
      chosen.source.close();
      chosen.source = listen(chosen);
    }
    clearTimeout(pollTimer);
    poll();
  });

  // ---- the monitor list -------------------------------------------------------------------------------------------

  async function poll() {
    try {
      const response = await apiFetch("api/monitors");
      if (response.status === 401) askForKey();
      else if (response.ok) showList(await response.json());
    } catch {
      setStatus("service unreachable");
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  function showList(monitors) {
    const list = $("monitors");
    list.replaceChildren(...monitors.map(m => {
      const link = document.createElement("a");
      link.href = "?monitor=" + encodeURIComponent(m.id);
      link.dataset.monitor = m.id;
      link.className = chosen && chosen.id === m.id ? "chosen" : "";
      link.append(m.id + " ");
      const fn = document.createElement("span");
      fn.className = "function";
      fn.textContent = m.function;
      link.append(fn);
      const item = document.createElement("li");
      item.append(link);
      return item;
    }));
    $("no-monitors").hidden = monitors.length > 0;
    if (!chosen && monitors.length > 0) choose(monitors[0].id);
    if (!chosen && monitors.length === 0) setStatus("no monitors");
  }

  $("monitors").addEventListener("click", e => {
    const link = e.target.closest("a[data-monitor]");
    if (!link) return;
    e.preventDefault();
    history.pushState(null, "", link.href);
    choose(link.dataset.monitor);
  });
  window.addEventListener("popstate", () => {
    const id = new URLSearchParams(location.search).get("monitor");
    if (id) choose(id);
  });

  // ---- the chosen monitor ----------------------------------------------------------------------------------------

  function choose(id) {
    if (chosen && chosen.id === id) return;
    if (chosen) {
      chosen.source.close();
      destroyCharts(chosen);
    }
    document.body.classList.remove("deleted");
    for (const link of document.querySelectorAll("#monitors a")) {
      link.className = link.dataset.monitor === id ? "chosen" : "";
    }
    $("monitor-id").textContent = id;
    $("monitor-function").textContent = "";
    $("true-value-counter").hidden = true;
    $("monitor").hidden = false;
    const state = {
      id, hasTruth: false, charts: null, frame: 0,
      history: { t: [], estimate: [], low: [], high: [], full: [], lazy: [], truth: [], messages: [], updates: [] },
    };
    state.source = listen(state);
    chosen = state;
    showCounters(null);
    showNodes([]);
    setStatus("connecting to " + id + "…");
  }

  function listen(state) {
    const key = apiKey();
    const source = new EventSource("api/monitors/" + encodeURIComponent(state.id) + "/events"
      + (key ? "?access_token=" + encodeURIComponent(key) : ""));
    const handle = e => { if (chosen === state) onEvent(state, JSON.parse(e.data)); };
    source.onmessage = handle;
    for (const kind of KINDS) source.addEventListener(kind, handle);
    source.onerror = () => {
      // While the key is asked for, the prompt says why the stream failed.
      if (chosen !== state || !$("key-form").hidden) return;
      if (source.readyState === EventSource.CLOSED) {
        setStatus(state.id + ": stream closed (no such monitor?)");
      } else {
        setStatus(state.id + ": reconnecting…");
      }
    };
    return source;
  }

  function onEvent(state, m) {
    if (m.kind === "deleted") {
      state.source.close();
      document.body.classList.add("deleted");
      setStatus(state.id + " was deleted");
    } else {
      setStatus(state.id + ": live (" + m.kind + ")");
    }

    $("monitor-function").textContent = m.function + ", d = " + m.dimension + (m.window > 1 ? ", window " + m.window : "");
    showCounters(m);
    showNodes(m.nodes || []);

    const trueValue = num(m.trueValue);
    if (trueValue !== null) {
      $("true-value").textContent = fmt(trueValue);
      $("true-value-counter").hidden = false;
      if (!state.hasTruth) {
        // The first event with the true value: rebuild the chart with that series.
        state.hasTruth = true;
        destroyCharts(state);
      }
    }
    record(state, m, trueValue);
    if (!state.frame) state.frame = requestAnimationFrame(() => { state.frame = 0; draw(state); });
  }

  function showCounters(m) {
    $("estimate").textContent = m ? fmt(m.estimate) : "—";
    $("error-bound").textContent = m ? "± " + fmt(m.errorBound) : "—";
    for (const [id, field] of [["updates", "updates"], ["messages", "messages"], ["full-syncs", "fullSyncs"],
      ["lazy-syncs", "lazySyncs"], ["violations", "violations"]]) {
      $(id).textContent = m ? String(m[field]) : "0";
    }
  }

  function showNodes(nodes) {
    const most = Math.max(1, ...nodes.map(n => n.violations));
    $("nodes").tBodies[0].replaceChildren(...nodes.map(n => {
      const row = document.createElement("tr");
      row.dataset.node = n.id;
      const cell = (text, cls) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        row.append(td);
        return td;
      };
      cell(n.id, "id");
      cell(String(n.updates), "updates");
      cell(String(n.messagesSent), "messages-sent");
      cell(String(n.violations), "violations");
      const bar = document.createElement("span");
      bar.style.width = (100 * n.violations / most) + "%";
      cell("", "bar").append(bar);
      return row;
    }));
  }

  // ---- charts ----------------------------------------------------------------------------------------------------

  function record(state, m, trueValue) {
    const h = state.history;
    const estimate = num(m.estimate);
    const epsilon = num(m.errorBound);
    h.t.push(Date.now() / 1000);
    h.estimate.push(estimate);
    h.low.push(estimate === null ? null : estimate - epsilon);
    h.high.push(estimate === null ? null : estimate + epsilon);
    h.full.push(m.kind === "full_sync" ? estimate : null);
    h.lazy.push(m.kind === "lazy_sync" ? estimate : null);
    h.truth.push(trueValue);
    h.messages.push(m.messages);
    h.updates.push(m.updates);
    if (h.t.length > MAX_POINTS) for (const series of Object.values(h)) series.shift();
  }

  function draw(state) {
    if (chosen !== state) return;
    const h = state.history;
    if (!state.charts) state.charts = makeCharts(state.hasTruth);
    const estimateData = [h.t, h.estimate, h.low, h.high, h.full, h.lazy];
    if (state.hasTruth) estimateData.push(h.truth);
    state.charts.estimate.setData(estimateData);
    state.charts.messages.setData([h.t, h.messages, h.updates]);
  }

  function makeCharts(hasTruth) {
    const width = () => Math.max(300, $("monitor").clientWidth - 10);
    const step = uPlot.paths.stepped({ align: 1 });
    const mark = (label, color, size) => ({ label, stroke: color, fill: color, paths: () => null, points: { show: true, size } });
    const band = label => ({ label, stroke: "#90caf9", dash: [4, 4], paths: step });
    const series = [
      {},
      { label: "estimate f(x0)", stroke: "#1565c0", width: 2, paths: step },
      band("estimate − ε"),
      band("estimate + ε"),
      mark("full sync", "#c62828", 9),
      mark("lazy sync", "#ef6c00", 6),
    ];
    // The true value only when the stream carries it (demo monitors): a monitor that does not know it shows no such line.
    if (hasTruth) series.push({ label: TRUE_VALUE, stroke: "#2e7d32", width: 1.5, spanGaps: true });
    const estimate = new uPlot({
      width: width(), height: 280, series,
      bands: [{ series: [3, 2], fill: "rgba(21, 101, 192, 0.12)" }],
    }, [[]], $("estimate-chart"));
    const messages = new uPlot({
      width: width(), height: 200,
      series: [
        {},
        { label: "AutoMon messages", stroke: "#1565c0", width: 2 },
        { label: "centralisation (= updates)", stroke: "#757575", dash: [6, 4], width: 2 },
      ],
    }, [[]], $("messages-chart"));
    return { estimate, messages };
  }

  function destroyCharts(state) {
    if (!state.charts) return;
    state.charts.estimate.destroy();
    state.charts.messages.destroy();
    state.charts = null;
  }

  window.addEventListener("resize", () => {
    if (!chosen || !chosen.charts) return;
    const width = Math.max(300, $("monitor").clientWidth - 10);
    chosen.charts.estimate.setSize({ width, height: 280 });
    chosen.charts.messages.setSize({ width, height: 200 });
  });

  // ---- start -----------------------------------------------------------------------------------------------------

  takeKeyFromFragment();
  const requested = new URLSearchParams(location.search).get("monitor");
  if (requested) choose(requested);
  poll();
})();
