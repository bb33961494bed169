/* The workflow diagram: nodes as boxes placed at their ``position``, connections as SVG
   curves from a node's right handle to another node's left side, each with a label (its
   outcome, condition, default flag) that problems are shown on. ``TrellisWFCanvas(opts)``
   draws it (the designer and the instance view); in the designer (window.TrellisWF) it is
   edited with the pointer: drag a node type from the palette onto the canvas, drag a node to
   move it, drag from its handle to another node to connect them, click to select, Delete to
   remove. */
(function () {
  'use strict';

  var NODE_W = 176, NODE_H = 58, SVG_NS = 'http://www.w3.org/2000/svg';

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* Nodes without a position: laid out in columns by their distance from the trigger. */
  function layout(doc) {
    var depth = {}, out = {};
    doc.edges.forEach(function (e) { (out[e.from] = out[e.from] || []).push(e.to); });
    var first = (doc.nodes.filter(function (n) { return n.type === 'trigger'; })[0] || doc.nodes[0] || {}).key;
    var queue = first ? [first] : [];
    if (first) { depth[first] = 0; }
    while (queue.length) {
      var key = queue.shift();
      (out[key] || []).forEach(function (next) {
        if (depth[next] === undefined) { depth[next] = depth[key] + 1; queue.push(next); }
      });
    }
    var rows = {};
    doc.nodes.forEach(function (n) {
      if (n.position) { return; }
      var d = depth[n.key] === undefined ? 0 : depth[n.key];
      rows[d] = (rows[d] || 0) + 1;
      n.position = { x: 40 + d * 230, y: 40 + (rows[d] - 1) * 100 };
    });
  }

  function curve(a, b) {
    var dx = Math.max(40, Math.abs(b.x - a.x) / 2);
    return 'M' + a.x + ',' + a.y + ' C' + (a.x + dx) + ',' + a.y + ' ' + (b.x - dx) + ',' + b.y + ' ' + b.x + ',' + b.y;
  }
  function outPoint(n) { return { x: n.position.x + NODE_W, y: n.position.y + NODE_H / 2 }; }
  function inPoint(n) { return { x: n.position.x, y: n.position.y + NODE_H / 2 }; }

  function Canvas(opts) {
    this.opts = opts;
    this.stage = opts.stage;
    this.svg = opts.svg;
  }

  Canvas.prototype.nodeBox = function (node, i) {
    var o = this.opts, kind = o.type(node.type);
    var box = el('div', 'wf-node wf-type-' + node.type);
    box.dataset.node = node.key;
    box.dataset.path = '/nodes/' + i;
    box.style.left = node.position.x + 'px';
    box.style.top = node.position.y + 'px';
    var sel = o.selected && o.selected();
    if (sel && sel.kind === 'node' && sel.key === node.key) { box.classList.add('selected'); }
    var count = o.counts ? o.counts[node.key] : 0;
    if (count) { box.classList.add('wf-live'); box.appendChild(el('span', 'wf-count', String(count))); }
    if (o.current && o.current.indexOf(node.key) !== -1) { box.classList.add('wf-current'); }
    if (o.visited && o.visited.indexOf(node.key) !== -1) { box.classList.add('wf-visited'); }
    var head = el('div', 'wf-node-head');
    head.appendChild(el('span', 'wf-icon', kind.icon));
    head.appendChild(el('span', 'wf-node-label', o.label(node.label) || kind.label));
    box.appendChild(head);
    box.appendChild(el('div', 'wf-node-type muted', kind.label + ' · ' + node.key));
    box.appendChild(el('span', 'bx-error wf-node-error'));
    if (!kind.ends) {
      var handle = el('span', 'wf-handle wf-out');
      handle.dataset.handle = node.key;
      handle.title = kind.outcomes.join(', ');
      box.appendChild(handle);
    }
    if (!kind.trigger) { box.appendChild(el('span', 'wf-handle wf-in')); }
    return box;
  };

  Canvas.prototype.edgeLabel = function (edge, from) {
    var o = this.opts, kind = o.type(from.type), parts = [];
    if (edge.on || kind.outcomes.length > 1) { parts.push(o.value(edge.on || kind.outcomes[0])); }
    if (edge.default) { parts.push('✱'); }
    if (edge.when) { parts.push('ƒ ' + edge.when); }
    if (edge.label) { parts.unshift(o.label(edge.label)); }
    return parts.join(' · ');
  };

  Canvas.prototype.edge = function (edge, i, byKey) {
    var from = byKey[edge.from], to = byKey[edge.to];
    if (!from || !to) { return; }
    var sel = this.opts.selected && this.opts.selected();
    var on = sel && sel.kind === 'edge' && sel.index === i;
    var a = outPoint(from), b = inPoint(to), d = curve(a, b);
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    path.setAttribute('class', 'wf-edge' + (on ? ' selected' : ''));
    path.setAttribute('marker-end', 'url(#wf-arrow)');
    this.svg.appendChild(path);
    var hit = document.createElementNS(SVG_NS, 'path');
    hit.setAttribute('d', d);
    hit.setAttribute('class', 'wf-edge-hit');
    hit.dataset.edge = i;
    this.svg.appendChild(hit);
    var tag = el('div', 'wf-edge-label' + (on ? ' selected' : ''), '');
    tag.dataset.edge = i;
    tag.dataset.path = '/edges/' + i;
    tag.appendChild(el('span', 'wf-edge-text', this.edgeLabel(edge, from) || '→'));
    tag.appendChild(el('span', 'bx-error'));
    tag.style.left = ((a.x + b.x) / 2) + 'px';
    tag.style.top = ((a.y + b.y) / 2) + 'px';
    this.stage.appendChild(tag);
  };

  Canvas.prototype.draw = function () {
    var doc = this.opts.doc(), self = this;
    if (!doc) { return; }
    layout(doc);
    this.stage.querySelectorAll('.wf-node, .wf-edge-label').forEach(function (n) { n.remove(); });
    this.svg.innerHTML = '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" ' +
      'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>';
    var byKey = {}, maxX = 600, maxY = 400;
    doc.nodes.forEach(function (n, i) {
      byKey[n.key] = n;
      self.stage.appendChild(self.nodeBox(n, i));
      maxX = Math.max(maxX, n.position.x + NODE_W + 200);
      maxY = Math.max(maxY, n.position.y + NODE_H + 160);
    });
    doc.edges.forEach(function (e, i) { self.edge(e, i, byKey); });
    this.stage.style.width = maxX + 'px';
    this.stage.style.height = maxY + 'px';
    this.svg.setAttribute('width', maxX);
    this.svg.setAttribute('height', maxY);
  };

  /* Where a pointer event is on the stage (scroll taken into account). */
  Canvas.prototype.at = function (event) {
    var r = this.stage.getBoundingClientRect(), z = this.zoom || 1;
    return { x: (event.clientX - r.left) / z, y: (event.clientY - r.top) / z };
  };
  /* Zoom the diagram (0.4–1.6); 0 resets it. */
  Canvas.prototype.setZoom = function (factor) {
    this.zoom = factor ? Math.min(1.6, Math.max(0.4, (this.zoom || 1) * factor)) : 1;
    this.stage.style.transform = this.zoom === 1 ? '' : 'scale(' + this.zoom + ')';
    this.stage.dataset.zoom = this.zoom.toFixed(2);
  };
  /* Every node placed again, in columns by its distance from the trigger. */
  Canvas.prototype.autoLayout = function () {
    var doc = this.opts.doc();
    doc.nodes.forEach(function (n) { delete n.position; });
    layout(doc);
  };

  window.TrellisWFCanvas = function (opts) { return new Canvas(opts); };
  window.TrellisWFCanvas.size = { w: NODE_W, h: NODE_H };
  window.TrellisWFCanvas.curve = curve;
})();
