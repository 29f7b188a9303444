// Lockstep replay viewer: loading, the controls and the timeline. The board
// is render.js (which documents the per-game renderer interface) with one
// renderer per game in games/; the header and per-bot cards are panels.js,
// the fuel charts chart.js. Exposes window.lockstepViewer for tests and keeps
// document.body.dataset.tick, .renderer (and .error on failure) up to date.
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(window.location.search);
  var state = { model: null, index: 0, playing: false, timer: 0, speed: 10, map: null, charts: null, cards: null };

  // The last frame: the world after the last tick, when the data has it.
  function last() { return state.model ? Math.max(0, state.model.frames.length - 1) : 0; }

  window.lockstepViewer = {
    // The frame shown, 0 .. frames() - 1: one per tick, then (when the data
    // has it) the world after the last tick.
    tick: function () { return state.index; },
    ticks: function () { return state.model ? state.model.ticks.length : 0; },
    frames: function () { return state.model ? state.model.frames.length : 0; },
    renderer: function () { return state.model ? state.model.renderer.name : null; },
    // What the renderer said it drew for the frame shown.
    drawn: function () { return state.map ? state.map.report : null; },
    play: play,
    pause: pause,
    playing: function () { return state.playing; },
    seek: seek,
  };

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
    var m = state.model;
    $("loader").hidden = true;
    $("app").hidden = false;
    delete document.body.dataset.error;
    $("error").hidden = true;
    document.body.dataset.renderer = m.renderer.name;
    state.map = new LS.Board($("map"), $("tooltip"), $("world"), m);
    LS.buildHeader(m, state.map.grid);
    state.cards = new LS.BotCards($("bots"), m);
    $("charts").textContent = "";
    state.charts = new LS.FuelCharts($("charts"), $("fuel-scale"), m, function (i) { seek(i); });
    $("fit").checked = state.charts.fit;
    $("scrub").max = String(last());
    layout();
    var first = parseInt(params.get("tick") || "0", 10);
    seek(Number.isFinite(first) ? first : 0);
    document.body.dataset.ticks = String(m.ticks.length);
    if (params.get("autoplay") === "1") play();
  }

  function update() {
    var m = state.model, i = state.index, f = m.frames[i];
    var lastTick = m.ticks.length ? m.ticks[m.ticks.length - 1].tick : 0;
    $("scrub").value = String(i);
    $("counter").textContent = f && f.final ? "end (after tick " + lastTick + ")" :
      "tick " + (f ? f.tick : 0) + " / " + lastTick;
    document.body.dataset.tick = String(i);
    $("hash").textContent = f && f.hash ? f.hash.slice(0, 16) : "—";
    $("hash").title = f && f.hash ? "state hash after tick " + (f.final ? lastTick : f.tick) + ": " + f.hash : "";
    state.map.draw(i);
    state.charts.update(i);
    state.cards.update(f);
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
