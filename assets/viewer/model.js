// Lockstep replay viewer: the data model. Reads and checks a
// "lockstep-viewer/1" document and derives what the views need.
// Classic scripts sharing one namespace, so the page also works opened
// straight from disk (module scripts would not).
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  // One colour per seat (cores A..H are seats 0..7).
  LS.COLORS = ["#2f6fde", "#d9412b", "#1f9d55", "#9b51e0",
               "#e08a00", "#0e9aa7", "#d6338f", "#6b7d1f"];
  LS.LETTERS = "ABCDEFGH";
  LS.DIRS = { North: [0, -1], East: [1, 0], South: [0, 1], West: [-1, 0] };

  function fail(message) { throw new Error(message); }
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function isInt(v) { return typeof v === "number" && Number.isFinite(v) && Math.floor(v) === v; }
  function tuples(list, size, where) {
    if (!Array.isArray(list)) fail(where + " must be a list");
    list.forEach(function (t, i) {
      if (!Array.isArray(t) || t.length !== size || !t.every(isInt)) {
        fail(where + "[" + i + "] must be a list of " + size + " integers");
      }
    });
    return list;
  }
  function numbers(list, where) {
    if (list === undefined) return [];
    if (!Array.isArray(list) || !list.every(isInt)) fail(where + " must be a list of integers");
    return list;
  }
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
    var map = h.map;
    if (!isObject(map) || !Array.isArray(map.rows) || map.rows.length === 0 ||
        !map.rows.every(function (r) { return typeof r === "string"; })) {
      fail("\"header.map.rows\" must be a non-empty list of strings");
    }
    var width = map.rows[0].length;
    if (width === 0 || !map.rows.every(function (r) { return r.length === width; })) {
      fail("the rows of \"header.map.rows\" must all have the same, non-zero length");
    }
    var players = Array.isArray(h.players) ? h.players.filter(isObject) : [];
    if (!Array.isArray(data.ticks)) fail("the replay has no \"ticks\" list");
    var ticks = data.ticks.map(function (t, i) {
      var at = "ticks[" + i + "]";
      if (!isObject(t)) fail(at + " must be an object");
      if (t.bots !== undefined && !Array.isArray(t.bots)) fail(at + ".bots must be a list");
      return {
        tick: isInt(t.tick) ? t.tick : i,
        units: tuples(t.units || [], 5, at + ".units"),
        cores: tuples(t.cores || [], 4, at + ".cores"),
        energy: numbers(t.energy, at + ".energy"),
        scores: numbers(t.scores, at + ".scores"),
        bots: (t.bots || []).map(function (b, s) { return bot(b, at + ".bots[" + s + "]"); }),
        hash: typeof t.hash === "string" ? t.hash : "",
      };
    });
    return derive(data, h, map.rows, width, players, ticks);
  };

  function derive(data, h, rows, width, players, ticks) {
    var seats = players.length, unitHp = 1, coreHp = 1;
    ticks.forEach(function (t) {
      seats = Math.max(seats, t.bots.length, t.energy.length);
      t.units.forEach(function (u) { unitHp = Math.max(unitHp, u[4]); seats = Math.max(seats, u[1] + 1); });
      t.cores.forEach(function (c) { coreHp = Math.max(coreHp, c[3]); seats = Math.max(seats, c[0] + 1); });
    });
    var names = [];
    for (var s = 0; s < seats; s++) {
      var p = players.find(function (q) { return q.seat === s; }) || players[s] || {};
      names.push(typeof p.bot === "string" && p.bot ? p.bot : "seat " + s);
    }
    return {
      header: h,
      config: isObject(h.config) ? h.config : {},
      players: players,
      result: isObject(data.result) ? data.result : null,
      rows: rows, width: width, height: rows.length,
      ticks: ticks, seats: seats, names: names,
      maxUnitHp: unitHp, maxCoreHp: coreHp,
    };
  }

  LS.color = function (seat) { return LS.COLORS[seat % LS.COLORS.length]; };

  // "unit 3 move North", "spawn South"; anything unexpected as its JSON.
  LS.actionText = function (action) {
    if (isObject(action)) {
      var keys = Object.keys(action);
      var body = action[keys[0]];
      if (keys.length === 1 && isObject(body)) {
        var verb = keys[0].toLowerCase();
        var text = body.unit !== undefined ? "unit " + body.unit + " " + verb : verb;
        return body.dir !== undefined ? text + " " + body.dir : text;
      }
    }
    return JSON.stringify(action);
  };

  // The order as {kind, unit, dir} when it has that shape, else null.
  LS.actionParts = function (action) {
    if (!isObject(action)) return null;
    var kind = Object.keys(action)[0], body = action[kind];
    if (!isObject(body) || !LS.DIRS[body.dir]) return null;
    return { kind: kind, unit: body.unit, dir: body.dir };
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
