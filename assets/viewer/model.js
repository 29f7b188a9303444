// Lockstep replay viewer: the data model. Reads and checks a
// "lockstep-viewer/1" document, picks the game's renderer (render.js) and
// lets it check and prepare the ticks, and derives what the shared views need.
// Classic scripts sharing one namespace, so the page also works opened
// straight from disk (module scripts would not).
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  // One colour per seat (cores A..H are seats 0..7), for every game.
  LS.COLORS = ["#2f6fde", "#d9412b", "#1f9d55", "#9b51e0",
               "#e08a00", "#0e9aa7", "#d6338f", "#6b7d1f"];
  LS.LETTERS = "ABCDEFGH";

  function fail(message) { throw new Error(message); }
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function isInt(v) { return typeof v === "number" && Number.isFinite(v) && Math.floor(v) === v; }
  LS.fail = fail;
  LS.isObject = isObject;
  LS.isInt = isInt;

  // Checks that `list` holds lists of `size` integers; returns it.
  LS.tuples = function (list, size, where) {
    if (!Array.isArray(list)) fail(where + " must be a list");
    list.forEach(function (t, i) {
      if (!Array.isArray(t) || t.length !== size || !t.every(isInt)) {
        fail(where + "[" + i + "] must be a list of " + size + " integers");
      }
    });
    return list;
  };

  function bot(b, where) {
    if (!isObject(b)) fail(where + " must be an object");
    return {
      called: b.called === true,
      outcome: typeof b.outcome === "string" ? b.outcome : "",
      detail: typeof b.detail === "string" ? b.detail : "",
      fuel: isInt(b.fuel) ? b.fuel : 0,
      budget: isInt(b.budget) ? b.budget : 0,
      actions: Array.isArray(b.actions) ? b.actions : [],
      rejected: isInt(b.rejected) ? b.rejected : 0,
      logs: Array.isArray(b.logs) ? b.logs.map(String) : [],
      init: isObject(b.init) ? init(b.init) : null,
    };
  }
  // The seat's (re)start before this tick: instantiation and lockstep_init.
  function init(i) {
    return {
      outcome: typeof i.outcome === "string" ? i.outcome : "",
      detail: typeof i.detail === "string" ? i.detail : "",
      fuel: isInt(i.fuel) ? i.fuel : 0,
      logs: Array.isArray(i.logs) ? i.logs.map(String) : [],
      dropped: isInt(i.logs_dropped) ? i.logs_dropped : 0,
    };
  }

  // The game's view: every key of the tick but what the viewer itself adds.
  function world(t) {
    var w = {};
    Object.keys(t).forEach(function (k) { if (k !== "bots" && k !== "hash") w[k] = t[k]; });
    return w;
  }

  // Parses and checks the JSON text; throws an Error saying what is wrong.
  LS.parseReplay = function (text) {
    var data;
    try { data = JSON.parse(text); } catch (e) { fail("the replay is not valid JSON: " + e.message); }
    if (!isObject(data)) fail("the replay is not a JSON object");
    if (data.format !== "lockstep-viewer/1") {
      fail("unknown format " + JSON.stringify(data.format) + ", expected \"lockstep-viewer/1\"");
    }
    var h = data.header;
    if (!isObject(h)) fail("the replay has no \"header\"");
    if (!Array.isArray(data.ticks)) fail("the replay has no \"ticks\" list");
    var ticks = data.ticks.map(function (t, i) {
      var at = "ticks[" + i + "]";
      if (!isObject(t)) fail(at + " must be an object");
      if (t.bots !== undefined && !Array.isArray(t.bots)) fail(at + ".bots must be a list");
      return {
        tick: isInt(t.tick) ? t.tick : i,
        world: world(t),
        bots: (t.bots || []).map(function (b, s) { return bot(b, at + ".bots[" + s + "]"); }),
        hash: typeof t.hash === "string" ? t.hash : "",
        at: at,
      };
    });
    var result = isObject(data.result) ? data.result : null;
    // The world after the last tick, as one more frame (files from before it
    // was written have none).
    var frames = ticks.slice();
    if (isObject(data.final)) {
      var lastTick = ticks.length ? ticks[ticks.length - 1].tick + 1 : 0;
      frames.push({
        tick: isInt(data.final.tick) ? data.final.tick : lastTick,
        world: world(data.final), bots: [], final: true, at: "final",
        hash: result && typeof result.final_hash === "string" ? result.final_hash : "",
      });
    }
    var players = Array.isArray(h.players) ? h.players.filter(isObject) : [];
    var seats = players.length;
    ticks.forEach(function (t) { seats = Math.max(seats, t.bots.length); });
    // Replays from before the header named the game are of the reference game.
    var game = typeof h.game === "string" && h.game ? h.game : "cores";
    var model = {
      header: h, game: game, renderer: LS.rendererFor(game),
      config: isObject(h.config) ? h.config : {},
      players: players, result: result,
      ticks: ticks, frames: frames, seats: seats,
    };
    // The renderer checks what it reads, and may count more seats.
    if (model.renderer.prepare) model.renderer.prepare(model);
    model.names = [];
    for (var s = 0; s < model.seats; s++) {
      var p = players.find(function (q) { return q.seat === s; }) || players[s] || {};
      model.names.push(typeof p.bot === "string" && p.bot ? p.bot : "seat " + s);
    }
    return model;
  };

  LS.color = function (seat) { return LS.COLORS[seat % LS.COLORS.length]; };
  LS.letter = function (seat) { return LS.LETTERS[seat] || "?"; };

  // "unit 3 move North", "spawn South", "drop column 4"; anything else as its JSON.
  LS.actionText = function (action) {
    if (isObject(action)) {
      var keys = Object.keys(action);
      var body = action[keys[0]];
      if (keys.length === 1 && isObject(body)) {
        var verb = keys[0].toLowerCase();
        var words = body.unit !== undefined ? ["unit " + body.unit, verb] : [verb];
        Object.keys(body).forEach(function (k) {
          var v = body[k];
          if (k === "unit") return;
          var shown = typeof v === "object" ? JSON.stringify(v) : String(v);
          words.push(k === "dir" ? shown : k + " " + shown);
        });
        return words.join(" ");
      }
    }
    return JSON.stringify(action);
  };

  // A score object in words: "alive · length 5", "units 3 · energy 12".
  LS.scoreText = function (score) {
    if (!isObject(score)) return score === undefined || score === null ? "" : String(score);
    return Object.keys(score).filter(function (k) { return score[k] !== null && score[k] !== undefined; })
      .map(function (k) {
        var v = score[k];
        if (v === true) return k.replace(/_/g, " ");
        if (v === false) return "not " + k.replace(/_/g, " ");
        return k.replace(/_/g, " ") + " " + (typeof v === "object" ? JSON.stringify(v) : String(v).replace(/[_-]/g, " "));
      }).join(" · ");
  };

  LS.outcomeText = function (b) {
    if (!b.called) return b.outcome === "suspended" ? "suspended (not called)" : "not called";
    var text = (b.outcome || "unknown").replace(/_/g, " ");
    return b.detail ? text + ": " + b.detail : text;
  };

  // A bot's log panel for one tick: its (re)start's lines first, marked
  // "[init]", then the tick's own.
  LS.logLines = function (b) {
    if (!b) return [];
    var lines = [];
    if (b.init) {
      var how = (b.init.outcome || "unknown").replace(/_/g, " ");
      if (b.init.detail) how += ": " + b.init.detail;
      lines.push("[init] lockstep_init " + how + ", " + LS.fmt(b.init.fuel) + " fuel");
      b.init.logs.forEach(function (line) { lines.push("[init] " + line); });
      if (b.init.dropped) lines.push("[init] (" + b.init.dropped + " more lines dropped)");
    }
    return lines.concat(b.logs);
  };

  LS.outcomeClass = function (b) {
    if (!b.called) return "idle";
    if (b.outcome === "ok") return "ok";
    if (b.outcome === "out_of_fuel" || b.outcome === "watchdog" || b.outcome === "suspended") return "warn";
    return "bad";
  };

  LS.fmt = function (n) { return Number(n).toLocaleString("en-US"); };
})();
