// The explorer page's script (see explorer.py). No libraries: a small layered layout, SVG
// drawing, zoom and pan, and the step-through of the backward pass.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('explorer-data').textContent);
  var N = D.nodes, E = D.edges, G = D.groups, S = D.steps;
  var NS = 'http://www.w3.org/2000/svg';
  var svg = document.getElementById('canvas'), vp = document.getElementById('viewport');
  var slider = document.getElementById('slider');
  var FONT = '12px "DejaVu Sans", Verdana, sans-serif', LINE = 16, PADX = 8, PADY = 6;
  var RANK_GAP = 40, NODE_GAP = 12;

  var preds = N.map(function () { return []; }), succs = N.map(function () { return []; });
  E.forEach(function (e, k) { succs[e[0]].push(k); preds[e[1]].push(k); });

  // ---- text ----------------------------------------------------------------------------
  var ctx2d = document.createElement('canvas').getContext('2d');
  ctx2d.font = FONT;
  function textWidth(s) { return ctx2d.measureText(s).width; }
  // The longest running total each tensor shows, so its box never has to grow while stepping.
  var widest = N.map(function (nd) { return nd.kind === 't' ? 1 : 0; });
  S.forEach(function (s) { if (s[1] >= 0) widest[s[1]] = Math.max(widest[s[1]], s[9].length); });
  widest[D.root] = Math.max(widest[D.root], D.seed.length);
  function lines(n) {   // [[text, cssClass], ...] per line; the grad part is filled in by steps
    var nd = N[n];
    if (nd.kind === 'o' || nd.kind === 'c') return [[[nd.name, '']]];
    var pad = new Array(widest[n] + 1).join('0');
    if (!nd.shape) return [[[nd.name, 'nm'], ['  data ' + nd.data, ''], ['  grad ' + pad, 'grad']]];
    return [[[nd.name + '  ', 'nm'], [nd.shape, 'dim']], [['data ' + nd.data, '']], [['grad ' + pad, 'grad']]];
  }

  // ---- what is drawn: nodes, or the collapsed box holding them -----------------------------
  function unitOf(n) {
    var path = N[n].groups;
    for (var i = 0; i < path.length; i++) if (!G[path[i]].open) return 'g' + path[i];
    return 'n' + n;
  }
  var units, unitEdges, U;  // unit key -> {key, x, y, w, h, ...}
  function build() {
    units = []; U = {}; unitEdges = [];
    var byPair = {};
    N.forEach(function (nd, n) {
      var key = unitOf(n);
      if (!U[key]) { U[key] = {key: key, order: units.length, members: [], preds: [], succs: []}; units.push(U[key]); }
      U[key].members.push(n);
    });
    E.forEach(function (e, k) {
      var a = unitOf(e[0]), b = unitOf(e[1]);
      if (a === b) return;
      var pk = a + '>' + b, ue = byPair[pk];
      if (!ue) {
        ue = byPair[pk] = {src: a, dst: b, model: [], id: 'e_' + N[e[0]].id + '_' + N[e[1]].id + '_' + e[2]};
        unitEdges.push(ue); U[a].succs.push(b); U[b].preds.push(a);
      }
      ue.model.push(k);
    });
    ghostUnits();
    units.forEach(function (u) {
      if (u.key[0] === 'h') {
        u.lines = [[[N[u.of].name, 'nm']]];
      } else if (u.key[0] === 'n') {
        u.lines = lines(u.members[0]);
      } else {
        var g = G[+u.key.slice(1)];
        var head = g.kind === 'roll' ? g.title + '  (repeats of ' + g.period + ' ops)' : g.title;
        // The third line says which node inside the closed box the current step reaches.
        var reach = u.members.reduce(function (w, m) {
          return N[m].kind === 't' ? Math.max(w, N[m].name.length + widest[m] + 16) : w;
        }, 0);
        u.lines = [[['\u25B8 ' + head, 'nm']], [[u.members.length + ' nodes: click to open', 'dim']],
                   [[new Array(Math.min(reach, 60) + 1).join('0'), 'at']]];
      }
      u.w = 2 * PADX + Math.max.apply(null, u.lines.map(function (l) {
        // the gradient is written in bold: measured in the regular font, it needs ~10% more
        return l.reduce(function (w, p) { return w + textWidth(p[0]) * (p[1] === 'grad' ? 1.12 : 1); }, 0);
      }));
      u.h = 2 * PADY + LINE * u.lines.length;
    });
    layout();
  }

  // A leaf read by more than GHOST_USES boxes (a shared weight) is drawn once, at its first
  // use; every other use reads a small dashed copy of it next to that use ('h' units; a click
  // on one selects the leaf), so its edges stay short (as in the static picture, view.py).
  var GHOST_USES = D.ghost_uses, ghostOf = {};
  function ghostUnits() {
    ghostOf = {};
    units.slice().forEach(function (u) {
      if (u.key[0] !== 'n' || N[u.members[0]].kind !== 't' || u.preds.length || u.succs.length <= GHOST_USES) return;
      var n = u.members[0];
      unitEdges.forEach(function (ue) {
        if (ue.src !== u.key || ue.dst === u.succs[0]) return;
        var key = 'h' + n + '_' + ue.dst, h = {key: key, order: U[ue.dst].order - 0.5, members: [n], of: n,
                                                preds: [], succs: [ue.dst]};
        U[key] = h; units.push(h);
        var ps = U[ue.dst].preds; ps[ps.indexOf(u.key)] = key;
        ghostOf[u.key + '>' + ue.dst] = key;
        ue.orig = u.key + '>' + ue.dst; ue.src = key;
        ue.id = ue.id.replace('e_' + N[n].id + '_', 'e_' + N[n].id + '_use_');
      });
      u.succs = [u.succs[0]];
    });
  }

  // ---- layout: ranks by longest path, order and heights by neighbours' positions --------------
  // Ranks run left to right (LR) or top to bottom (TB); 'auto' picks the one that shows the
  // graph larger in the window. TB is laid out as LR with width and height swapped.
  var dir = 'auto', shown = 'LR';
  function layout() {
    if (dir !== 'auto') { layoutAs(dir); return; }
    var v = size(), best = null;
    ['LR', 'TB'].forEach(function (d) {
      layoutAs(d);
      var s = Math.min(v.w / bounds.w, v.h / bounds.h);
      if (!best || s > best.s * 1.05) best = {d: d, s: s};
    });
    if (best.d !== shown) layoutAs(best.d);
  }
  function layoutAs(d) {
    var swap = d === 'TB';
    if (swap) units.forEach(function (u) { var t = u.w; u.w = u.h; u.h = t; });
    layoutLR();
    if (swap) {
      units.forEach(function (u) { var t = u.w; u.w = u.h; u.h = t; t = u.x; u.x = u.y; u.y = t; });
      bounds = {w: bounds.h, h: bounds.w};
    }
    shown = d;
  }
  function layoutLR() {
    var indeg = {}, rank = {}, queue = [], done = 0;
    units.forEach(function (u) { indeg[u.key] = u.preds.length; if (!u.preds.length) queue.push(u.key); });
    var left = units.slice();
    while (done < units.length) {
      if (!queue.length) {  // a cycle between boxes: break it at the earliest unit left
        var pick = left.filter(function (u) { return !(u.key in rank) && indeg[u.key] > 0; })[0];
        indeg[pick.key] = 0; queue.push(pick.key);
      }
      var k = queue.shift(), u = U[k];
      if (k in rank) continue;
      rank[k] = 0;
      u.preds.forEach(function (p) { if (p in rank) rank[k] = Math.max(rank[k], rank[p] + 1); });
      done++;
      u.succs.forEach(function (s) { if (--indeg[s] === 0) queue.push(s); });
    }
    units.forEach(function (u) {  // leaves sit just before their first user
      if (!u.preds.length && u.succs.length) {
        rank[u.key] = Math.max(0, Math.min.apply(null, u.succs.map(function (s) { return rank[s]; })) - 1);
      }
      u.rank = rank[u.key];
    });
    var nr = 1 + Math.max.apply(null, units.map(function (u) { return u.rank; }));
    var cols = []; for (var r = 0; r < nr; r++) cols.push([]);
    units.forEach(function (u) { cols[u.rank].push(u); });
    var x = 0;
    cols.forEach(function (col) {
      var w = Math.max.apply(null, [0].concat(col.map(function (u) { return u.w; })));
      col.forEach(function (u) { u.x = x; });
      x += w + RANK_GAP;
    });
    cols.forEach(function (col) {
      var y = 0;
      col.forEach(function (u) { u.y = y; y += u.h + NODE_GAP; });
    });
    function mid(u) { return u.y + u.h / 2; }
    function place(col, want) {
      col.sort(function (a, b) { return want[a.key] - want[b.key] || a.order - b.order; });
      var down = [], up = [], i, y = -Infinity;
      for (i = 0; i < col.length; i++) { y = Math.max(want[col[i].key] - col[i].h / 2, y); down.push(y); y += col[i].h + NODE_GAP; }
      y = Infinity;
      for (i = col.length - 1; i >= 0; i--) {
        y = Math.min(want[col[i].key] - col[i].h / 2, y - col[i].h); up[i] = y; y -= NODE_GAP;
      }
      for (i = 0; i < col.length; i++) col[i].y = (down[i] + up[i]) / 2;
    }
    function sweep(colsInOrder, nbr) {
      colsInOrder.forEach(function (col) {
        var want = {};
        col.forEach(function (u) {
          var ns = u[nbr];
          want[u.key] = ns.length ? ns.reduce(function (s, k) { return s + mid(U[k]); }, 0) / ns.length : mid(u);
        });
        place(col, want);
      });
    }
    for (var it = 0; it < 4; it++) { sweep(cols, 'preds'); sweep(cols.slice().reverse(), 'succs'); }
    sweep(cols, 'preds');
    var top = Math.min.apply(null, units.map(function (u) { return u.y; }));
    units.forEach(function (u) { u.y -= top; });
    bounds = {w: x - RANK_GAP, h: Math.max.apply(null, units.map(function (u) { return u.y + u.h; }))};
  }
  var bounds = {w: 1, h: 1};

  // ---- drawing --------------------------------------------------------------------------
  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (parent) parent.appendChild(e);
    return e;
  }
  var gradSpans, atSpans, nodeEls, edgeEls, modelEdgeEl;
  function draw() {
    while (vp.firstChild) vp.removeChild(vp.firstChild);
    gradSpans = {}; atSpans = {}; nodeEls = {}; edgeEls = {}; modelEdgeEl = {};
    // Open boxes (modules, chains) as a frame behind their members; its title closes it.
    G.forEach(function (g, k) {
      if (!g.open) return;
      var mem = units.filter(function (u) {
        var v = u.key[0] === 'h' ? U[u.succs[0]] : u;  // a ghost sits in its use's box
        return v.key[0] === 'n' && N[v.members[0]].groups.indexOf(k) >= 0;
      });
      if (!mem.length) return;
      var x0 = Math.min.apply(null, mem.map(function (u) { return u.x; })) - 8;
      var y0 = Math.min.apply(null, mem.map(function (u) { return u.y; })) - 22;
      var x1 = Math.max.apply(null, mem.map(function (u) { return u.x + u.w; })) + 8;
      var y1 = Math.max.apply(null, mem.map(function (u) { return u.y + u.h; })) + 8;
      var box = el('g', {'class': 'box ' + g.kind, id: 'box' + k}, vp);
      el('rect', {x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 8}, box);
      var t = el('text', {x: x0 + 6, y: y0 + 14}, box);
      t.textContent = '\u25BE ' + g.title + ' (click to close)';
      t.addEventListener('click', function (ev) { ev.stopPropagation(); setOpen(k, false); });
    });
    var eg = el('g', {}, vp), ng = el('g', {}, vp);
    unitEdges.forEach(function (ue) {
      var a = U[ue.src], b = U[ue.dst];
      var d;
      if (shown === 'LR') {
        var x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2, c = Math.max(24, (x2 - x1) / 2);
        d = 'M' + x1 + ',' + y1 + ' C' + (x1 + c) + ',' + y1 + ' ' + (x2 - c) + ',' + y2 + ' ' + x2 + ',' + y2;
      } else {
        var X1 = a.x + a.w / 2, Y1 = a.y + a.h, X2 = b.x + b.w / 2, Y2 = b.y, C = Math.max(20, (Y2 - Y1) / 2);
        d = 'M' + X1 + ',' + Y1 + ' C' + X1 + ',' + (Y1 + C) + ' ' + X2 + ',' + (Y2 - C) + ' ' + X2 + ',' + Y2;
      }
      var g = el('g', {'class': 'edge' + (ue.orig ? ' ghost' : ''), id: ue.id}, eg);
      el('path', {d: d, 'marker-end': 'url(#arrow)'}, g);
      edgeEls[ue.src + '>' + ue.dst] = g;
      if (ue.orig) edgeEls[ue.orig] = g;  // a step along leaf -> op lights the ghost's edge
      ue.model.forEach(function (k) { modelEdgeEl[k] = g; });
    });
    units.forEach(function (u) {
      var isNode = u.key[0] === 'n', isGhost = u.key[0] === 'h', nd = isNode ? N[u.members[0]] : null;
      var cls = 'node ' + (isNode ? nd.kind + (nd.param ? ' param' : '') : isGhost ? 'ghost'
                           : 'grp ' + G[+u.key.slice(1)].kind);
      var gid = isNode ? nd.id : isGhost ? N[u.of].id + '_use_' + N[U[u.succs[0]].members[0]].id : 'grp' + u.key.slice(1);
      var g = el('g', {'class': cls, id: gid,
                       transform: 'translate(' + u.x + ',' + u.y + ')'}, ng);
      el('rect', {width: u.w, height: u.h, rx: nd && nd.kind === 'o' ? u.h / 2 : 5}, g);
      u.lines.forEach(function (line, i) {
        var t = el('text', {x: PADX, y: PADY + LINE * i + 12}, g);
        line.forEach(function (part) {
          var sp = el('tspan', part[1] ? {'class': part[1]} : {}, t);
          sp.textContent = part[0];
          if (part[1] === 'grad') gradSpans[u.members[0]] = sp;
          if (part[1] === 'at') { atSpans[u.key] = sp; sp.textContent = ' '; }
        });
      });
      if (isNode || isGhost) {
        var tip = el('title', {}, g);
        tip.textContent = isNode ? nd.name + (nd.shape ? ' ' + nd.shape : '')
                                 : N[u.of].name + ': shared, drawn in full once (click: select it)';
      }
      g.addEventListener('click', function (ev) {
        if (moved) return;
        ev.stopPropagation();
        if (isNode) select(u.members[0]); else if (isGhost) select(u.of); else setOpen(+u.key.slice(1), true);
      });
      nodeEls[u.key] = g;
    });
    var defs = el('defs', {}, vp), m = el('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
      markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto'}, defs);
    el('path', {d: 'M0,0 L10,5 L0,10 z', fill: '#888'}, m);
  }

  // ---- zoom and pan -------------------------------------------------------------------------
  var cam = {x: 0, y: 0, s: 1}, moved = false, fitted = false;
  function apply() { vp.setAttribute('transform', 'translate(' + cam.x + ',' + cam.y + ') scale(' + cam.s + ')'); }
  function size() { var r = svg.getBoundingClientRect(); return {w: r.width || 800, h: r.height || 500}; }
  function fit() {
    var v = size(), m = 20;
    cam.s = Math.min(2, (v.w - 2 * m) / bounds.w, (v.h - 2 * m) / bounds.h);
    cam.x = (v.w - bounds.w * cam.s) / 2; cam.y = (v.h - bounds.h * cam.s) / 2;
    apply();
    fitted = true;
  }
  function zoom(f, px, py) {
    var v = size(); if (px === undefined) { px = v.w / 2; py = v.h / 2; }
    var s = Math.max(0.02, Math.min(4, cam.s * f));
    cam.x = px - (px - cam.x) * s / cam.s; cam.y = py - (py - cam.y) * s / cam.s; cam.s = s;
    apply();
    fitted = false;
  }
  function follow(keys) {  // keep the step's units in view, at a size where text can be read
    var us = keys.map(function (k) { return U[k]; }).filter(Boolean);
    if (!us.length) return;
    var v = size();
    var x0 = Math.min.apply(null, us.map(function (u) { return u.x; }));
    var x1 = Math.max.apply(null, us.map(function (u) { return u.x + u.w; }));
    var y0 = Math.min.apply(null, us.map(function (u) { return u.y; }));
    var y1 = Math.max.apply(null, us.map(function (u) { return u.y + u.h; }));
    var inside = cam.x + x0 * cam.s >= 0 && cam.x + x1 * cam.s <= v.w && cam.y + y0 * cam.s >= 0 && cam.y + y1 * cam.s <= v.h;
    if (inside && cam.s >= 0.6) return;
    if (cam.s < 0.6) cam.s = Math.min(1, Math.max(0.6, Math.min(v.w / (x1 - x0 + 80), v.h / (y1 - y0 + 80))));
    cam.x = v.w / 2 - (x0 + x1) / 2 * cam.s; cam.y = v.h / 2 - (y0 + y1) / 2 * cam.s;
    apply();
    fitted = false;
  }
  var drag = null;
  svg.addEventListener('mousedown', function (e) { drag = {x: e.clientX, y: e.clientY, cx: cam.x, cy: cam.y}; moved = false; });
  window.addEventListener('mousemove', function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; document.getElementById('graph').classList.add('dragging'); }
    cam.x = drag.cx + dx; cam.y = drag.cy + dy; apply(); fitted = false;
  });
  window.addEventListener('mouseup', function () { drag = null; document.getElementById('graph').classList.remove('dragging'); });
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect();
    zoom(Math.exp(-e.deltaY / 400), e.clientX - r.left, e.clientY - r.top);
  }, {passive: false});
  svg.addEventListener('click', function () { if (!moved) select(-1); });

  // ---- paths and filters ------------------------------------------------------------------
  function reach(start, adj, end) {  // nodes reachable from start along adj (edge lists); no recursion
    var seen = {}, stack = [start];
    seen[start] = true;
    while (stack.length) {
      var n = stack.pop();
      adj[n].forEach(function (k) { var m = E[k][end]; if (!seen[m]) { seen[m] = true; stack.push(m); } });
    }
    return seen;
  }
  var order = S.map(function (s, k) { return k; }), cur = -1, selected = -1, onpath = {};
  var paramSel = document.getElementById('param');
  N.forEach(function (nd, n) {
    if (!nd.param) return;
    var o = document.createElement('option'); o.value = n; o.textContent = nd.name; paramSel.appendChild(o);
  });
  paramSel.addEventListener('change', function () {
    var p = +paramSel.value, was = order[cur];
    if (p < 0) order = S.map(function (s, k) { return k; });
    else {
      var down = reach(p, succs, 1);
      order = []; S.forEach(function (s, k) { if (s[1] >= 0 && down[s[1]]) order.push(k); });
    }
    slider.max = Math.max(1, order.length);
    var k = order.indexOf(was);
    if (k < 0) { k = order.findIndex(function (g) { return g > was; }); if (k < 0) k = order.length - 1; }
    cur = -1; show(k);
  });

  // ---- steps --------------------------------------------------------------------------------
  var fields = ['edge', 'formula', 'upstream', 'local', 'contribution', 'total'];
  var grads = [];  // running gradient text of each node at the current step
  function gradsAt(g) {
    grads = N.map(function () { return null; });
    grads[D.root] = [D.seed, D.seed_full, -1];
    for (var k = 0; k <= g; k++) { var s = S[k]; if (s[1] >= 0) grads[s[1]] = [s[9], s[10], k]; }
  }
  function openFor(n) {
    var changed = false;
    N[n].groups.forEach(function (g) { if (!G[g].open) { G[g].open = true; changed = true; } });
    return changed;
  }
  function setOpen(k, open) { G[k].open = open; build(); draw(); refresh(); }
  function refresh() {  // redraw the state of the current step and selection after a rebuild
    var k = cur; cur = -1; if (k >= 0) show(k, true);
    if (selected >= 0) select(selected);
  }
  function show(k, quiet) {
    if (!order.length) { document.getElementById('status').textContent = S.length ? 'No step reaches it' : 'No steps: the output is a leaf'; return; }
    k = Math.max(0, Math.min(order.length - 1, k));
    var g = order[k], s = S[g];
    if (document.getElementById('autoopen').checked) {
      var changed = [s[0], s[1], s[2]].filter(function (n) { return n >= 0; }).map(openFor).some(Boolean);
      if (changed) { build(); draw(); }
    }
    gradsAt(g);
    N.forEach(function (nd, n) {
      var sp = gradSpans[n];
      if (!sp) return;
      var el_ = nodeEls[unitOf(n)];
      if (grads[n]) { sp.textContent = '  grad ' + grads[n][0]; sp.setAttribute('class', 'gradv'); el_.classList.add('has-grad'); }
      else { sp.textContent = '  grad \u00B7'; sp.setAttribute('class', 'dim'); el_.classList.remove('has-grad'); }
      if (!N[n].shape) return;
      sp.textContent = sp.textContent.replace(/^ {2}/, '');
    });
    Array.prototype.forEach.call(vp.querySelectorAll('.active, .fresh'), function (e) { e.classList.remove('active'); e.classList.remove('fresh'); });
    var keys = [s[0], s[1], s[2]].filter(function (n) { return n >= 0; }).map(unitOf);
    if (s[1] >= 0 && s[0] >= 0 && ghostOf[unitOf(s[1]) + '>' + unitOf(s[0])]) keys.push(ghostOf[unitOf(s[1]) + '>' + unitOf(s[0])]);
    keys.forEach(function (key) { if (nodeEls[key]) nodeEls[key].classList.add('active'); });
    // A closed box the step reaches into says where: 'repeat 37: h@U  grad ...'
    Object.keys(atSpans).forEach(function (key) { atSpans[key].textContent = ' '; });
    [s[1], s[2]].forEach(function (n) {
      if (n < 0 || !atSpans[unitOf(n)] || atSpans[unitOf(n)].textContent !== ' ') return;
      var gr = grads[n];
      atSpans[unitOf(n)].textContent = (N[n].rep ? 'repeat ' + N[n].rep + ': ' : '') + N[n].name +
        (gr ? '  grad ' + gr[0] : '');
    });
    if (s[1] >= 0 && nodeEls[unitOf(s[1])]) nodeEls[unitOf(s[1])].classList.add('fresh');
    [[s[1], s[0]], [s[0], s[2]]].forEach(function (p) {
      if (p[0] < 0 || p[1] < 0) return;
      var e = edgeEls[unitOf(p[0]) + '>' + unitOf(p[1])];
      if (e) e.classList.add('active');
    });
    var rowOld = document.getElementById('row' + order[cur]);
    if (cur >= 0 && rowOld) rowOld.classList.remove('current');
    var row = document.getElementById('row' + g);
    if (row) row.classList.add('current');
    cur = k;
    slider.value = k + 1;
    var status = 'Step ' + (g + 1) + ' of ' + S.length;
    if (order.length !== S.length) status += ' (' + (k + 1) + ' of the ' + order.length + ' reaching ' + N[+paramSel.value].name + ')';
    document.getElementById('status').textContent = status;
    fields.forEach(function (f, i) { document.getElementById('f-' + f).textContent = s[4 + i]; });
    if (!quiet) {
      try { history.replaceState(null, '', '#step=' + (g + 1)); } catch (err) { /* about:srcdoc */ }
      follow(keys);
    }
    if (selected >= 0) nodePanel(selected);
  }
  function fromHash() {
    var m = /step=(last|\d+)/.exec(location.hash);
    if (!m) return 0;
    var g = m[1] === 'last' ? S.length - 1 : parseInt(m[1], 10) - 1;
    var k = order.indexOf(Math.max(0, Math.min(S.length - 1, g)));
    return k < 0 ? 0 : k;
  }

  // ---- selection: values, gradient, and the paths to the output ------------------------------
  function pre(text) { var p = document.createElement('pre'); p.textContent = text; return p; }
  function nodePanel(n) {
    var box = document.getElementById('node-panel'), nd = N[n];
    box.textContent = '';
    var h = document.createElement('p');
    h.innerHTML = '<b></b> <span class="hint"></span>';
    h.firstChild.textContent = nd.name;
    h.lastChild.textContent = {t: nd.param ? 'parameter' : 'tensor', o: 'op', c: 'constant'}[nd.kind] + (nd.shape ? ' ' + nd.shape : '');
    box.appendChild(h);
    if (nd.kind !== 't') return;
    box.appendChild(document.createTextNode('value')); box.appendChild(pre(nd.full));
    var gr = grads[n];
    box.appendChild(document.createTextNode(gr ? dOf(D.title, nd.name) + (gr[2] >= 0 ? ' after step ' + (gr[2] + 1) : ' (the seed)')
                                              : 'gradient: not reached yet at this step'));
    if (gr) box.appendChild(pre(gr[1]));
    if (nd.stored_grad) { box.appendChild(document.createTextNode('.grad (stored)')); box.appendChild(pre(nd.stored_grad)); }
    var links = document.createElement('p'); links.className = 'hint';
    var count = Object.keys(onpath).length;
    links.textContent = count > 1 ? 'Highlighted: every path from ' + nd.name + ' to ' + D.title + ' (' + count + ' nodes).'
                                  : (n === D.root ? 'This is the output.' : 'No path to the output.');
    box.appendChild(links);
  }
  // 'dE/dW11', 'dE/d(w1*x1)': names that are expressions in brackets (labels.d in Python)
  function plain(s) {
    return /^[A-Za-z_][A-Za-z0-9_.\[\]']*$|^-?[0-9.e+-]+$/.test(s);
  }
  function dOf(a, b) { return 'd' + (plain(a) ? a : '(' + a + ')') + '/d' + (plain(b) ? b : '(' + b + ')'); }
  function select(n) {
    Array.prototype.forEach.call(vp.querySelectorAll('.onpath, .selected'), function (e) { e.classList.remove('onpath'); e.classList.remove('selected'); });
    selected = n; onpath = {};
    if (n < 0) { document.getElementById('node-panel').innerHTML = '<p class="hint">Click a node in the graph.</p>'; return; }
    var down = reach(n, succs, 1), up = reach(D.root, preds, 0);
    Object.keys(down).forEach(function (m) { if (up[m]) onpath[m] = true; });
    Object.keys(onpath).forEach(function (m) { var e = nodeEls[unitOf(+m)]; if (e) e.classList.add('onpath'); });
    E.forEach(function (e, k) { if (onpath[e[0]] && onpath[e[1]] && modelEdgeEl[k]) modelEdgeEl[k].classList.add('onpath'); });
    if (nodeEls[unitOf(n)]) nodeEls[unitOf(n)].classList.add('selected');
    nodePanel(n);
  }

  // ---- controls -----------------------------------------------------------------------------
  document.getElementById('first').onclick = function () { show(0); };
  document.getElementById('prev').onclick = function () { show(cur - 1); };
  document.getElementById('next').onclick = function () { show(cur + 1); };
  document.getElementById('last').onclick = function () { show(order.length - 1); };
  document.getElementById('fit').onclick = fit;
  document.getElementById('turn').onclick = function () { dir = shown === 'LR' ? 'TB' : 'LR'; build(); draw(); refresh(); fit(); };
  document.getElementById('zoomin').onclick = function () { zoom(1.25); };
  document.getElementById('zoomout').onclick = function () { zoom(0.8); };
  slider.oninput = function () { show(parseInt(slider.value, 10) - 1); };
  document.addEventListener('keydown', function (e) {
    if (e.target && e.target.tagName === 'SELECT') return;
    var k = {ArrowRight: cur + 1, ArrowLeft: cur - 1, Home: 0, End: order.length - 1}[e.key];
    if (k !== undefined) { e.preventDefault(); show(k); }
    else if (e.key === '+' || e.key === '=') zoom(1.25);
    else if (e.key === '-') zoom(0.8);
  });
  window.addEventListener('hashchange', function () { show(fromHash(), false); });
  window.addEventListener('resize', function () { if (fitted) fit(); });

  build(); draw();
  var start = fromHash();
  show(start, true);
  fit();
  if (start > 0) follow([S[order[start]][0], S[order[start]][1], S[order[start]][2]].filter(function (n) { return n >= 0; }).map(unitOf));
  window.explorer = {show: show, select: select, setOpen: setOpen, state: function () {
    return {step: cur >= 0 ? order[cur] + 1 : 0, scale: cam.s, units: units.length, hash: location.hash};
  }};
})();
