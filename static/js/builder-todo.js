/* The to-do settings editor's core (builder/todo.py): the app draft the page printed, whose
   "todo" the parts edit (builder-todo-settings.js: priority formulas and follow-ups; -hints:
   the hints; -preview: a record worked out), autosaved whole (builder-autosave.js) through the
   documents API (PUT with If-Match; 409 keeps the edits and offers reload or overwrite; 422
   marks the control whose data-path the problem names), published, and helpers the parts share
   (window.TrellisTodo). */
(function () {
  'use strict';

  var root = document.getElementById('todo-editor');
  if (!root) { return; }
  var T = window.TrellisTodo = {};
  T.root = root;
  T.urls = JSON.parse(root.dataset.urls);
  T.cfg = JSON.parse(root.dataset.config);
  T.t = T.cfg.t;
  T.app = root.dataset.app;
  T.doc = JSON.parse(root.dataset.doc);
  T.parts = [];  // {render()} of each part, in order

  // -- helpers ------------------------------------------------------------------------------
  T.el = window.Trellis.el;
  T.$ = function (sel, scope) { return (scope || root).querySelector(sel); };
  T.$all = function (sel, scope) { return Array.prototype.slice.call((scope || root).querySelectorAll(sel)); };
  T.todo = function () { T.doc.todo = T.doc.todo || {}; return T.doc.todo; };
  T.form = function (key) { return T.cfg.forms.filter(function (f) { return f.key === key; })[0] || null; };
  T.forms = function () { return T.cfg.forms.map(function (f) { return [f.key, f.label]; }); };
  /* A <select> of [value, text] options with a blank first option; ``onpick(value)``. */
  T.select = function (options, value, attrs, onpick) {
    var sel = T.el('select', Object.assign({ class: 'input' }, attrs || {}));
    sel.appendChild(T.el('option', { value: '', text: T.t.none }));
    options.forEach(function (o) { sel.appendChild(T.el('option', { value: o[0], text: o[1] })); });
    if (value && !options.some(function (o) { return o[0] === value; })) {
      sel.appendChild(T.el('option', { value: value, text: value }));  // kept, checked at save
    }
    sel.value = value || '';
    if (onpick) { sel.addEventListener('change', function () { onpick(sel.value); }); }
    return sel;
  };
  T.errorBox = function () { return T.el('span', { class: 'field-error bx-error', 'aria-live': 'polite' }); };
  T.labelled = function (text, control, path, cls) {
    return T.el('label', { class: 'rl-opt ' + (cls || ''), 'data-path': path },
                [T.el('span', { class: 'field-label', text: text }), control, T.errorBox()]);
  };
  /* A formula editor over records of ``form``; ``oninput(text)`` as it is typed. */
  T.formula = function (value, expect, form, attrs, oninput) {
    return T.el('textarea', Object.assign({ class: 'input formula mono', rows: 1, spellcheck: 'false',
      'data-formula-editor': true, 'data-app': T.app, 'data-form': form, 'data-expect': expect,
      value: value || '', oninput: function (e) { oninput(e.target.value.trim()); T.changed(); } }, attrs || {}));
  };

  // -- saving and publishing ----------------------------------------------------------------
  /* The draft as it is sent: settings left empty are left out. */
  function body() {
    var doc = JSON.parse(JSON.stringify(T.doc)), todo = doc.todo || {};
    if (!Object.keys(todo.priority || {}).length) { delete todo.priority; }
    if (!(todo.hints || []).length) { delete todo.hints; }
    if (!Object.keys(todo).length) { delete doc.todo; }
    return doc;
  }
  T.body = body;

  var problems = window.Trellis.pathErrors(root);
  T.showErrors = problems.show;
  var autosave = window.Trellis.autosave(root, {
    api: T.urls.api, publish: T.urls.publish, etag: root.dataset.etag, saved: null,
    text: function () { return JSON.stringify(body()); }, words: window.Trellis.autosave.configWords(T.t),
    problems: { show: function (errors) { T.showErrors(errors); }, clear: problems.clear },
    publishButton: '#publish-todo', conflictSays: true
  });
  T.alert = autosave.alert;
  T.save = autosave.save;
  /* The draft changed: save soon (``delay`` ms; typing waits longer). */
  T.changed = autosave.changed;

  function start() {
    T.parts.forEach(function (p) { p.render(); });
    autosave.settle(JSON.stringify(body()));
    T.ready = true;
    root.dataset.ready = '1';
  }
  var started = false;
  function once() { if (!started) { started = true; start(); } }
  if (document.readyState === 'complete') { setTimeout(once, 0); }
  else { document.addEventListener('DOMContentLoaded', once); window.addEventListener('load', once); }
})();
