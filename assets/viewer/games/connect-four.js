// Lockstep replay viewer: the renderer of "connect-four" (the interface is
// described at the top of render.js). Each tick's world is {columns, rows,
// grid: rows of cells, top row first (0 empty, 1 seat 0's disc, 2 seat 1's),
// last_move: the column of the last drop, to_move, winner, end}. Draws the
// upright grid with discs in the seats' colours, rings the last drop, shows
// where this tick's drop lands (dashed), and when the world names a winner by
// four in a row, strikes through the winning line.
"use strict";
(function () {
  var BOARD = "#2d3a4f", HOLE = "#eef0f3", LAST = "#f4c20d", WIN = "#ffffff";

  function prepare(model) {
    var columns = 0, rows = 0;
    model.frames.forEach(function (f) {
      var w = f.world, at = f.at;
      if (!LS.isInt(w.columns) || !LS.isInt(w.rows) || w.columns < 1 || w.rows < 1) {
        LS.fail(at + " must have a positive \"columns\" and \"rows\"");
      }
      if (!Array.isArray(w.grid) || w.grid.length !== w.rows || !w.grid.every(function (r) {
        return Array.isArray(r) && r.length === w.columns && r.every(function (v) { return v === 0 || v === 1 || v === 2; });
      })) {
        LS.fail(at + ".grid must be " + w.rows + " rows of " + w.columns + " cells, each 0, 1 or 2");
      }
      columns = Math.max(columns, w.columns);
      rows = Math.max(rows, w.rows);
    });
    model.seats = Math.max(model.seats, 2);
    model.c4 = { columns: columns, rows: rows };
  }

  function centre(col, row, c) { return [(col + 0.5) * c, (row + 0.5) * c]; }

  function background(g, model, c) {
    var m = model.c4;
    g.fillStyle = BOARD;
    g.fillRect(0, 0, m.columns * c, m.rows * c);
    for (var row = 0; row < m.rows; row++) {
      for (var col = 0; col < m.columns; col++) {
        var xy = centre(col, row, c);
        LS.draw.disc(g, xy[0], xy[1], c * 0.4, HOLE);
      }
    }
  }

  // The row of the top disc in `col` (null when the column is empty).
  function topDisc(grid, col) {
    for (var row = 0; row < grid.length; row++) if (grid[row][col]) return row;
    return null;
  }

  // The cells of the longest line of `value` through (col, row), when it has four or more.
  function lineThrough(grid, col, row, value) {
    var best = null;
    [[1, 0], [0, 1], [1, 1], [1, -1]].forEach(function (d) {
      var cells = [[col, row]];
      [1, -1].forEach(function (sign) {
        var x = col + d[0] * sign, y = row + d[1] * sign;
        while (y >= 0 && y < grid.length && x >= 0 && x < grid[y].length && grid[y][x] === value) {
          cells.push([x, y]);
          x += d[0] * sign;
          y += d[1] * sign;
        }
      });
      if (cells.length >= 4 && (!best || cells.length > best.length)) best = cells;
    });
    return best;
  }

  // The winning line: through the last drop, else anywhere on the board.
  function winningLine(w) {
    if (!LS.isInt(w.winner) || w.end !== "four-in-a-row") return null;
    var value = w.winner + 1, grid = w.grid;
    var lastRow = LS.isInt(w.last_move) ? topDisc(grid, w.last_move) : null;
    if (lastRow !== null && grid[lastRow][w.last_move] === value) {
      var line = lineThrough(grid, w.last_move, lastRow, value);
      if (line) return line;
    }
    for (var row = 0; row < grid.length; row++) {
      for (var col = 0; col < grid[row].length; col++) {
        if (grid[row][col] === value && (line = lineThrough(grid, col, row, value))) return line;
      }
    }
    return null;
  }

  function draw(g, frame, model, c) {
    var w = frame.world, grid = w.grid, report = { discs: 0, last: null, winning: null, pending: 0 };
    grid.forEach(function (cells, row) {
      cells.forEach(function (v, col) {
        if (!v) return;
        var xy = centre(col, row, c);
        LS.draw.disc(g, xy[0], xy[1], c * 0.4, LS.color(v - 1), "rgba(0,0,0,0.3)", Math.max(1, c / 24));
        report.discs++;
      });
    });
    var lastRow = LS.isInt(w.last_move) ? topDisc(grid, w.last_move) : null;
    if (lastRow !== null) {
      var xy = centre(w.last_move, lastRow, c);
      LS.draw.disc(g, xy[0], xy[1], c * 0.44, null, LAST, Math.max(2, c * 0.08));
      report.last = [w.last_move, lastRow];
    }
    // This tick's drops, where they land.
    frame.bots.forEach(function (b, seat) {
      b.actions.forEach(function (a) {
        var col = LS.isObject(a) && LS.isObject(a.Drop) ? a.Drop.column : null;
        if (!LS.isInt(col) || col < 0 || col >= w.columns) return;
        var row = topDisc(grid, col);
        row = row === null ? grid.length - 1 : row - 1;
        if (row < 0) return;
        var p = centre(col, row, c);
        g.setLineDash([Math.max(2, c / 10), Math.max(2, c / 10)]);
        LS.draw.disc(g, p[0], p[1], c * 0.36, null, LS.color(seat), Math.max(2, c / 14));
        g.setLineDash([]);
        report.pending++;
      });
    });
    var line = winningLine(w);
    if (line) {
      line.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      line.forEach(function (p) {
        var q = centre(p[0], p[1], c);
        LS.draw.disc(g, q[0], q[1], c * 0.3, null, WIN, Math.max(2, c / 14));
      });
      var from = centre(line[0][0], line[0][1], c), to = centre(line[line.length - 1][0], line[line.length - 1][1], c);
      g.strokeStyle = WIN;
      g.lineCap = "round";
      g.lineWidth = Math.max(3, c * 0.12);
      g.beginPath();
      g.moveTo(from[0], from[1]);
      g.lineTo(to[0], to[1]);
      g.stroke();
      report.winning = line;
    }
    return report;
  }

  function describe(frame, model, x, y) {
    var w = frame.world, v = w.grid[y] ? w.grid[y][x] : 0;
    var lines = ["column " + x + ", row " + (w.rows - 1 - y) + " from the bottom"];
    lines.unshift(v ? "disc of " + LS.letter(v - 1) + " · " + model.names[v - 1] : "empty");
    if (w.last_move === x && topDisc(w.grid, x) === y) lines.push("the last drop");
    return lines.join("\n");
  }

  function seat(frame, model, s) {
    var w = frame.world, discs = 0;
    w.grid.forEach(function (r) { r.forEach(function (v) { if (v === s + 1) discs++; }); });
    var words = ["discs " + discs];
    if (w.to_move === s) words.push("to move");
    if (w.winner === s) words.push("won");
    return words.join(" · ");
  }

  function score(sc) {
    if (!LS.isObject(sc)) return LS.scoreText(sc);
    return "discs " + sc.discs + (sc.end ? " · " + String(sc.end).replace(/-/g, " ") : "");
  }

  LS.addRenderer("connect-four", {
    maxCell: 72,
    prepare: prepare,
    grid: function (model) { return { width: model.c4.columns, height: model.c4.rows }; },
    background: background,
    draw: draw,
    describe: describe,
    seat: seat,
    score: score,
    legend: function () { return [[LAST, "last drop"], [WIN, "four in a row"]]; },
  });
})();
