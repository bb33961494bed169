/* Editing the diagram with the pointer (window.TrellisWF): the palette of node types — drag
   one onto the canvas (or click it: it lands below the others) —; on the canvas
   (builder-workflow-canvas.js, Drawflow) dragging a node moves it (its ``position`` is saved),
   dragging from a node's output port to another node connects them, clicking a node or a
   connection selects it; Delete (or Backspace) removes the selection; the toolbar zooms and
   lays the diagram out again. */
(function () {
  'use strict';

  var W = window.TrellisWF;
  if (!W) { return; }
  var size = window.TrellisWFCanvas.size;
  var canvasEl = document.getElementById('wf-canvas');
  var canvas = W.canvas = window.TrellisWFCanvas({
    stage: document.getElementById('wf-stage'), doc: function () { return W.doc; }, type: W.type,
    label: W.label, value: W.value, selected: function () { return W.selected; },
    onSelect: function (selection) { W.select(selection); },
    onMove: function (key, position) { moved(key, position); },
    onConnect: function (from, to) { connected(from, to); } });

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

  // -- what is done on the canvas (builder-workflow-canvas.js) changes the document ---------
  function moved(key, position) {
    W.node(key).position = position;
    W.changed(300, true);
  }

  function nextOutcome(from) {
    var kind = W.type(from.type), used = W.doc.edges.filter(function (e) { return e.from === from.key; })
      .map(function (e) { return e.on || kind.outcomes[0]; });
    if (kind.outcomes.length < 2) { return null; }
    return kind.outcomes.filter(function (o) { return used.indexOf(o) === -1; })[0] || null;
  }

  function connected(fromKey, toKey) {
    var from = W.node(fromKey), edge = { from: fromKey, to: toKey }, on = nextOutcome(from);
    if (on) { edge.on = on; }
    W.doc.edges.push(edge);
    W.selected = { kind: 'edge', index: W.doc.edges.length - 1 };
    W.changed(300);
  }

  // a drag on the palette selects no text
  document.getElementById('wf-palette').addEventListener('mousedown', function (event) { event.preventDefault(); });

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
