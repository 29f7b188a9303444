// Lockstep replay viewer: the renderer of the reference game, "cores" (the
// interface is described at the top of render.js). The map comes from the
// header's rows ('#' wall, '*' energy source); each tick's world has units
// [id, owner, x, y, hp], cores [owner, x, y, hp] (0 hp: destroyed), energy
// and scores per seat. The tick's orders are drawn over the units.
"use strict";
(function () {
  var WALL = "#39414f", FLOOR = "#eef0f3", GRID = "#e1e4e9", SOURCE = "#f4c20d";
  var DIRS = { North: [0, -1], East: [1, 0], South: [0, 1], West: [-1, 0] };

  function numbers(list, where) {
    if (list === undefined) return [];
    if (!Array.isArray(list) || !list.every(LS.isInt)) LS.fail(where + " must be a list of integers");
    return list;
  }

  function prepare(model) {
    var map = model.header.map;
    if (!LS.isObject(map) || !Array.isArray(map.rows) || map.rows.length === 0 ||
        !map.rows.every(function (r) { return typeof r === "string"; })) {
      LS.fail("\"header.map.rows\" must be a non-empty list of strings");
    }
    var width = map.rows[0].length;
    if (width === 0 || !map.rows.every(function (r) { return r.length === width; })) {
      LS.fail("the rows of \"header.map.rows\" must all have the same, non-zero length");
    }
    var unitHp = 1, coreHp = 1, seats = model.seats;
    model.frames.forEach(function (f) {
      var w = f.world;
      w.units = LS.tuples(w.units || [], 5, f.at + ".units");
      w.cores = LS.tuples(w.cores || [], 4, f.at + ".cores");
      w.energy = numbers(w.energy, f.at + ".energy");
      w.scores = numbers(w.scores, f.at + ".scores");
      seats = Math.max(seats, w.energy.length);
      w.units.forEach(function (u) { unitHp = Math.max(unitHp, u[4]); seats = Math.max(seats, u[1] + 1); });
      w.cores.forEach(function (c) { coreHp = Math.max(coreHp, c[3]); seats = Math.max(seats, c[0] + 1); });
    });
    model.seats = seats;
    model.cores = { rows: map.rows, width: width, height: map.rows.length, maxUnitHp: unitHp, maxCoreHp: coreHp };
  }

  // Walls, floor and sources never change.
  function background(g, model, c) {
    var m = model.cores;
    g.fillStyle = FLOOR;
    g.fillRect(0, 0, m.width * c, m.height * c);
    LS.draw.gridLines(g, m.width, m.height, c, GRID);
    for (var y = 0; y < m.height; y++) {
      for (var x = 0; x < m.width; x++) {
        var ch = m.rows[y][x];
        if (ch === "#") {
          g.fillStyle = WALL;
          g.fillRect(x * c, y * c, c, c);
        } else if (ch === "*") {
          diamond(g, (x + 0.5) * c, (y + 0.5) * c, c * 0.36);
        }
      }
    }
  }

  function diamond(g, cx, cy, r) {
    g.beginPath();
    g.moveTo(cx, cy - r); g.lineTo(cx + r, cy); g.lineTo(cx, cy + r); g.lineTo(cx - r, cy);
    g.closePath();
    g.fillStyle = SOURCE;
    g.fill();
    g.strokeStyle = "#b88a00";
    g.lineWidth = Math.max(1, r / 6);
    g.stroke();
  }

  function hpBar(g, x, y, w, frac, color) {
    var h = Math.max(2, Math.round(w / 8));
    g.fillStyle = "rgba(0,0,0,0.35)";
    g.fillRect(x, y, w, h);
    g.fillStyle = color;
    g.fillRect(x, y, Math.max(1, Math.round(w * frac)), h);
  }

  function draw(g, frame, model, c) {
    var m = model.cores, t = frame.world;
    g.textAlign = "center";
    g.textBaseline = "middle";
    t.cores.forEach(function (core) {
      var x = core[1] * c, y = core[2] * c, dead = core[3] <= 0;
      g.fillStyle = dead ? "#9aa1ab" : LS.color(core[0]);
      g.fillRect(x + 1, y + 1, c - 2, c - 2);
      g.strokeStyle = "#1c2230";
      g.lineWidth = Math.max(1, c / 12);
      g.strokeRect(x + 1, y + 1, c - 2, c - 2);
      if (dead) {
        g.beginPath();
        g.moveTo(x + 3, y + 3); g.lineTo(x + c - 3, y + c - 3);
        g.moveTo(x + c - 3, y + 3); g.lineTo(x + 3, y + c - 3);
        g.stroke();
      } else if (c >= 10) {
        g.fillStyle = "#fff";
        g.font = "600 " + Math.max(8, Math.round(c * 0.42)) + "px system-ui, sans-serif";
        g.fillText(LS.letter(core[0]), x + c / 2, y + c / 2);
      }
      if (c >= 8) hpBar(g, x + 2, y + c - Math.max(4, c / 6), c - 4, core[3] / m.maxCoreHp, "#3ddc84");
    });
    t.units.forEach(function (u) {
      var cx = (u[2] + 0.5) * c, cy = (u[3] + 0.5) * c, frac = u[4] / m.maxUnitHp;
      g.globalAlpha = 0.45 + 0.55 * Math.max(0, Math.min(1, frac));
      LS.draw.disc(g, cx, cy, c * 0.38, LS.color(u[1]));
      g.globalAlpha = 1;
      LS.draw.disc(g, cx, cy, c * 0.38, null, "#fff", Math.max(1, c / 14));
      if (c >= 16) {
        g.fillStyle = "#fff";
        g.font = "600 " + Math.max(8, Math.round(c * (u[0] > 99 ? 0.3 : 0.38))) + "px system-ui, sans-serif";
        g.fillText(String(u[0]), cx, cy + 0.5);
      }
      if (c >= 8 && frac < 1) hpBar(g, u[2] * c + c * 0.15, u[3] * c + c * 0.84, c * 0.7, frac, "#3ddc84");
    });
    return { units: t.units.length, cores: t.cores.length, orders: drawOrders(g, frame, c) };
  }

  // The order as {kind, unit, dir} when it has that shape, else null.
  function parts(action) {
    if (!LS.isObject(action)) return null;
    var kind = Object.keys(action)[0], body = action[kind];
    if (!LS.isObject(body) || !DIRS[body.dir]) return null;
    return { kind: kind, unit: body.unit, dir: body.dir };
  }

  // The tick's orders: a short arrow per move, a red strike per attack, a
  // gold dash per harvest and a dashed square where a spawn is ordered.
  function drawOrders(g, frame, c) {
    var t = frame.world, at = {}, cores = {}, drawn = 0;
    t.units.forEach(function (u) { at[u[0]] = u; });
    t.cores.forEach(function (k) { cores[k[0]] = k; });
    frame.bots.forEach(function (b, seat) {
      b.actions.forEach(function (a) {
        var p = parts(a);
        if (!p) return;
        var d = DIRS[p.dir];
        if (p.kind === "Spawn") {
          var core = cores[seat];
          if (!core) return;
          g.setLineDash([3, 3]);
          g.strokeStyle = LS.color(seat);
          g.lineWidth = 1.5;
          g.strokeRect((core[1] + d[0]) * c + 2.5, (core[2] + d[1]) * c + 2.5, c - 5, c - 5);
          g.setLineDash([]);
          drawn++;
          return;
        }
        var u = at[p.unit];
        if (!u || u[1] !== seat) return;
        // From the rim of the unit's disc across the edge of its cell.
        var cx = (u[2] + 0.5) * c, cy = (u[3] + 0.5) * c, from = c * 0.3, to = c * 0.8;
        var color = p.kind === "Attack" ? "#e02424" : p.kind === "Harvest" ? "#a87c00" : "#1c2230";
        arrow(g, cx + d[0] * from, cy + d[1] * from, cx + d[0] * to, cy + d[1] * to, color, Math.max(1.5, c / 12));
        drawn++;
      });
    });
    return drawn;
  }

  function arrow(g, x0, y0, x1, y1, color, w) {
    var ang = Math.atan2(y1 - y0, x1 - x0), head = w * 2.2;
    g.strokeStyle = color;
    g.fillStyle = color;
    g.lineWidth = w;
    g.beginPath();
    g.moveTo(x0, y0);
    g.lineTo(x1 - Math.cos(ang) * head * 0.8, y1 - Math.sin(ang) * head * 0.8);
    g.stroke();
    g.beginPath();
    g.moveTo(x1, y1);
    g.lineTo(x1 - head * Math.cos(ang - 0.5), y1 - head * Math.sin(ang - 0.5));
    g.lineTo(x1 - head * Math.cos(ang + 0.5), y1 - head * Math.sin(ang + 0.5));
    g.closePath();
    g.fill();
  }

  // What is on the cell under the mouse, in words.
  function describe(frame, model, x, y) {
    var m = model.cores, t = frame.world, lines = [];
    t.units.forEach(function (u) {
      if (u[2] === x && u[3] === y) {
        lines.push("unit " + u[0] + " · " + model.names[u[1]] + " (seat " + u[1] + ") · hp " + u[4] + "/" + m.maxUnitHp);
      }
    });
    t.cores.forEach(function (k) {
      if (k[1] === x && k[2] === y) {
        lines.push("core " + LS.letter(k[0]) + " · " + model.names[k[0]] + " · hp " + k[3] + "/" + m.maxCoreHp);
      }
    });
    var ch = m.rows[y][x];
    if (ch === "#") lines.push("wall");
    if (ch === "*") lines.push("energy source");
    return lines.join("\n");
  }

  // Energy, units and core hp; the score when it says more than the unit count.
  function seat(frame, model, s) {
    var t = frame.world;
    var units = t.units.filter(function (u) { return u[1] === s; }).length;
    var core = t.cores.find(function (c) { return c[0] === s; });
    var score = t.scores[s];
    return [
      "energy " + (t.energy[s] !== undefined ? t.energy[s] : "?"),
      units + (units === 1 ? " unit" : " units"),
      "core " + (core ? core[3] : "?"),
    ].concat(score !== undefined && score !== units ? ["score " + score] : []).join(" · ");
  }

  function score(sc) {
    if (!LS.isObject(sc)) return LS.scoreText(sc);
    var out = typeof sc.eliminated_at === "number" ? "eliminated at tick " + sc.eliminated_at + " · " :
      sc.alive === false ? "eliminated · " : "";
    return out + "core " + sc.core_hp + " · " + sc.units + " units · " + sc.energy + " energy";
  }

  LS.addRenderer("cores", {
    prepare: prepare,
    grid: function (model) { return { width: model.cores.width, height: model.cores.height }; },
    background: background,
    draw: draw,
    describe: describe,
    seat: seat,
    score: score,
    legend: function () {
      return [[WALL, "wall"], [SOURCE, "energy source"], ["#1c2230", "move"], ["#e02424", "attack"]];
    },
  });
})();
