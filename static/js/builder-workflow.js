/* The workflow designer's core (builder/workflows.py): the workflow draft the page printed,
   kept as one object the parts edit (builder-workflow-canvas.js: the diagram, dragging nodes
   and connections; -props: the properties panel; -sim: the simulation), autosaved by
   builder-autosave.js through the documents API (PUT with If-Match; 409 keeps the edits and
   offers reload or overwrite; 422 marks the node or connection each problem's JSON Pointer
   names, red with its message), published, and the selection (window.TrellisWF). */
(function () {
  'use strict';

  var root = document.getElementById('wf-designer');
  if (!root) { return; }
  var W = window.TrellisWF = window.TrellisWF || {};
  W.root = root;
  W.urls = JSON.parse(root.dataset.urls);
  W.cfg = JSON.parse(root.dataset.config);
  W.t = W.cfg.t;
  W.lang = W.cfg.lang;
  W.app = root.dataset.app;
  W.form = root.dataset.form;
  W.doc = JSON.parse(root.dataset.doc);
  W.selected = null;  // {kind: 'node'|'edge', key|index}
  W.errors = [];
  /* The draft as saved: the empty config the panel opens on a node is left out, unless its
     type requires options (then the server names the missing ones at the node). */
  function draftText() {
    var copy = JSON.parse(JSON.stringify(W.doc));
    copy.nodes.forEach(function (n) {
      var kind = W.cfg.palette.filter(function (p) { return p.type === n.type; })[0];
      var required = kind && kind.options.some(function (o) { return o.required; });
      if (n.config && !Object.keys(n.config).length && !required) { delete n.config; }
    });
    return JSON.stringify(copy);
  }

  W.el = window.Trellis.el;
  W.label = function (label) { return window.Trellis.labelIn(label, W.lang); };
  W.setLabel = function (item, text, prop) { window.Trellis.setLabelIn(item, text, W.lang, prop); };
  W.type = function (type) {
    return W.cfg.palette.filter(function (p) { return p.type === type; })[0] ||
      { type: type, label: type, icon: '•', options: [], outcomes: ['next'] };
  };
  W.node = function (key) { return W.doc.nodes.filter(function (n) { return n.key === key; })[0] || null; };
  W.nodeIndex = function (key) { return W.doc.nodes.indexOf(W.node(key)); };
  W.value = function (value) { return W.t.values[value] || value; };

  // -- errors at the nodes and connections ---------------------------------------------------
  var general = document.getElementById('general-errors');
  W.showErrors = function (errors) {
    W.errors = errors || [];
    W.paintErrors();
  };
  /* Marks each problem where its path points: the node or connection on the canvas (red,
     with the message), the control of the panel showing it, else the general box. */
  W.paintErrors = function () {
    root.querySelectorAll('.has-error').forEach(function (e) { e.classList.remove('has-error'); });
    root.querySelectorAll('.bx-error').forEach(function (e) { e.textContent = ''; });
    general.hidden = true;
    W.errors.forEach(function (error) {
      var path = error.path || '';
      var m = /^\/(nodes|edges)\/(\d+)/.exec(path);
      var places = [];
      if (m) { places.push(root.querySelector('.wf-stage [data-path="/' + m[1] + '/' + m[2] + '"]')); }
      var parts = path.split('/');
      while (parts.length > 1) {
        var at = root.querySelector('.wf-props [data-path="' + parts.join('/') + '"]');
        if (at) { places.push(at); break; }
        parts.pop();
      }
      places = places.filter(Boolean);
      if (!places.length) { places = [general]; general.hidden = false; }
      places.forEach(function (place) {
        place.classList.add('has-error');
        var box = place.querySelector('.bx-error');
        if (box) { box.textContent = (box.textContent ? box.textContent + ' ' : '') + error.message; }
      });
    });
  };

  // -- saving, publishing -------------------------------------------------------------------
  W.request = window.Trellis.requestJSON;
  var autosave = window.Trellis.autosave(root, {
    api: W.urls.api, publish: W.urls.publish, etag: root.dataset.etag, saved: draftText(),
    text: draftText, words: window.Trellis.autosave.configWords(W.t), delay: 600,
    problems: { show: function (errors) { W.showErrors(errors); }, clear: function () { W.showErrors([]); } },
    publishButton: '#publish-workflow'
  });
  W.alert = autosave.alert;
  W.save = autosave.save;

  /* The draft changed: redraw, and save soon (``delay`` ms; typing waits longer). */
  W.changed = function (delay, keepPanel) {
    if (W.canvas) { W.canvas.draw(); }
    if (!keepPanel && W.props) { W.props.render(); }
    W.paintErrors();
    autosave.changed(delay);
  };
  W.select = function (selection) {
    W.selected = selection;
    if (W.canvas) { W.canvas.draw(); }
    if (W.props) { W.props.render(); }
    W.paintErrors();
  };

  function start() {
    if (W.canvas) { W.canvas.draw(); }
    if (W.props) { W.props.render(); }
    if (W.sim) { W.sim.render(); }
    W.ready = true;
    root.dataset.ready = '1';
  }
  var started = false;
  function once() { if (!started) { started = true; start(); } }
  if (document.readyState === 'complete') { setTimeout(once, 0); }
  else { document.addEventListener('DOMContentLoaded', once); window.addEventListener('load', once); }
})();
