// Lockstep replay viewer: the panels every game shares. The match header
// (bots, modules, settings, result), the board's legend, and one card per
// seat with the frame's outcome, fuel, orders and log lines. What is
// game-specific comes from the renderer (render.js): its `seat`, `score` and
// `legend` members.
"use strict";
var LS = window.LS || (window.LS = {});

(function () {
  function $(id) { return document.getElementById(id); }

  function text(tag, content, cls) {
    var e = document.createElement(tag);
    if (content !== undefined) e.textContent = content;
    if (cls) e.className = cls;
    return e;
  }
  LS.text = text;

  LS.buildHeader = function (m, grid) {
    var h = m.header, cfg = m.config, map = LS.isObject(h.map) ? h.map : {};
    var mapName = map.name || "?";
    document.title = "Lockstep replay: " + m.names.join(" vs ") + " (" + m.game + ") on " + mapName;
    $("title").textContent = m.names.join(" vs ");
    var meta = [
      ["game", m.game + (m.renderer.name === m.game ? "" : " (shown as text: no renderer for it)")],
      ["map", mapName + (grid ? " " + grid.width + "×" + grid.height : "")],
      ["seed", h.seed],
      ["ticks", m.ticks.length + (cfg.max_ticks !== undefined && cfg.max_ticks !== null ? " of " + cfg.max_ticks : "")],
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
    res.style.removeProperty("--seat");
    if (r) {
      var win = r.winner === null || r.winner === undefined ? "Draw" :
        "Winner: " + (r.winner_bot || m.names[r.winner]) + " (seat " + r.winner + ")";
      res.appendChild(text("strong", win));
      if (typeof r.ticks === "number") res.appendChild(text("span", " after " + r.ticks + " ticks"));
      if (typeof r.winner === "number") res.style.setProperty("--seat", LS.color(r.winner));
    }
    var players = $("players");
    players.textContent = "";
    var score = m.renderer.score || LS.scoreText;
    for (var s = 0; s < m.seats; s++) {
      var p = m.players.find(function (q) { return q.seat === s; }) || m.players[s] || {};
      var chip = text("div", "", "player");
      chip.style.setProperty("--seat", LS.color(s));
      var hash = typeof p.module_hash === "string" ? p.module_hash : "";
      var hashEl = text("code", hash ? hash.slice(0, 12) + "…" : "no hash", "hash");
      hashEl.title = "module blake3 " + hash;
      chip.append(text("span", LS.letter(s), "letter"), text("span", m.names[s], "name"),
        text("span", p.encoding || "", "enc"), hashEl);
      var sc = r && Array.isArray(r.scores) ? r.scores[s] : undefined;
      if (sc !== undefined && sc !== null) chip.appendChild(text("span", score(sc, m, s), "final"));
      players.appendChild(chip);
    }
    var legend = $("legend");
    legend.textContent = "";
    (m.renderer.legend ? m.renderer.legend(m) : []).forEach(function (item) {
      var entry = text("span", item[1], "legend-item");
      entry.style.setProperty("--swatch", item[0]);
      legend.appendChild(entry);
    });
    legend.hidden = !legend.childNodes.length;
  };

  // One card per seat, filled in by update() at every frame.
  function BotCards(root, model) {
    this.model = model;
    this.cards = [];
    root.textContent = "";
    for (var s = 0; s < model.seats; s++) {
      var card = text("section", "", "bot");
      card.style.setProperty("--seat", LS.color(s));
      var head = text("header");
      head.append(text("span", LS.letter(s), "letter"), text("span", model.names[s], "name"));
      var outcome = text("span", "", "outcome");
      head.appendChild(outcome);
      var c = {
        outcome: outcome, stats: text("div", "", "stats"), detail: text("div", "", "detail"),
        actions: text("ol", "", "actions"), logs: text("pre", "", "logs"),
      };
      card.append(head, c.stats, c.detail, text("h3", "orders"), c.actions, text("h3", "log"), c.logs);
      root.appendChild(card);
      this.cards.push(c);
    }
  }

  BotCards.prototype.update = function (frame) {
    var m = this.model, seatText = m.renderer.seat;
    this.cards.forEach(function (card, s) {
      var b = frame && frame.bots[s];
      card.stats.textContent = frame && seatText ? seatText(frame, m, s) : "";
      card.outcome.textContent = b ? (b.called ? (b.outcome || "?").replace(/_/g, " ") : b.outcome || "not called") :
        frame && frame.final ? "match over" : "—";
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
  };

  LS.BotCards = BotCards;
})();
