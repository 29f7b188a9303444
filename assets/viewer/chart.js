// Lockstep replay viewer: fuel used per tick, one small inline-SVG chart per
// bot, against its budget (dashed), with a cursor at the current tick. The
// same for every game: it reads only the ticks' "bots".
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  var NS = "http://www.w3.org/2000/svg", H = 100;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }

  // `root` gets the charts, `scaleLabel` says the top of their scale.
  function FuelCharts(root, scaleLabel, model, onSeek) {
    this.scaleLabel = scaleLabel;
    this.model = model;
    this.rows = [];
    var n = Math.max(1, model.ticks.length), self = this;
    for (var seat = 0; seat < model.seats; seat++) {
      var row = document.createElement("div");
      row.className = "chart";
      var label = document.createElement("div");
      label.className = "chart-label";
      var name = document.createElement("span");
      name.className = "swatch-name";
      name.style.setProperty("--seat", LS.color(seat));
      name.textContent = model.names[seat];
      var value = document.createElement("span");
      value.className = "chart-value";
      label.append(name, value);
      var svg = el("svg", { viewBox: "0 0 " + n + " " + H, preserveAspectRatio: "none", role: "img" });
      svg.setAttribute("aria-label", "fuel per tick of " + model.names[seat]);
      var series = model.ticks.map(function (t) { return t.bots[seat] || null; });
      var chart = { seat: seat, svg: svg, value: value, series: series };
      chart.budget = el("path", { class: "budget" }, svg);
      chart.area = el("polygon", { class: "area", fill: LS.color(seat) }, svg);
      chart.line = el("polyline", { class: "used", stroke: LS.color(seat) }, svg);
      chart.marks = el("g", { class: "marks" }, svg);
      chart.cursor = el("line", { class: "cursor", y1: 0, y2: H }, svg);
      svg.addEventListener("click", function (e) {
        var r = this.getBoundingClientRect();
        onSeek(Math.floor((e.clientX - r.left) / r.width * n));
      });
      row.append(label, svg);
      root.appendChild(row);
      this.rows.push(chart);
    }
    // Zoomed from the start when every bot stays under a quarter of its budget.
    var peak = 0, budget = 0;
    this.rows.forEach(function (chart) {
      chart.series.forEach(function (b, i) {
        if (b && i > 0) { peak = Math.max(peak, b.fuel); budget = Math.max(budget, b.budget); }
      });
    });
    this.fit = budget > 0 && peak < budget / 4;
    this.draw();
  }

  function short(n) {
    if (n >= 1e9) return +(n / 1e9).toPrecision(3) + "G";
    if (n >= 1e6) return +(n / 1e6).toPrecision(3) + "M";
    if (n >= 1e3) return +(n / 1e3).toPrecision(3) + "k";
    return String(Math.round(n));
  }

  // The top of the scale, shared by every bot's chart: the largest budget
  // after tick 0 (whose first call may have a larger one), or, zoomed, the
  // largest fuel actually used.
  FuelCharts.prototype.scale = function () {
    var top = 1, fit = this.fit;
    this.rows.forEach(function (chart) {
      chart.series.forEach(function (b, i) {
        if (!b || (i === 0 && chart.series.length > 1)) return;
        top = Math.max(top, fit ? b.fuel * 1.15 : Math.max(b.budget, b.fuel));
      });
    });
    return fit ? top : Math.max(top, this.model.config.tick_fuel || 1);
  };

  FuelCharts.prototype.draw = function () {
    var top = this.scale();
    this.scaleLabel.textContent = "scale 0–" + short(top) + " fuel";
    this.rows.forEach(function (chart) {
      var y = function (v) { return (H - Math.min(1, v / top) * (H - 2)).toFixed(2); };
      var used = [], budget = "", marks = [], gap = true;
      chart.series.forEach(function (b, i) {
        var fuel = b ? b.fuel : 0;
        used.push(i + "," + y(fuel), i + 1 + "," + y(fuel));
        // A budget above the scale (the first call, or any when zoomed) leaves a gap.
        var shown = b && b.budget && b.budget <= top;
        if (shown) budget += (gap ? "M" : "L") + i + "," + y(b.budget) + "L" + (i + 1) + "," + y(b.budget);
        gap = !shown;
        if (b && b.called && b.outcome !== "ok") marks.push(i);
      });
      chart.line.setAttribute("points", used.join(" "));
      chart.area.setAttribute("points", "0," + H + " " + used.join(" ") + " " + chart.series.length + "," + H);
      chart.budget.setAttribute("d", budget);
      while (chart.marks.firstChild) chart.marks.removeChild(chart.marks.firstChild);
      marks.forEach(function (i) {
        var b = chart.series[i];
        var mark = el("rect", { x: i, y: 0, width: 1, height: H, class: "mark " + LS.outcomeClass(b) }, chart.marks);
        el("title", {}, mark).textContent = "tick " + i + ": " + LS.outcomeText(b);
      });
    }, this);
  };

  FuelCharts.prototype.setFit = function (fit) {
    this.fit = fit;
    this.draw();
  };

  FuelCharts.prototype.update = function (index) {
    this.rows.forEach(function (chart) {
      // The frame after the last tick: the cursor at the right edge.
      var x = Math.min(index + 0.5, chart.series.length);
      chart.cursor.setAttribute("x1", x);
      chart.cursor.setAttribute("x2", x);
      var b = chart.series[index];
      if (index >= chart.series.length) {
        chart.value.textContent = "match over";
      } else if (!b || !b.called) {
        chart.value.textContent = "tick " + index + ": not called";
      } else {
        var pct = b.budget ? " (" + (100 * b.fuel / b.budget).toFixed(1) + "%)" : "";
        chart.value.textContent = "tick " + index + ": " + LS.fmt(b.fuel) + " / " + LS.fmt(b.budget) + pct;
      }
    });
  };

  LS.FuelCharts = FuelCharts;
})();
