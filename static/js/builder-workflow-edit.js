/* Editing the diagram with the pointer (window.TrellisWF): the palette of node types — drag
   one onto the canvas (or click it: it lands below the others) —, dragging a node to move it
   (its ``position`` is saved), dragging from a node's right handle to another node to connect
   them, clicking a node or a connection to select it, and Delete (or Backspace) to remove
   the selection. */
(function () {
  'use strict';

  var W = window.TrellisWF;
  if (!W) { return; }
  var size = window.TrellisWFCanvas.size;
  var stage = document.getElementById('wf-stage');
  var svg = document.getElementById('wf-edges');
  var canvasEl = document.getElementById('wf-canvas');
  var canvas = W.canvas = window.TrellisWFCanvas({
    stage: stage, svg: svg, doc: function () { return W.doc; }, type: W.type, label: W.label,
    value: W.value, selected: function () { return W.selected; } });

  function uniqueKey(type) {
    var taken = W.doc.nodes.map(function (n) { return n.key; }), n = 1;
    while (taken.indexOf(type + '_' + n) !== -1) { n += 1; }
    return type + '_' + n;
  }

  function addNode(type, x, y) {
    var node = { key: uniqueKey(type), type: type,
                 position: { x: Math.max(0, Math.round(x)), y: Math.max(0, Math.round(y)) } };
    var kind = W.type(type);
    if (kind.options.some(function (o) { return o.required; })) { node.config = {}; }  // its options are asked for
    if (kind.options.some(function (o) { return o.name === 'on' && o.required; })) { node.config = { on: 'created' }; }
    W.doc.nodes.push(node);
    W.selected = { kind: 'node', key: node.key };
    W.changed(300);
    return node;
  }

  // -- the palette: a ghost follows the pointer; released over the canvas, a node is added --
  function palette() {
    var box = document.getElementById('wf-palette');
    W.cfg.palette.forEach(function (kind) {
      box.appendChild(W.el('button', { type: 'button', class: 'wf-palette-item', 'data-type': kind.type,
        title: kind.description, 'aria-label': kind.label },
        [W.el('span', { class: 'wf-icon', text: kind.icon }), W.el('span', { text: kind.label })]));
    });
    box.addEventListener('pointerdown', function (event) {
      var item = event.target.closest('[data-type]');
      if (!item || event.button !== 0) { return; }
      event.preventDefault();
      dragFromPalette(item, event);
    });
  }

  function dragFromPalette(item, down) {
    var ghost = null, moved = false;
    function move(event) {
      if (!moved && Math.abs(event.clientX - down.clientX) + Math.abs(event.clientY - down.clientY) < 4) { return; }
      moved = true;
      if (!ghost) { ghost = item.cloneNode(true); ghost.classList.add('wf-ghost'); document.body.appendChild(ghost); }
      ghost.style.left = event.clientX + 'px';
      ghost.style.top = event.clientY + 'px';
    }
    function up(event) {
      document.removeEventListener('pointermove', move);
      document.removeEventListener('pointerup', up);
      if (ghost) { ghost.remove(); }
      var r = canvasEl.getBoundingClientRect();
      if (!moved) {  // a click: below the lowest node
        var y = W.doc.nodes.reduce(function (m, n) { return Math.max(m, (n.position || {}).y || 0); }, 0);
        addNode(item.dataset.type, 40, y + 100);
      } else if (event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom) {
        var at = canvas.at(event);
        addNode(item.dataset.type, at.x - size.w / 2, at.y - size.h / 2);
      }
    }
    document.addEventListener('pointermove', move);
    document.addEventListener('pointerup', up);
  }

  // -- moving a node ---------------------------------------------------------------------------
  function dragNode(box, down) {
    var node = W.node(box.dataset.node), start = canvas.at(down), moved = false;
    var origin = { x: node.position.x, y: node.position.y };
    function move(event) {
      var at = canvas.at(event);
      if (!moved && Math.abs(at.x - start.x) + Math.abs(at.y - start.y) < 4) { return; }
      moved = true;
      node.position = { x: Math.max(0, Math.round(origin.x + at.x - start.x)),
                        y: Math.max(0, Math.round(origin.y + at.y - start.y)) };
      canvas.draw();
      W.paintErrors();
    }
    function up() {
      document.removeEventListener('pointermove', move);
      document.removeEventListener('pointerup', up);
      if (moved) { W.changed(300, true); } else { W.select({ kind: 'node', key: node.key }); }
    }
    document.addEventListener('pointermove', move);
    document.addEventListener('pointerup', up);
  }

  // -- connecting: a line follows the pointer from the handle; released on a node, an edge --
  function nextOutcome(from) {
    var kind = W.type(from.type), used = W.doc.edges.filter(function (e) { return e.from === from.key; })
      .map(function (e) { return e.on || kind.outcomes[0]; });
    if (kind.outcomes.length < 2) { return null; }
    return kind.outcomes.filter(function (o) { return used.indexOf(o) === -1; })[0] || null;
  }

  function connect(handle, down) {
    var from = W.node(handle.dataset.handle);
    var line = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    line.setAttribute('class', 'wf-edge wf-edge-draft');
    svg.appendChild(line);
    var a = { x: from.position.x + size.w, y: from.position.y + size.h / 2 };
    function move(event) { line.setAttribute('d', window.TrellisWFCanvas.curve(a, canvas.at(event))); }
    function up(event) {
      document.removeEventListener('pointermove', move);
      document.removeEventListener('pointerup', up);
      line.remove();
      var target = document.elementFromPoint(event.clientX, event.clientY);
      var box = target && target.closest('.wf-node');
      if (!box || box.dataset.node === from.key) { return; }
      var edge = { from: from.key, to: box.dataset.node }, on = nextOutcome(from);
      if (on) { edge.on = on; }
      W.doc.edges.push(edge);
      W.selected = { kind: 'edge', index: W.doc.edges.length - 1 };
      W.changed(300);
    }
    move(down);
    document.addEventListener('pointermove', move);
    document.addEventListener('pointerup', up);
  }

  // a drag on the canvas or the palette selects no text
  [stage, document.getElementById('wf-palette')].forEach(function (area) {
    area.addEventListener('mousedown', function (event) { event.preventDefault(); });
  });
  stage.addEventListener('pointerdown', function (event) {
    if (event.button !== 0) { return; }
    var handle = event.target.closest('[data-handle]');
    if (handle) { event.preventDefault(); connect(handle, event); return; }
    var box = event.target.closest('.wf-node');
    if (box) { event.preventDefault(); canvasEl.focus({ preventScroll: true }); dragNode(box, event); return; }
    var edge = event.target.closest('[data-edge]');
    if (edge) { W.select({ kind: 'edge', index: Number(edge.dataset.edge) }); return; }
    if (event.target === stage || event.target === svg) { W.select(null); }
  });

  // -- removing --------------------------------------------------------------------------------
  W.remove = function () {
    var sel = W.selected;
    if (!sel) { return; }
    if (sel.kind === 'node') {
      W.doc.nodes = W.doc.nodes.filter(function (n) { return n.key !== sel.key; });
      W.doc.edges = W.doc.edges.filter(function (e) { return e.from !== sel.key && e.to !== sel.key; });
    } else {
      W.doc.edges.splice(sel.index, 1);
    }
    W.selected = null;
    W.changed(300);
  };
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Delete' && event.key !== 'Backspace') { return; }
    var tag = (event.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || event.target.isContentEditable) { return; }
    if (W.selected) { event.preventDefault(); W.remove(); }
  });

  document.querySelector('.wf-tools').addEventListener('click', function (event) {
    var zoom = event.target.closest('[data-zoom]');
    if (zoom) { canvas.setZoom(Number(zoom.dataset.zoom)); return; }
    if (event.target.closest('[data-auto-layout]')) { canvas.autoLayout(); W.changed(300); }
  });
  palette();
})();
