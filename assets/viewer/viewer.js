// Lockstep replay viewer: loading, the header, the controls and the per-bot
// panels. Exposes window.lockstepViewer for tests and keeps
// document.body.dataset.tick (and .error on failure) up to date.
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(window.location.search);
  var state = { model: null, index: 0, playing: false, timer: 0, speed: 10, map: null, charts: null, cards: [] };

  function last() { return state.model ? Math.max(0, state.model.ticks.length - 1) : 0; }

  window.lockstepViewer = {
    tick: function () { return state.index; },
    ticks: function () { return state.model ? state.model.ticks.length : 0; },
    play: play,
    pause: pause,
    playing: function () { return state.playing; },
    seek: seek,
  };

  function text(tag, content, cls) {
    var e = document.createElement(tag);
    if (content !== undefined) e.textContent = content;
    if (cls) e.className = cls;
    return e;
  }

  function showError(message) {
    var box = $("error");
    box.textContent = "Cannot show this replay: " + message;
    box.hidden = false;
    document.body.dataset.error = message;
  }

  function start(json) {
    try {
      state.model = LS.parseReplay(json);
    } catch (e) {
      showError(e.message);
      return;
    }
    $("loader").hidden = true;
    $("app").hidden = false;
    delete document.body.dataset.error;
    $("error").hidden = true;
    buildHeader(state.model);
    buildBots(state.model);
    state.map = new LS.MapView($("map"), $("tooltip"), state.model);
    $("charts").textContent = "";
    state.charts = new LS.FuelCharts($("charts"), $("fuel-scale"), state.model, function (i) { seek(i); });
    $("fit").checked = state.charts.fit;
    $("scrub").max = String(last());
    layout();
    var first = parseInt(params.get("tick") || "0", 10);
    seek(Number.isFinite(first) ? first : 0);
    document.body.dataset.ticks = String(state.model.ticks.length);
    if (params.get("autoplay") === "1") play();
  }

  function buildHeader(m) {
    var h = m.header, cfg = m.config, map = h.map;
    document.title = "Lockstep replay: " + m.names.join(" vs ") + " on " + (map.name || "?");
    $("title").textContent = m.names.join(" vs ");
    var meta = [
      ["map", (map.name || "?") + " " + m.width + "×" + m.height],
      ["seed", h.seed],
      ["ticks", m.ticks.length + (cfg.max_ticks !== undefined ? " of " + cfg.max_ticks : "")],
      ["fuel per tick", cfg.tick_fuel !== undefined ? LS.fmt(cfg.tick_fuel) : undefined],
      ["init fuel", cfg.init_fuel !== undefined ? LS.fmt(cfg.init_fuel) : undefined],
      ["overrun", cfg.overrun],
      ["bucket", cfg.bucket_cap],
      ["engine", h.engine],
      ["wasmtime", h.wasmtime],
      ["rules", h.rules_version !== undefined ? "v" + h.rules_version : undefined],
      ["replay format", h.replay_format !== undefined ? "v" + h.replay_format : undefined],
      ["final hash", m.result && typeof m.result.final_hash === "string" ? m.result.final_hash.slice(0, 16) + "…" : undefined],
    ];
    var box = $("meta");
    box.textContent = "";
    meta.forEach(function (kv) {
      if (kv[1] === undefined || kv[1] === null) return;
      var item = text("span", "", "kv");
      item.append(text("span", kv[0], "k"), text("span", String(kv[1]), "v"));
      box.appendChild(item);
    });
    var r = m.result, res = $("result");
    res.textContent = "";
    if (r) {
      var win = r.winner === null || r.winner === undefined ? "Draw" :
        "Winner: " + (r.winner_bot || m.names[r.winner]) + " (seat " + r.winner + ")";
      res.appendChild(text("strong", win));
      if (typeof r.ticks === "number") res.appendChild(text("span", " after " + r.ticks + " ticks"));
      if (typeof r.winner === "number") res.style.setProperty("--seat", LS.color(r.winner));
    }
    var players = $("players");
    players.textContent = "";
    for (var s = 0; s < m.seats; s++) {
      var p = m.players.find(function (q) { return q.seat === s; }) || m.players[s] || {};
      var chip = text("div", "", "player");
      chip.style.setProperty("--seat", LS.color(s));
      var hash = typeof p.module_hash === "string" ? p.module_hash : "";
      var hashEl = text("code", hash ? hash.slice(0, 12) + "…" : "no hash", "hash");
      hashEl.title = "module blake3 " + hash;
      chip.append(text("span", LS.LETTERS[s] || "?", "letter"), text("span", m.names[s], "name"),
        text("span", p.encoding || "", "enc"), hashEl);
      var sc = r && Array.isArray(r.scores) ? r.scores[s] : null;
      if (sc && typeof sc === "object") {
        var out = typeof sc.eliminated_at === "number" ? "eliminated at tick " + sc.eliminated_at + " · " :
          sc.alive === false ? "eliminated · " : "";
        chip.appendChild(text("span", out + "core " + sc.core_hp +
          " · " + sc.units + " units · " + sc.energy + " energy", "final"));
      }
      players.appendChild(chip);
    }
  }

  // One card per seat, filled in by update() at every tick.
  function buildBots(m) {
    var root = $("bots");
    root.textContent = "";
    state.cards = [];
    for (var s = 0; s < m.seats; s++) {
      var card = text("section", "", "bot");
      card.style.setProperty("--seat", LS.color(s));
      var head = text("header");
      head.append(text("span", LS.LETTERS[s] || "?", "letter"), text("span", m.names[s], "name"));
      var outcome = text("span", "", "outcome");
      head.appendChild(outcome);
      var stats = text("div", "", "stats");
      var detail = text("div", "", "detail");
      var actions = text("ol", "", "actions");
      var logs = text("pre", "", "logs");
      card.append(head, stats, detail, text("h3", "orders"), actions, text("h3", "log"), logs);
      root.appendChild(card);
      state.cards.push({ outcome: outcome, stats: stats, detail: detail, actions: actions, logs: logs });
    }
  }

  function update() {
    var m = state.model, i = state.index, t = m.ticks[i];
    $("scrub").value = String(i);
    $("counter").textContent = "tick " + (t ? t.tick : 0) + " / " + (m.ticks.length ? m.ticks[last()].tick : 0);
    document.body.dataset.tick = String(i);
    $("hash").textContent = t && t.hash ? t.hash.slice(0, 16) : "—";
    $("hash").title = t && t.hash ? "state hash after tick " + t.tick + ": " + t.hash : "";
    state.map.draw(i);
    state.charts.update(i);
    state.cards.forEach(function (card, s) {
      var b = t && t.bots[s];
      var units = t ? t.units.filter(function (u) { return u[1] === s; }).length : 0;
      var core = t && t.cores.find(function (c) { return c[0] === s; });
      // The score is shown when it says more than the unit count.
      var score = t ? t.scores[s] : undefined;
      card.stats.textContent = [
        "energy " + (t && t.energy[s] !== undefined ? t.energy[s] : "?"),
        units + (units === 1 ? " unit" : " units"),
        "core " + (core ? core[3] : "?"),
      ].concat(score !== undefined && score !== units ? ["score " + score] : []).join(" · ");
      card.outcome.textContent = b ? (b.called ? (b.outcome || "?").replace(/_/g, " ") : b.outcome || "not called") : "—";
      card.outcome.className = "outcome " + (b ? LS.outcomeClass(b) : "idle");
      var details = [];
      if (b && b.called) details.push("fuel " + LS.fmt(b.fuel) + " / " + LS.fmt(b.budget));
      if (b && (b.detail || !b.called)) details.push(LS.outcomeText(b));
      if (b && b.rejected) details.push(b.rejected + (b.rejected === 1 ? " order rejected" : " orders rejected"));
      card.detail.textContent = details.join(" · ");
      card.actions.textContent = "";
      (b ? b.actions : []).forEach(function (a) { card.actions.appendChild(text("li", LS.actionText(a))); });
      if (!b || !b.actions.length) card.actions.appendChild(text("li", "no orders", "none"));
      var lines = LS.logLines(b);
      card.logs.textContent = lines.join("\n");
      card.logs.classList.toggle("empty", !lines.length);
    });
  }

  function seek(n) {
    if (!state.model) return;
    n = Math.floor(Number(n));
    state.index = Math.max(0, Math.min(last(), Number.isFinite(n) ? n : 0));
    update();
  }

  function play() {
    if (!state.model || state.playing) return;
    if (state.index >= last()) seek(0);
    state.playing = true;
    setPlayButton();
    schedule();
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      if (!state.playing) return;
      if (state.index >= last()) {
        pause();
        return;
      }
      seek(state.index + 1);
      schedule();
    }, 1000 / state.speed);
  }

  function pause() {
    state.playing = false;
    clearTimeout(state.timer);
    setPlayButton();
  }

  function setPlayButton() {
    var b = $("play");
    b.classList.toggle("playing", state.playing);
    b.setAttribute("aria-label", state.playing ? "pause" : "play");
    document.body.dataset.playing = String(state.playing);
  }

  function step(delta) {
    pause();
    seek(state.index + delta);
  }

  function layout() {
    if (!state.model) return;
    // Map, controls and (most of) the fuel charts on one screen when they can.
    var wrap = document.querySelector(".canvas-wrap");
    var top = wrap.getBoundingClientRect().top + window.scrollY;
    var below = Math.min(document.querySelector(".fuel").offsetHeight, 220) + 60;
    var maxH = Math.max(320, window.innerHeight - top - below);
    state.map.layout(Math.max(120, wrap.clientWidth), maxH);
    state.map.draw(state.index);
  }

  function wire() {
    $("play").addEventListener("click", function () { state.playing ? pause() : play(); });
    $("back").addEventListener("click", function () { step(-1); });
    $("fwd").addEventListener("click", function () { step(1); });
    $("scrub").addEventListener("input", function () { seek(this.value); });
    $("speed").addEventListener("change", function () {
      state.speed = Number(this.value) || 10;
      if (state.playing) schedule();
    });
    $("fit").addEventListener("change", function () { if (state.charts) state.charts.setFit(this.checked); });
    window.addEventListener("resize", layout);
    document.addEventListener("keydown", function (e) {
      if (!state.model || e.ctrlKey || e.metaKey || e.altKey) return;
      var tag = e.target && e.target.tagName;
      var native = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || tag === "BUTTON";
      var big = e.shiftKey ? 10 : 1;
      if (e.key === " " && !native) { state.playing ? pause() : play(); }
      else if (e.key === "ArrowRight" && tag !== "INPUT" && tag !== "SELECT") { step(big); }
      else if (e.key === "ArrowLeft" && tag !== "INPUT" && tag !== "SELECT") { step(-big); }
      else if (e.key === "Home" && !native) { pause(); seek(0); }
      else if (e.key === "End" && !native) { pause(); seek(last()); }
      else return;
      e.preventDefault();
    });
    var drop = $("drop");
    $("file").addEventListener("change", function () { if (this.files[0]) readFile(this.files[0]); });
    drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      if (e.dataTransfer.files[0]) readFile(e.dataTransfer.files[0]);
    });
  }

  function readFile(file) {
    var reader = new FileReader();
    reader.onload = function () { start(String(reader.result)); };
    reader.onerror = function () { showError("could not read " + file.name); };
    reader.readAsText(file);
  }

  // Where the data comes from: the embedded element, else ?src=URL, else
  // the file picker.
  function boot() {
    wire();
    var embedded = $("replay-data");
    var json = embedded ? embedded.textContent : "";
    var src = params.get("src");
    if (json.trim()) {
      start(json);
    } else if (src) {
      fetch(src)
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status + " for " + src);
          return r.text();
        })
        .then(start)
        .catch(function (e) { showError("could not load " + src + ": " + e.message); });
    } else {
      $("loader").hidden = false;
    }
  }

  // A bug of the viewer's own shows as an error too, rather than a frozen page.
  window.addEventListener("error", function (e) { showError("internal error: " + e.message); });
  boot();
})();
