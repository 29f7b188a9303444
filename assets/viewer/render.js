// Lockstep replay viewer: the board. The shared part (the canvas, its size,
// hover and tooltip) and the renderers, one per game, that draw on it.
//
// A RENDERER FOR A NEW GAME is one file, assets/viewer/games/<game>.js (add
// its script tag to index.html: the single page and the server take the
// list from there, sim/engine/build.rs), that calls
//   LS.addRenderer("<game>", { ...members below... })
// with the name the replay header's "game" carries. A game with no renderer
// gets the generic one at the end of this file: the tick's world as text.
//
// The data it draws: `model` (from LS.parseReplay, model.js) holds
// model.header (the replay header: "game", "map", "config", "players"),
// model.seats, model.names, model.result and model.frames, one per tick and
// one "final" frame after the last tick. A frame is
//   {tick, world, bots, hash, final}
// where `world` is the game's own view at the start of the tick (the keys its
// `GameDef::view` writes: what the bots saw), `bots[seat]` what that seat did
// this tick ({called, outcome, actions, fuel, budget, logs, ...}; empty on
// the final frame), and `final` is true on the frame after the last tick.
// Seat colours: LS.color(seat); seat letters: LS.letter(seat).
//
// Members (all optional but one of `draw` and `text`):
//   prepare(model)     Checks, once, what draw reads in every frame (throw
//                      Error("ticks[3].snakes must be a list") to refuse the
//                      replay: the page shows the message) and keeps what it
//                      derives on the model. May raise model.seats.
//   grid(model)        -> {width, height}: the board in cells. The page sizes
//                      the canvas to fit square cells of `cell` CSS pixels.
//   background(g, model, cell)  Draws what never changes (cached per size).
//   draw(g, frame, model, cell) -> report. Draws one frame on the canvas's
//                      2D context `g` (in CSS pixels, over the background).
//                      Returns a small plain object saying what it drew
//                      ({discs: 12}, {snakes: 2, segments: 9}): tests read it
//                      as lockstepViewer.drawn() and canvas.dataset.drawn.
//   describe(frame, model, x, y) -> text: the tooltip for cell (x, y).
//   text(frame, model) -> text: shown instead of a canvas (the generic view).
//   seat(frame, model, seat) -> text: the line under a bot's name, per frame.
//   score(score, model, seat) -> text: a seat's final score from
//                      result.scores (default: LS.scoreText, its keys).
//   legend(model)      -> [[colour, label], ...]: what the marks mean.
//   maxCell            The largest cell in CSS pixels (default 40): a small
//                      board's cells would otherwise grow huge.
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  var renderers = {};

  LS.addRenderer = function (game, renderer) {
    renderer.name = game;
    renderers[game] = renderer;
  };

  // The renderer of `game`, else the generic one.
  LS.rendererFor = function (game) {
    return Object.prototype.hasOwnProperty.call(renderers, game) ? renderers[game] : renderers.generic;
  };

  // The board: `canvas` for renderers that draw, `textBox` for those that
  // write, `tooltip` over the hovered cell.
  function Board(canvas, tooltip, textBox, model) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.textBox = textBox;
    this.model = model;
    this.renderer = model.renderer;
    this.grid = this.renderer.grid ? this.renderer.grid(model) : null;
    this.cell = 16;
    this.index = 0;
    this.report = null;
    this.hovered = null;
    canvas.hidden = !this.grid;
    textBox.hidden = !!this.grid;
    canvas.dataset.renderer = this.renderer.name;
    var self = this;
    canvas.onmousemove = function (e) { self.hover(e); };
    canvas.onmouseleave = function () { self.hovered = null; tooltip.hidden = true; };
  }

  // Chooses the cell size that fits the box and sizes the canvas for the screen.
  Board.prototype.layout = function (maxWidth, maxHeight) {
    if (!this.grid) return;
    var w = this.grid.width, h = this.grid.height;
    var cell = Math.floor(Math.min(maxWidth / w, maxHeight / h));
    this.cell = Math.max(3, Math.min(this.renderer.maxCell || 40, cell));
    var dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = w * this.cell + "px";
    this.canvas.style.height = h * this.cell + "px";
    this.canvas.width = Math.round(w * this.cell * dpr);
    this.canvas.height = Math.round(h * this.cell * dpr);
    this.dpr = dpr;
    this.background = null;
  };

  Board.prototype.drawBackground = function () {
    var bg = document.createElement("canvas");
    bg.width = this.canvas.width;
    bg.height = this.canvas.height;
    var g = bg.getContext("2d");
    g.scale(this.dpr, this.dpr);
    if (this.renderer.background) this.renderer.background(g, this.model, this.cell);
    this.background = bg;
  };

  Board.prototype.draw = function (index) {
    var frame = this.model.frames[index];
    this.index = index;
    var report;
    if (!this.grid) {
      this.textBox.textContent = frame ? this.renderer.text(frame, this.model) : "";
      report = { text: this.textBox.textContent.length };
    } else {
      if (!this.background) this.drawBackground();
      var g = this.canvas.getContext("2d");
      g.setTransform(1, 0, 0, 1, 0, 0);
      g.clearRect(0, 0, this.canvas.width, this.canvas.height);
      g.drawImage(this.background, 0, 0);
      g.scale(this.dpr, this.dpr);
      report = frame ? this.renderer.draw(g, frame, this.model, this.cell) || {} : {};
      if (this.hovered) this.showTooltip(this.hovered[0], this.hovered[1]);
    }
    this.report = report;
    this.canvas.dataset.drawn = JSON.stringify(report);
  };

  Board.prototype.hover = function (e) {
    var rect = this.canvas.getBoundingClientRect();
    var x = Math.floor((e.clientX - rect.left) / this.cell), y = Math.floor((e.clientY - rect.top) / this.cell);
    if (!this.grid || x < 0 || y < 0 || x >= this.grid.width || y >= this.grid.height) {
      this.hovered = null;
      this.tooltip.hidden = true;
      return;
    }
    this.hovered = [x, y];
    this.showTooltip(x, y);
  };

  // Kept up to date while the match plays under a still mouse.
  Board.prototype.showTooltip = function (x, y) {
    var tip = this.tooltip, c = this.cell, left = this.canvas.offsetLeft;
    var frame = this.model.frames[this.index];
    var lines = frame && this.renderer.describe ? this.renderer.describe(frame, this.model, x, y) : "";
    tip.textContent = (lines ? lines + "\n" : "") + "(" + x + ", " + y + ")";
    tip.hidden = false;
    // Beside the cell, on the side with more room.
    tip.style.left = (x < this.grid.width / 2 ? left + (x + 1) * c + 6 : left + x * c - 6 - tip.offsetWidth) + "px";
    tip.style.top = this.canvas.offsetTop + y * c + "px";
  };

  LS.Board = Board;

  // Shared drawing helpers for renderers.
  LS.draw = {
    // Thin lines between the cells of a w×h grid (when cells are big enough).
    gridLines: function (g, w, h, c, color) {
      if (c < 8) return;
      g.strokeStyle = color;
      g.lineWidth = 1;
      g.beginPath();
      for (var x = 1; x < w; x++) { g.moveTo(x * c + 0.5, 0); g.lineTo(x * c + 0.5, h * c); }
      for (var y = 1; y < h; y++) { g.moveTo(0, y * c + 0.5); g.lineTo(w * c, y * c + 0.5); }
      g.stroke();
    },
    disc: function (g, cx, cy, r, fill, stroke, width) {
      g.beginPath();
      g.arc(cx, cy, r, 0, Math.PI * 2);
      if (fill) { g.fillStyle = fill; g.fill(); }
      if (stroke) { g.strokeStyle = stroke; g.lineWidth = width || 1; g.stroke(); }
    },
  };

  // JSON with objects one key a line and short lists on one line.
  function pretty(v, indent) {
    var flat = JSON.stringify(v);
    if (flat === undefined) return "null";
    if (v === null || typeof v !== "object" || flat.length + indent.length <= 96) return flat;
    var inner = indent + "  ";
    if (Array.isArray(v)) {
      return "[\n" + v.map(function (x) { return inner + pretty(x, inner); }).join(",\n") + "\n" + indent + "]";
    }
    return "{\n" + Object.keys(v).map(function (k) {
      return inner + JSON.stringify(k) + ": " + pretty(v[k], inner);
    }).join(",\n") + "\n" + indent + "}";
  }
  LS.pretty = pretty;

  // The fallback for a game this viewer has no renderer for: the tick's world
  // as JSON text, so that any game's replay opens.
  LS.addRenderer("generic", {
    text: function (frame) {
      var head = frame.final ? "// the world after the last tick\n" : "// the world the bots saw at tick " + frame.tick + "\n";
      return head + pretty(frame.world, "");
    },
  });
})();
