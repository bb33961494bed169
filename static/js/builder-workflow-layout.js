/* Where the workflow diagram's nodes go and what of it is in view: TrellisWFCanvas.layout, a
   layered layout top to bottom by dagre (static/vendor/@dagrejs/dagre, from npm), each
   connection's label given room between the layers — used for the nodes a document gives no
   ``position`` and, with ``all``, by the designer's "Auto layout" button for every node —;
   and the canvas's zoom, fit and pointer position. */
(function () {
  'use strict';

  var LABEL_H = 22;

  function textWidth(text) {  // 11 px type: a Chinese character is wider
    var w = 16;
    for (var i = 0; i < text.length; i += 1) { w += text.charCodeAt(i) > 0x2e80 ? 12 : 7; }
    return Math.min(180, w);
  }

  window.TrellisWFCanvas.layout = function (doc, canvas, all) {
    var missing = doc.nodes.filter(function (n) { return !n.position; });
    if (!all && !missing.length) { return; }
    var size = window.TrellisWFCanvas.size, keys = {};
    var g = new window.dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 44, edgesep: 16, marginx: 40, marginy: 40 });
    g.setDefaultEdgeLabel(function () { return {}; });
    doc.nodes.forEach(function (n) {
      keys[n.key] = true;
      g.setNode(n.key, { width: size.w, height: size.h });
    });
    doc.edges.forEach(function (e, i) {
      if (!keys[e.from] || !keys[e.to] || e.from === e.to) { return; }
      var text = canvas.edgeLabel(e);
      g.setEdge(e.from, e.to, { width: text ? textWidth(text) : 0,
                                height: text ? LABEL_H : 0, labelpos: 'c' }, 'e' + i);
    });
    window.dagre.layout(g);
    doc.nodes.forEach(function (n) {
      if (n.position && !all) { return; }
      var p = g.node(n.key);
      n.position = { x: Math.round(p.x - size.w / 2), y: Math.round(p.y - size.h / 2) };
    });
  };

  var Canvas = window.TrellisWFCanvas.Canvas;

  /* The whole diagram in view: zoomed out if need be (not below 0.5), centred across, from
     the top; unless ``always``, only when it does not show whole as it is. */
  Canvas.prototype.fit = function (doc, always) {
    if (!doc.nodes.length) { return; }
    var size = window.TrellisWFCanvas.size, e = this.editor, m = 24;
    var w = this.stage.clientWidth, h = this.stage.clientHeight;
    var x0 = Math.min.apply(null, doc.nodes.map(function (n) { return n.position.x; }));
    var y0 = Math.min.apply(null, doc.nodes.map(function (n) { return n.position.y; }));
    var x1 = Math.max.apply(null, doc.nodes.map(function (n) { return n.position.x + size.w; }));
    var y1 = Math.max.apply(null, doc.nodes.map(function (n) { return n.position.y + size.h + 24; }));
    if (!always && x0 >= 0 && y0 >= 0 && x1 <= w && y1 <= h) { return; }
    var z = Math.max(0.5, Math.min(1, (w - 2 * m) / (x1 - x0), (h - 2 * m) / (y1 - y0)));
    // the canvas is scaled about its centre (w/2, h/2): a point p shows at w/2 + (p - w/2) z + t
    var left = Math.max(m, (w - (x1 - x0) * z) / 2);
    e.zoom = e.zoom_last_value = z;
    e.canvas_x = left - w / 2 - (x0 - w / 2) * z;
    e.canvas_y = m - h / 2 - (y0 - h / 2) * z;
    e.precanvas.style.transform = 'translate(' + e.canvas_x + 'px, ' + e.canvas_y + 'px) scale(' + z + ')';
    e.dispatch('zoom', z);
  };

  /* Where a pointer event is on the diagram (zoom and panning taken into account). */
  Canvas.prototype.at = function (event) {
    var r = this.editor.precanvas.getBoundingClientRect(), z = this.editor.zoom;
    return { x: (event.clientX - r.left) / z, y: (event.clientY - r.top) / z };
  };
  /* Zoom the diagram by ``factor`` (0.4–1.6); 0 resets it. */
  Canvas.prototype.setZoom = function (factor) {
    var e = this.editor;
    e.zoom = factor ? Math.min(e.zoom_max, Math.max(e.zoom_min, e.zoom * factor)) : 1;
    e.zoom_refresh();
  };
  /* Every node placed again by the layered layout, then the whole diagram shown. */
  Canvas.prototype.autoLayout = function () {
    window.TrellisWFCanvas.layout(this.opts.doc(), this, true);
    this.fitNext = 'always';
  };
})();
