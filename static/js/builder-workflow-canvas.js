/* The workflow diagram, drawn with Drawflow (static/vendor/drawflow, from npm): each node an
   HTML box at its ``position`` with an input port (above) and an output port (below), each
   connection an SVG curve from an output down to an input, with a label (its outcome, condition,
   default flag) that problems are shown on. Drawflow gives zooming, panning (drag the
   background), moving a node and drawing a connection from an output port; what the user did
   comes back through ``opts.onSelect``, ``opts.onMove`` and ``opts.onConnect`` and the
   workflow document stays the one source: ``draw()`` rebuilds the diagram when the document's
   nodes or connections changed, else only moves nodes and sets the marks (selection, the
   instance view's current, visited and counts). ``opts.readOnly``: looked at, not edited. */
(function () {
  'use strict';

  var NODE_W = 176, NODE_H = 58, SVG_NS = 'http://www.w3.org/2000/svg';

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* The arrow heads the connections end with (Drawflow draws none). */
  function arrowDefs() {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'wf-defs');
    svg.setAttribute('aria-hidden', 'true');
    svg.innerHTML = '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="18" refY="5" markerUnits="userSpaceOnUse" ' +
      'markerWidth="10" markerHeight="10" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>';
    return svg;
  }

  function Canvas(opts) {
    this.opts = opts;
    this.stage = opts.stage;
    this.ids = {};     // node key -> Drawflow id
    this.keys = {};    // Drawflow id -> node key
    this.labels = [];
    this.sign = null;
    var editor = this.editor = new window.Drawflow(opts.stage);
    editor.editor_mode = opts.readOnly ? 'fixed' : 'edit';
    editor.force_first_input = true;  // a connection may be dropped anywhere on the target node
    editor.curvature = 0.45;
    editor.zoom_min = 0.4;
    editor.zoom_max = 1.6;
    // removing goes through the document (builder-workflow-edit.js): no Delete key nor
    // right-click button of Drawflow's own that would remove behind its back
    // connections run top to bottom: from the output port under a node to the input port
    // above another
    editor.createCurvature = function (sx, sy, ex, ey, curvature) {
      var dy = Math.max(24, Math.abs(ey - sy) * curvature);
      return ' M ' + sx + ' ' + sy + ' C ' + sx + ' ' + (sy + dy) + ' ' + ex + ' ' + (ey - dy) + ' ' + ex + ' ' + ey;
    };
    editor.key = function (event) { this.dispatch('keydown', event); };
    editor.contextmenu = function (event) { this.dispatch('contextmenu', event); };
    editor.start();
    this.stage.appendChild(arrowDefs());
    this.stage.dataset.zoom = '1.00';
    this.fitNext = true;  // the first drawing shows the whole diagram
    this.listen();
  }

  /* Drawflow's own record of a node (getNodeFromId gives a copy). */
  Canvas.prototype.data = function (id) { return this.editor.drawflow.drawflow.Home.data[id]; };

  Canvas.prototype.edgeLabel = function (edge) {
    var o = this.opts, from = this.byKey[edge.from], kind = o.type(from ? from.type : ''), parts = [];
    if (edge.on || kind.outcomes.length > 1) { parts.push(o.value(edge.on || kind.outcomes[0])); }
    if (edge.default) { parts.push('✱'); }
    if (edge.when) { parts.push('ƒ ' + edge.when); }
    if (edge.label) { parts.unshift(o.label(edge.label)); }
    return parts.join(' · ');
  };

  Canvas.prototype.box = function (key) {
    return this.stage.querySelector('#node-' + this.ids[key]);
  };

  Canvas.prototype.addNode = function (node, i) {
    var o = this.opts, kind = o.type(node.type);
    var id = this.editor.addNode(node.type, kind.trigger ? 0 : 1, kind.ends ? 0 : 1, node.position.x,
                                 node.position.y, 'wf-node wf-type-' + node.type, {}, '');
    this.ids[node.key] = id;
    this.keys[id] = node.key;
    var box = this.box(node.key), content = box.querySelector('.drawflow_content_node');
    box.dataset.node = node.key;
    box.dataset.path = '/nodes/' + i;
    var head = el('div', 'wf-node-head');
    head.appendChild(el('span', 'wf-icon', kind.icon));
    head.appendChild(el('span', 'wf-node-label', o.label(node.label) || kind.label));
    content.appendChild(head);
    content.appendChild(el('div', 'wf-node-type muted', kind.label + ' · ' + node.key));
    content.appendChild(el('span', 'bx-error wf-node-error'));
    content.appendChild(el('span', 'wf-count'));
    var out = box.querySelector('.output');
    if (out) { out.classList.add('wf-out'); out.title = kind.outcomes.map(o.value).join(', '); }
    var into = box.querySelector('.input');
    if (into) { into.classList.add('wf-in'); }
  };

  Canvas.prototype.addEdge = function (edge, i) {
    var a = this.ids[edge.from], b = this.ids[edge.to];
    if (a === undefined || b === undefined) { return; }
    var ports = this.box(edge.from).querySelector('.output') && this.box(edge.to).querySelector('.input');
    if (ports) { this.editor.addConnection(a, b, 'output_1', 'input_1'); }
    var path = this.stage.querySelector('.connection.node_in_node-' + b + '.node_out_node-' + a + ' .main-path');
    if (path && path.dataset.edge === undefined) { path.dataset.edge = i; }
    var twins = this.labels.filter(function (l) { return l.a === a && l.b === b; }).length;
    var text = this.edgeLabel(edge), tag = el('div', 'wf-edge-label' + (text ? '' : ' wf-edge-plain'));
    tag.dataset.edge = i;
    tag.dataset.path = '/edges/' + i;
    tag.appendChild(el('span', 'wf-edge-text', text));
    tag.appendChild(el('span', 'bx-error'));
    this.editor.precanvas.appendChild(tag);
    this.labels.push({ el: tag, path: path, a: a, b: b, shift: twins * 24, index: i });
  };

  /* Everything drawn again from the document. */
  Canvas.prototype.build = function (doc) {
    var self = this, editor = this.editor;
    this.building = true;
    editor.clear();
    editor.node_selected = null;
    editor.connection_selected = null;
    this.ids = {};
    this.keys = {};
    this.labels = [];
    doc.nodes.forEach(function (n, i) { self.addNode(n, i); });
    doc.edges.forEach(function (e, i) { self.addEdge(e, i); });
    this.building = false;
  };

  /* Each label at the middle of its curve (or between its nodes when it has none). */
  Canvas.prototype.placeLabels = function () {
    var data = this.editor.drawflow.drawflow.Home.data;
    this.labels.forEach(function (l) {
      var p;
      if (l.path) { p = l.path.getPointAtLength(l.path.getTotalLength() / 2); }
      else {
        var a = data[l.a], b = data[l.b];
        p = { x: (a.pos_x + b.pos_x + NODE_W) / 2, y: (a.pos_y + NODE_H + b.pos_y) / 2 };
      }
      l.el.style.left = p.x + 'px';
      l.el.style.top = (p.y + l.shift) + 'px';
    });
  };

  /* Positions and marks from the document, without drawing again. */
  Canvas.prototype.mark = function (doc) {
    var o = this.opts, self = this, editor = this.editor, sel = o.selected && o.selected();
    var data = editor.drawflow.drawflow.Home.data;
    editor.node_selected = null;
    editor.connection_selected = null;
    doc.nodes.forEach(function (n) {
      var id = self.ids[n.key], box = self.box(n.key), at = data[id];
      if (at.pos_x !== n.position.x || at.pos_y !== n.position.y) {
        at.pos_x = n.position.x;
        at.pos_y = n.position.y;
        box.style.left = n.position.x + 'px';
        box.style.top = n.position.y + 'px';
        editor.updateConnectionNodes('node-' + id);
      }
      var on = !!(sel && sel.kind === 'node' && sel.key === n.key), count = o.counts ? o.counts[n.key] : 0;
      box.classList.toggle('selected', on);
      if (on) { editor.node_selected = box; }
      box.classList.toggle('wf-live', !!count);
      box.querySelector('.wf-count').textContent = count ? String(count) : '';
      box.classList.toggle('wf-current', !!(o.current && o.current.indexOf(n.key) !== -1));
      box.classList.toggle('wf-visited', !!(o.visited && o.visited.indexOf(n.key) !== -1));
    });
    this.labels.forEach(function (l) {
      var on = !!(sel && sel.kind === 'edge' && sel.index === l.index);
      l.el.classList.toggle('selected', on);
      if (l.path && Number(l.path.dataset.edge) === l.index) {
        l.path.classList.toggle('selected', on);
        if (on) { editor.connection_selected = l.path; }
      }
    });
    this.placeLabels();
    if (this.fitNext) { this.fit(doc, this.fitNext === 'always'); this.fitNext = false; }
  };

  Canvas.prototype.draw = function () {
    var doc = this.opts.doc(), self = this;
    if (!doc) { return; }
    this.byKey = {};
    doc.nodes.forEach(function (n) { self.byKey[n.key] = n; });
    window.TrellisWFCanvas.layout(doc, this, false);  // nodes without a position
    var sign = JSON.stringify([doc.nodes.map(function (n) { return [n.key, n.type, n.label]; }), doc.edges]);
    if (sign !== this.sign) { this.build(doc); this.sign = sign; }
    this.mark(doc);
  };

  window.TrellisWFCanvas = function (opts) { return new Canvas(opts); };
  window.TrellisWFCanvas.size = { w: NODE_W, h: NODE_H };
  window.TrellisWFCanvas.Canvas = Canvas;  // builder-workflow-canvas-events.js and -layout.js add to it
})();
