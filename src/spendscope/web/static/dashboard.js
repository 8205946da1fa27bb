/* spendscope dashboard: renders GET /api/overview (the page's JSON twin). Plain JS, no build step. */
(function () {
  "use strict";

  const METRIC_LABELS = {
    EffectiveCost: "Effective cost",
    BilledCost: "Billed cost",
    ListCost: "List cost",
    ContractedCost: "Contracted cost",
  };
  // Brand-like colours for well-known providers, so a FinOps reader recognises them at a glance.
  const PROVIDER_COLORS = {
    AWS: "#f59e0b", "Amazon Web Services": "#f59e0b", Microsoft: "#0078d4", Azure: "#0078d4",
    "Google Cloud": "#34a853", Google: "#34a853", GCP: "#34a853", Oracle: "#c74634",
    OpenAI: "#334155", Anthropic: "#d97757",
  };
  const WORKLOAD_COLORS = {
    Training: "#4338ca", "Fine-Tuning": "#a855f7", Inference: "#0891b2", Experimentation: "#db2777",
    Data: "#16a34a", Platform: "#d97706", "Non-AI": "#cbd5e1",
  };
  const PALETTE = ["#6366f1", "#14b8a6", "#f97316", "#ec4899", "#84cc16", "#0ea5e9", "#a855f7", "#ef4444", "#64748b", "#eab308"];

  const $ = (id) => document.getElementById(id);
  const state = { ledgerRange: null, currency: null, request: null, charts: {} };

  // -- formatting ----------------------------------------------------------------------------

  function moneyFormat(options) {
    const base = state.currency ? { style: "currency", currency: state.currency } : { style: "decimal" };
    return new Intl.NumberFormat(undefined, Object.assign(base, options));
  }

  function money(value) {
    const n = Number(value);
    if (n !== 0 && Math.abs(n) < 0.005) {
      return (n < 0 ? "−" : "") + "<" + moneyFormat({ minimumFractionDigits: 2 }).format(0.01);
    }
    return moneyFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
  }

  function moneyTick(value) {
    return moneyFormat({ notation: "compact", maximumFractionDigits: 2 }).format(value);
  }

  function percent(share) {
    if (share === null || share === undefined) return "–";
    return new Intl.NumberFormat(undefined, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(Number(share));
  }

  function utcDate(iso) {
    return new Date(iso + "T00:00:00Z");
  }

  function isoDate(date) {
    return date.toISOString().slice(0, 10);
  }

  function addDays(iso, days) {
    const d = utcDate(iso);
    d.setUTCDate(d.getUTCDate() + days);
    return isoDate(d);
  }

  function dateText(iso, withYear) {
    const opts = { day: "numeric", month: "short", timeZone: "UTC" };
    if (withYear) opts.year = "numeric";
    return new Intl.DateTimeFormat(undefined, opts).format(utcDate(iso));
  }

  function rangeText(first, last) {
    if (!first || !last) return "No data";
    const sameYear = first.slice(0, 4) === last.slice(0, 4);
    return dateText(first, !sameYear) + " – " + dateText(last, true);
  }

  function periodLabel(iso, granularity) {
    const d = utcDate(iso);
    if (granularity === "month") {
      return new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" }).format(d);
    }
    const label = dateText(iso, false);
    return granularity === "week" ? "Week of " + label : label;
  }

  // -- data ----------------------------------------------------------------------------------

  function query() {
    const params = new URLSearchParams();
    const from = $("from").value;
    const to = $("to").value;
    if (from) params.set("from", from);
    if (to) params.set("to", addDays(to, 1)); // the page's "To" is inclusive; the API's is exclusive
    params.set("metric", $("metric").value);
    params.set("granularity", $("granularity").value);
    return params;
  }

  async function fetchJson(url, signal) {
    const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      body = null;
    }
    if (!response.ok || !body) {
      const error = new Error((body && body.error) || "The server answered " + response.status + ".");
      error.details = (body && body.errors ? body.errors.slice(1) : []);
      throw error;
    }
    return body;
  }

  async function load() {
    if (state.request) state.request.abort();
    const controller = new AbortController();
    state.request = controller;
    const url = "/api/overview?" + query().toString();
    document.body.dataset.state = "loading";
    document.querySelector("main").setAttribute("aria-busy", "true");
    $("json-link").href = url;
    try {
      const data = await fetchJson(url, controller.signal);
      if (controller.signal.aborted) return;
      render(data);
      showError(null);
      document.body.dataset.metric = data.metric;
      document.body.dataset.state = "ready";
    } catch (err) {
      if (err.name === "AbortError") return;
      showError(err);
      document.body.dataset.state = "error";
    } finally {
      if (state.request === controller) {
        state.request = null;
        document.querySelector("main").setAttribute("aria-busy", "false");
      }
    }
  }

  async function loadHealth() {
    try {
      const health = await fetchJson("/api/health");
      $("ledger-info").textContent = "Ledger: " + health.ledger;
      $("version").textContent = "spendscope " + health.version;
    } catch (err) {
      $("ledger-info").textContent = "";
    }
  }

  // -- rendering -----------------------------------------------------------------------------

  function showError(err) {
    const box = $("alert");
    box.replaceChildren();
    if (!err) {
      box.hidden = true;
      return;
    }
    const title = document.createElement("strong");
    title.textContent = err.message;
    box.appendChild(title);
    for (const hint of err.details || []) {
      const p = document.createElement("p");
      p.textContent = hint;
      box.appendChild(p);
    }
    box.hidden = false;
  }

  function render(data) {
    state.currency = data.currencies.length === 1 ? data.currencies[0] : null;
    const notice = $("notice");
    notice.hidden = data.currencies.length <= 1;
    notice.textContent = data.currencies.length > 1
      ? "This range mixes billing currencies (" + data.currencies.join(", ") + "): totals add them as plain numbers."
      : "";

    const first = !state.ledgerRange;
    state.ledgerRange = data.ledger_range;
    setDateLimits(data.ledger_range, first);

    renderKpis(data);
    renderChart("provider", data.by_provider, data.granularity, colorFor(PROVIDER_COLORS));
    renderChart("workload", data.by_workload, data.granularity, colorFor(WORKLOAD_COLORS));
    $("provider-note").textContent = noteFor(data.by_provider.series.length, "provider");
    $("workload-note").textContent = noteFor(data.by_workload.series.filter((s) => s.name !== "Non-AI").length, "AI workload");
    renderTable("top-services", data.top_services,
      "No spend in this range.");
    renderTable("top-models", data.top_models,
      "No spend is attributed to a model in this range. Models (x_Model) come from LLM usage sources and allocation rules.");
  }

  function noteFor(count, noun) {
    return count + " " + noun + (count === 1 ? "" : "s") + " · click the legend to show or hide";
  }

  function setDateLimits(range, fill) {
    for (const id of ["from", "to"]) {
      $(id).min = range.first_day || "";
      $(id).max = range.last_day || "";
    }
    if (fill && range.first_day && !$("from").value && !$("to").value) {
      $("from").value = range.first_day;
      $("to").value = range.last_day;
    }
  }

  function setFigure(id, value) {
    const el = $(id);
    el.textContent = money(value);
    el.dataset.value = value;
    el.title = value + (state.currency ? " " + state.currency : "");
  }

  function renderKpis(data) {
    setFigure("total-spend", data.total);
    $("total-sub").textContent = (METRIC_LABELS[data.metric] || data.metric) + (state.currency ? " · " + state.currency : "");
    setFigure("ai-spend", data.ai_total);
    const nonAi = data.by_workload.series.find((s) => s.name === "Non-AI");
    $("ai-sub").textContent = "Non-AI: " + money(nonAi ? nonAi.total : "0");
    $("ai-share").textContent = percent(data.ai_share);
    $("ai-share").dataset.value = data.ai_share === null ? "" : data.ai_share;
    const width = data.ai_share === null ? 0 : Math.max(0, Math.min(100, Number(data.ai_share) * 100));
    $("ai-share-bar").style.width = width + "%";

    const periods = data.by_provider.periods;
    const shownFirst = $("from").value || data.ledger_range.first_day;
    const shownLast = $("to").value || data.ledger_range.last_day;
    $("date-range").textContent = periods.length || shownFirst ? rangeText(shownFirst, shownLast) : "No data";
    $("ledger-range").textContent = data.ledger_range.first_day
      ? "Ledger holds " + rangeText(data.ledger_range.first_day, data.ledger_range.last_day)
      : "The ledger is empty";
  }

  function colorFor(known) {
    let next = 0;
    const assigned = {};
    return (name) => {
      if (known[name]) return known[name];
      if (!assigned[name]) assigned[name] = PALETTE[next++ % PALETTE.length];
      return assigned[name];
    };
  }

  function chartOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 250 },
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { color: "#6b7280", maxRotation: 0, autoSkipPadding: 12 } },
        y: {
          stacked: true, beginAtZero: true, border: { display: false }, grid: { color: "#f0f1f4" },
          ticks: { color: "#6b7280", callback: (value) => moneyTick(value) },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "rectRounded", boxWidth: 10, boxHeight: 10, padding: 14, color: "#374151" } },
        tooltip: {
          backgroundColor: "#111827", padding: 10, boxPadding: 4, usePointStyle: true,
          filter: (item) => item.raw !== 0,
          itemSort: (a, b) => Math.abs(b.raw) - Math.abs(a.raw),
          callbacks: {
            label: (ctx) => " " + ctx.dataset.label + ": " + money(ctx.raw),
            footer: (items) => "Total: " + money(items.reduce((sum, item) => sum + item.raw, 0)),
          },
        },
      },
    };
  }

  function renderChart(key, series, granularity, color) {
    const canvas = $("chart-" + key);
    const datasets = series.series.map((s) => ({
      label: s.name,
      data: s.values.map(Number),
      backgroundColor: color(s.name),
      borderRadius: 2,
      maxBarThickness: 56,
      stack: "spend",
    }));
    const labels = series.periods.map((p) => periodLabel(p, granularity));
    const chart = state.charts[key];
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update();
      return;
    }
    state.charts[key] = new Chart(canvas, { type: "bar", data: { labels, datasets }, options: chartOptions() });
  }

  function renderTable(id, rows, emptyText) {
    const body = $(id).querySelector("tbody");
    body.replaceChildren();
    if (!rows.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 4;
      td.className = "empty";
      td.textContent = emptyText;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    for (const row of rows) {
      const tr = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = row.name;
      name.title = row.name;
      if (row.category) {
        const cat = document.createElement("span");
        cat.className = "category";
        cat.textContent = row.category;
        name.appendChild(cat);
      }
      const provider = document.createElement("td");
      provider.className = "provider";
      provider.textContent = row.provider || "–";
      provider.title = row.provider || "";
      const cost = document.createElement("td");
      cost.className = "num";
      cost.textContent = money(row.cost);
      cost.title = row.cost;
      cost.dataset.value = row.cost;
      const share = document.createElement("td");
      share.innerHTML = '<div class="share"><div class="share-bar"><span></span></div><span class="share-text"></span></div>';
      share.querySelector(".share-text").textContent = percent(row.share);
      share.querySelector(".share-bar span").style.width = Math.max(0, Math.min(100, Number(row.share || 0) * 100)) + "%";
      tr.append(name, provider, cost, share);
      body.appendChild(tr);
    }
  }

  // -- wiring --------------------------------------------------------------------------------

  function init() {
    for (const id of ["from", "to", "metric", "granularity"]) {
      $(id).addEventListener("change", load);
    }
    $("reset").addEventListener("click", () => {
      $("metric").value = "EffectiveCost";
      $("granularity").value = "auto";
      $("from").value = state.ledgerRange ? state.ledgerRange.first_day || "" : "";
      $("to").value = state.ledgerRange ? state.ledgerRange.last_day || "" : "";
      load();
    });
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    loadHealth();
    load();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
