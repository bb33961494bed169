/* What the pointer does on the workflow diagram (TrellisWFCanvas, builder-workflow-canvas.js):
   Drawflow's events and the canvas's own mouse events turned into the canvas's callbacks —
   ``opts.onSelect`` (a node, a connection by its curve or label, or nothing), ``opts.onMove``
   (a node dragged to a new position) and ``opts.onConnect`` (a connection drawn) — and the
   zoom shown on the stage (``data-zoom``). */
(function () {
  'use strict';

  var Canvas = window.TrellisWFCanvas.Canvas;

  Canvas.prototype.listen = function () {
    var self = this, editor = this.editor, o = this.opts;
    editor.on('zoom', function (zoom) { self.stage.dataset.zoom = zoom.toFixed(2); });
    editor.on('nodeMoved', function (id) {
      var data = self.data(id);
      self.dragged = null;
      if (o.onMove) { o.onMove(self.keys[id], { x: Math.round(data.pos_x), y: Math.round(data.pos_y) }); }
    });
    editor.on('connectionCreated', function (c) {
      if (self.building) { return; }
      self.sign = null;  // the document decides: drawn again from it
      if (o.onConnect) { o.onConnect(self.keys[c.output_id], self.keys[c.input_id]); } else { self.draw(); }
    });
    // Drawflow moves a dragged node step by step from its rounded offsetLeft (and stores one
    // step more): it drifts from the pointer. Placed again at each step from where the drag
    // started, the node stays under the pointer; the labels of its connections follow.
    this.stage.addEventListener('mousemove', function (event) {
      var d = self.dragged;
      if (!editor.drag || !d) { return; }
      var data = self.data(d.id), box = self.stage.querySelector('#node-' + d.id);
      data.pos_x = d.x + (event.clientX - d.cx) / editor.zoom;
      data.pos_y = d.y + (event.clientY - d.cy) / editor.zoom;
      box.style.left = data.pos_x + 'px';
      box.style.top = data.pos_y + 'px';
      editor.updateConnectionNodes('node-' + d.id);
      self.placeLabels();
    });
    this.stage.addEventListener('mousedown', function (event) {
      self.dragged = null;
      if (editor.drag && editor.ele_selected) {
        var id = editor.ele_selected.id.slice(5), at = self.data(id);
        self.dragged = { id: id, x: at.pos_x, y: at.pos_y, cx: event.clientX, cy: event.clientY };
      }
      if (!o.onSelect || event.button !== 0) { return; }
      var target = event.target;
      if (target.closest('.input, .output')) { return; }  // a connection being drawn
      var box = target.closest('.wf-node'), edge = target.closest('[data-edge]');
      if (box) { o.onSelect({ kind: 'node', key: box.dataset.node }); }
      else if (edge) { o.onSelect({ kind: 'edge', index: Number(edge.dataset.edge) }); }
      else if (target === self.stage || target === editor.precanvas) { o.onSelect(null); }
    });
  };
})();
