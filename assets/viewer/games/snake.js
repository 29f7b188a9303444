// Lockstep replay viewer: the renderer of "snake" (the interface is described
// at the top of render.js). Each tick's world is {width, height, snakes:
// [{seat, alive, health, length, body: [[x, y], ...] (head first),
// eliminated_at, cause}], food: [[x, y]], hazards: [[x, y]]}; y grows down.
// A snake is a thick line in its seat's colour through its body's cells, its
// head a ringed disc with an eye looking the way it moves. A snake eliminated
// on the tick before is drawn faded, with a cross on its head; older deaths
// are not drawn.
"use strict";
(function () {
  var FLOOR = "#eef0f3", GRID = "#dfe3e8", FOOD = "#f4c20d", HAZARD = "rgba(122, 32, 20, 0.28)";

  function pair(p, where) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every(LS.isInt)) LS.fail(where + " must be [x, y]");
    return p;
  }

  function cells(list, where) {
    if (list === undefined) return [];
    if (!Array.isArray(list)) LS.fail(where + " must be a list");
    list.forEach(function (p, i) { pair(p, where + "[" + i + "]"); });
    return list;
  }

  function prepare(model) {
    var width = 0, height = 0, seats = model.seats;
    model.frames.forEach(function (f) {
      var w = f.world, at = f.at;
      if (!LS.isInt(w.width) || !LS.isInt(w.height) || w.width < 1 || w.height < 1) {
        LS.fail(at + " must have a positive \"width\" and \"height\"");
      }
      width = Math.max(width, w.width);
      height = Math.max(height, w.height);
      if (!Array.isArray(w.snakes)) LS.fail(at + ".snakes must be a list");
      w.snakes.forEach(function (s, i) {
        var where = at + ".snakes[" + i + "]";
        if (!LS.isObject(s)) LS.fail(where + " must be an object");
        if (!LS.isInt(s.seat)) s.seat = i;
        cells(s.body, where + ".body");
        if (!Array.isArray(s.body)) s.body = [];
        seats = Math.max(seats, s.seat + 1);
      });
      w.food = cells(w.food, at + ".food");
      w.hazards = cells(w.hazards, at + ".hazards");
    });
    model.seats = seats;
    model.snake = { width: width, height: height };
  }

  function background(g, model, c) {
    var m = model.snake;
    g.fillStyle = FLOOR;
    g.fillRect(0, 0, m.width * c, m.height * c);
    LS.draw.gridLines(g, m.width, m.height, c, GRID);
  }

  // Whether a snake is drawn on this frame: alive, or eliminated the tick before.
  function shown(s, frame) {
    return s.alive !== false || s.eliminated_at === frame.tick - 1;
  }

  function drawSnake(g, s, c) {
    var body = s.body, dead = s.alive === false, color = LS.color(s.seat);
    if (!body.length) return;
    var centre = function (p) { return [(p[0] + 0.5) * c, (p[1] + 0.5) * c]; };
    g.globalAlpha = dead ? 0.35 : 1;
    g.lineCap = "round";
    g.lineJoin = "round";
    g.strokeStyle = color;
    g.lineWidth = Math.max(2, c * 0.56);
    g.beginPath();
    body.forEach(function (p, i) {
      var xy = centre(p);
      if (i === 0) g.moveTo(xy[0], xy[1]); else g.lineTo(xy[0], xy[1]);
    });
    // A one-cell (or stacked) body still shows as a dot.
    if (body.length === 1) g.lineTo(centre(body[0])[0] + 0.01, centre(body[0])[1]);
    g.stroke();
    var head = centre(body[0]);
    LS.draw.disc(g, head[0], head[1], c * 0.4, color, "#1c2230", Math.max(1, c / 12));
    // The eye: towards the head from the next distinct cell.
    var next = body.find(function (p) { return p[0] !== body[0][0] || p[1] !== body[0][1]; });
    var dx = next ? body[0][0] - next[0] : 0, dy = next ? body[0][1] - next[1] : -1;
    if (c >= 8) LS.draw.disc(g, head[0] + dx * c * 0.17, head[1] + dy * c * 0.17, c * 0.12, "#fff");
    g.globalAlpha = 1;
    if (dead) {
      g.strokeStyle = "#1c2230";
      g.lineWidth = Math.max(1.5, c / 10);
      var r = c * 0.3;
      g.beginPath();
      g.moveTo(head[0] - r, head[1] - r); g.lineTo(head[0] + r, head[1] + r);
      g.moveTo(head[0] + r, head[1] - r); g.lineTo(head[0] - r, head[1] + r);
      g.stroke();
    }
  }

  function draw(g, frame, model, c) {
    var w = frame.world, m = model.snake, report = { snakes: 0, dead: 0, segments: 0, food: 0, hazards: 0 };
    g.fillStyle = HAZARD;
    w.hazards.forEach(function (p) { g.fillRect(p[0] * c, p[1] * c, c, c); report.hazards++; });
    w.food.forEach(function (p) {
      LS.draw.disc(g, (p[0] + 0.5) * c, (p[1] + 0.5) * c, c * 0.26, FOOD, "#a87c00", Math.max(1, c / 16));
      report.food++;
    });
    // The board's edge clips the head of a snake that left it.
    g.save();
    g.beginPath();
    g.rect(0, 0, m.width * c, m.height * c);
    g.clip();
    w.snakes.forEach(function (s) {
      if (!shown(s, frame)) return;
      drawSnake(g, s, c);
      if (s.alive === false) report.dead++; else report.snakes++;
      report.segments += s.body.length;
    });
    g.restore();
    return report;
  }

  function describe(frame, model, x, y) {
    var w = frame.world, lines = [];
    w.snakes.forEach(function (s) {
      if (!shown(s, frame)) return;
      var i = s.body.findIndex(function (p) { return p[0] === x && p[1] === y; });
      if (i < 0) return;
      lines.push("snake " + LS.letter(s.seat) + " · " + model.names[s.seat] + " · " + (i === 0 ? "head" : "body") +
        " · " + (s.alive === false ? "eliminated" : "length " + s.body.length + " · health " + s.health));
    });
    if (w.food.some(function (p) { return p[0] === x && p[1] === y; })) lines.push("food");
    if (w.hazards.some(function (p) { return p[0] === x && p[1] === y; })) lines.push("hazard");
    return lines.join("\n");
  }

  function seat(frame, model, s) {
    var snake = frame.world.snakes.find(function (q) { return q.seat === s; });
    if (!snake) return "";
    if (snake.alive === false) {
      return "eliminated at tick " + snake.eliminated_at + (snake.cause ? " (" + String(snake.cause).replace(/_/g, " ") + ")" : "");
    }
    return "length " + snake.body.length + " · health " + snake.health;
  }

  function score(sc) {
    if (!LS.isObject(sc)) return LS.scoreText(sc);
    var how = sc.alive ? "alive" : "eliminated at tick " + sc.eliminated_at +
      (sc.cause ? " (" + String(sc.cause).replace(/_/g, " ") + ")" : "");
    return how + " · length " + sc.length + " · health " + sc.health;
  }

  LS.addRenderer("snake", {
    maxCell: 48,
    prepare: prepare,
    grid: function (model) { return { width: model.snake.width, height: model.snake.height }; },
    background: background,
    draw: draw,
    describe: describe,
    seat: seat,
    score: score,
    legend: function (model) {
      var hazards = model.frames.some(function (f) { return f.world.hazards.length > 0; });
      return [[FOOD, "food"]].concat(hazards ? [["#c49a94", "hazard"]] : []);
    },
  });
})();
