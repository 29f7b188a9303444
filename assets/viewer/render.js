// Lockstep replay viewer: the map on a <canvas>, the tick's units, cores and
// orders, and a tooltip on hover.
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  var WALL = "#39414f", FLOOR = "#eef0f3", GRID = "#e1e4e9", SOURCE = "#f4c20d";

  function MapView(canvas, tooltip, model) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.model = model;
    this.cell = 16;
    this.index = 0;
    var self = this;
    this.hovered = null;
    canvas.addEventListener("mousemove", function (e) { self.hover(e); });
    canvas.addEventListener("mouseleave", function () { self.hovered = null; tooltip.hidden = true; });
  }

  // Chooses the cell size that fits the box and sizes the canvas for the screen.
  MapView.prototype.layout = function (maxWidth, maxHeight) {
    var m = this.model;
    var cell = Math.floor(Math.min(maxWidth / m.width, maxHeight / m.height));
    this.cell = Math.max(3, Math.min(40, cell));
    var dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = m.width * this.cell + "px";
    this.canvas.style.height = m.height * this.cell + "px";
    this.canvas.width = Math.round(m.width * this.cell * dpr);
    this.canvas.height = Math.round(m.height * this.cell * dpr);
    this.dpr = dpr;
    this.background = null;
  };

  // Walls, floor and sources never change: drawn once per layout.
  MapView.prototype.drawBackground = function () {
    var m = this.model, c = this.cell;
    var bg = document.createElement("canvas");
    bg.width = this.canvas.width;
    bg.height = this.canvas.height;
    var g = bg.getContext("2d");
    g.scale(this.dpr, this.dpr);
    g.fillStyle = FLOOR;
    g.fillRect(0, 0, m.width * c, m.height * c);
    if (c >= 8) {
      g.strokeStyle = GRID;
      g.lineWidth = 1;
      g.beginPath();
      for (var x = 1; x < m.width; x++) { g.moveTo(x * c + 0.5, 0); g.lineTo(x * c + 0.5, m.height * c); }
      for (var y = 1; y < m.height; y++) { g.moveTo(0, y * c + 0.5); g.lineTo(m.width * c, y * c + 0.5); }
      g.stroke();
    }
    for (y = 0; y < m.height; y++) {
      for (x = 0; x < m.width; x++) {
        var ch = m.rows[y][x];
        if (ch === "#") {
          g.fillStyle = WALL;
          g.fillRect(x * c, y * c, c, c);
        } else if (ch === "*") {
          diamond(g, (x + 0.5) * c, (y + 0.5) * c, c * 0.36);
        }
      }
    }
    this.background = bg;
  };

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

  MapView.prototype.draw = function (index) {
    var m = this.model, c = this.cell, t = m.ticks[index];
    this.index = index;
    if (!this.background) this.drawBackground();
    var g = this.canvas.getContext("2d");
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.drawImage(this.background, 0, 0);
    g.scale(this.dpr, this.dpr);
    if (!t) return;
    var font = "600 " + Math.max(8, Math.round(c * 0.42)) + "px system-ui, sans-serif";
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
        g.font = font;
        g.fillText(LS.LETTERS[core[0]] || "?", x + c / 2, y + c / 2);
      }
      if (c >= 8) hpBar(g, x + 2, y + c - Math.max(4, c / 6), c - 4, core[3] / m.maxCoreHp, "#3ddc84");
    });
    var small = c < 16;
    t.units.forEach(function (u) {
      var cx = (u[2] + 0.5) * c, cy = (u[3] + 0.5) * c, frac = u[4] / m.maxUnitHp;
      g.globalAlpha = 0.45 + 0.55 * Math.max(0, Math.min(1, frac));
      g.beginPath();
      g.arc(cx, cy, c * 0.38, 0, Math.PI * 2);
      g.fillStyle = LS.color(u[1]);
      g.fill();
      g.globalAlpha = 1;
      g.lineWidth = Math.max(1, c / 14);
      g.strokeStyle = "#fff";
      g.stroke();
      if (!small) {
        g.fillStyle = "#fff";
        g.font = "600 " + Math.max(8, Math.round(c * (u[0] > 99 ? 0.3 : 0.38))) + "px system-ui, sans-serif";
        g.fillText(String(u[0]), cx, cy + 0.5);
      }
      if (c >= 8 && frac < 1) hpBar(g, u[2] * c + c * 0.15, u[3] * c + c * 0.84, c * 0.7, frac, "#3ddc84");
    });
    this.drawOrders(g, t);
    if (this.hovered) this.showTooltip(this.hovered[0], this.hovered[1]);
  };

  // The tick's orders: a short arrow per move, a red strike per attack, a
  // gold dash per harvest and a dashed square where a spawn is ordered.
  MapView.prototype.drawOrders = function (g, t) {
    var c = this.cell, at = {};
    t.units.forEach(function (u) { at[u[0]] = u; });
    var cores = {};
    t.cores.forEach(function (k) { cores[k[0]] = k; });
    t.bots.forEach(function (b, seat) {
      b.actions.forEach(function (a) {
        var p = LS.actionParts(a);
        if (!p) return;
        var d = LS.DIRS[p.dir];
        if (p.kind === "Spawn") {
          var core = cores[seat];
          if (!core) return;
          g.setLineDash([3, 3]);
          g.strokeStyle = LS.color(seat);
          g.lineWidth = 1.5;
          g.strokeRect((core[1] + d[0]) * c + 2.5, (core[2] + d[1]) * c + 2.5, c - 5, c - 5);
          g.setLineDash([]);
          return;
        }
        var u = at[p.unit];
        if (!u || u[1] !== seat) return;
        // From the rim of the unit's disc across the edge of its cell.
        var cx = (u[2] + 0.5) * c, cy = (u[3] + 0.5) * c, from = c * 0.3, to = c * 0.8;
        var color = p.kind === "Attack" ? "#e02424" : p.kind === "Harvest" ? "#a87c00" : "#1c2230";
        arrow(g, cx + d[0] * from, cy + d[1] * from, cx + d[0] * to, cy + d[1] * to, color, Math.max(1.5, c / 12));
      });
    });
  };

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
  MapView.prototype.describe = function (x, y) {
    var m = this.model, t = m.ticks[this.index], lines = [];
    if (t) {
      t.units.forEach(function (u) {
        if (u[2] === x && u[3] === y) {
          lines.push("unit " + u[0] + " · " + m.names[u[1]] + " (seat " + u[1] + ") · hp " + u[4] + "/" + m.maxUnitHp);
        }
      });
      t.cores.forEach(function (k) {
        if (k[1] === x && k[2] === y) {
          lines.push("core " + (LS.LETTERS[k[0]] || "?") + " · " + m.names[k[0]] + " · hp " + k[3] + "/" + m.maxCoreHp);
        }
      });
    }
    var ch = m.rows[y][x];
    if (ch === "#") lines.push("wall");
    if (ch === "*") lines.push("energy source");
    lines.push("(" + x + ", " + y + ")");
    return lines.join("\n");
  };

  MapView.prototype.hover = function (e) {
    var rect = this.canvas.getBoundingClientRect();
    var x = Math.floor((e.clientX - rect.left) / this.cell), y = Math.floor((e.clientY - rect.top) / this.cell);
    if (x < 0 || y < 0 || x >= this.model.width || y >= this.model.height) {
      this.hovered = null;
      this.tooltip.hidden = true;
      return;
    }
    this.hovered = [x, y];
    this.showTooltip(x, y);
  };

  // Kept up to date while the match plays under a still mouse.
  MapView.prototype.showTooltip = function (x, y) {
    var tip = this.tooltip, c = this.cell, left = this.canvas.offsetLeft;
    tip.textContent = this.describe(x, y);
    tip.hidden = false;
    // Beside the cell, on the side with more room.
    tip.style.left = (x < this.model.width / 2 ? left + (x + 1) * c + 6 : left + x * c - 6 - tip.offsetWidth) + "px";
    tip.style.top = this.canvas.offsetTop + y * c + "px";
  };

  LS.MapView = MapView;
})();
