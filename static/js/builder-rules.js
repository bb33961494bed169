/* The rule editor's core (builder/rules.py): the ruleset draft the page printed, kept as one
   object that the parts edit (builder-rules-list.js: rules; -condition: condition rows;
   -actions: actions; -scoring: scoring models; -tables: decision tables; -test: the dry run),
   autosaved by builder-autosave.js through the documents API (PUT with If-Match; 409 keeps the
   edits and offers reload or overwrite; 422 marks the control whose data-path the problem
   names), published, and a few helpers the parts share (window.TrellisRules). */
(function () {
  'use strict';

  var root = document.getElementById('rules-editor');
  if (!root) { return; }
  var R = window.TrellisRules = window.TrellisRules || {};
  R.root = root;
  R.urls = JSON.parse(root.dataset.urls);
  R.cfg = JSON.parse(root.dataset.config);
  R.t = R.cfg.t;
  R.lang = R.cfg.lang;
  R.app = root.dataset.app;
  R.form = root.dataset.form;
  R.doc = JSON.parse(root.dataset.doc);
  R.parts = [];  // {render()} of each part, in order
  R.afterSave = [];  // functions called after each save that the server took
  R.afterPublish = [];  // functions called with the publish answer
  R.published = Number(root.dataset.publishedVersion) || null;

  // -- helpers ------------------------------------------------------------------------------
  R.el = window.Trellis.el;
  R.$ = function (sel, scope) { return (scope || root).querySelector(sel); };
  R.$all = function (sel, scope) { return Array.prototype.slice.call((scope || root).querySelectorAll(sel)); };
  R.fmt = function (text, values) {
    return String(text).replace(/\{(\w)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  };
  R.label = function (label) { return window.Trellis.labelIn(label, R.lang); };
  /* Write ``text`` as the label of ``item`` in the reader's language, keeping the other's. */
  R.setLabel = function (item, text, prop) { window.Trellis.setLabelIn(item, text, R.lang, prop); };
  R.field = function (key, form) {
    var fields = form ? R.formFields(form) : R.cfg.fields.concat(R.cfg.system);
    return fields.filter(function (f) { return f.key === key; })[0] || null;
  };
  R.formFields = function (formKey) {
    var form = R.cfg.forms.filter(function (f) { return f.key === formKey; })[0];
    return form ? form.fields : [];
  };
  R.strategyName = function (key) {  // a routing strategy in the reader's words
    var found = R.cfg.strategies.filter(function (s) { return s[0] === key; })[0];
    return found ? found[1] : (key || '?');
  };
  R.fieldName = function (key, form) {
    if (key === 'owner') { return R.t.owner; }
    var f = R.field(key, form);
    return f ? f.label : key;
  };
  R.choiceLabel = function (f, value) {
    var c = f && (f.choices || []).filter(function (x) { return x.value === value; })[0];
    return c ? c.label : String(value);
  };
  R.uniqueKey = function (base, taken) {
    var start = (/^[a-z]/.test(base) ? base : 'k_' + base).replace(/[^a-z0-9_]/g, '_').slice(0, 56);
    var key = start, n = 1;
    while (taken.indexOf(key) !== -1) { n += 1; key = start + '_' + n; }
    return key;
  };
  R.keys = function (items) { return (items || []).map(function (i) { return i.key; }); };
  /* A <select> of [value, text] options; ``blank``: a first option with no value. */
  R.select = function (options, value, attrs, blank) {
    var sel = R.el('select', Object.assign({ class: 'input' }, attrs || {}));
    if (blank !== undefined) { sel.appendChild(R.el('option', { value: '', text: blank })); }
    options.forEach(function (o) {
      sel.appendChild(R.el('option', { value: o[0], text: o[1], selected: String(o[0]) === String(value) }));
    });
    if (value !== undefined && value !== null && value !== '' && sel.value !== String(value)) {
      sel.appendChild(R.el('option', { value: value, text: value, selected: true }));  // kept, checked at save
    }
    return sel;
  };
  R.errorBox = function () { return R.el('span', { class: 'field-error bx-error', 'aria-live': 'polite' }); };
  /* A labelled control; ``path``: the JSON Pointer its problems are shown at. */
  R.labelled = function (text, control, path, cls) {
    return R.el('label', { class: 'rl-opt ' + (cls || ''), 'data-path': path },
                [R.el('span', { class: 'field-label', text: text }), control, R.errorBox()]);
  };
  R.formulaArea = function (value, expect, form, attrs) {
    return R.el('textarea', Object.assign({ class: 'input formula mono', rows: 1, spellcheck: 'false',
      'data-formula-editor': true, 'data-app': R.app, 'data-form': form || R.form,
      'data-expect': expect || 'value', value: value || '' }, attrs || {}));
  };
  R.number = function (raw) {
    var text = String(raw).trim();
    if (text === '') { return null; }
    var n = Number(text);
    return isFinite(n) ? n : text;  // a wrong value is the server's to name
  };

  // -- rendering ----------------------------------------------------------------------------
  R.render = function () {
    R.parts.forEach(function (p) { p.render(); });
  };

  // -- alerts, errors, saving and publishing ------------------------------------------------
  var problems = window.Trellis.pathErrors(root, {shown: function (place) {
    // an error on another tab opens that tab, unless the open one shows one already
    var panel = place.closest('[data-panel]');
    if (panel && panel.hidden && !R.$('.rl-panel:not([hidden]) .has-error')) { R.tab(panel.dataset.panel); }
  }});
  R.showErrors = problems.show;
  R.request = window.Trellis.requestJSON;
  var autosave = window.Trellis.autosave(root, {
    api: R.urls.api, publish: R.urls.publish, etag: root.dataset.etag, saved: JSON.stringify(R.doc),
    text: function () { return JSON.stringify(R.doc); }, words: window.Trellis.autosave.configWords(R.t),
    problems: { show: function (errors) { R.showErrors(errors); }, clear: problems.clear },
    publishButton: '#publish-rules', conflictSays: true,
    onSaved: function () { R.afterSave.forEach(function (fn) { fn(); }); },
    onPublished: function (data) {
      R.published = data.version;
      R.afterPublish.forEach(function (fn) { fn(data); });
    }
  });
  R.alert = autosave.alert;
  R.save = autosave.save;
  R.saved = autosave.saved;
  /* The draft changed: save soon (``delay`` ms; typing waits longer). */
  R.changed = autosave.changed;

  // -- tabs ---------------------------------------------------------------------------------
  R.tab = function (name) {
    R.$all('[data-tab]').forEach(function (b) {
      b.classList.toggle('on', b.dataset.tab === name);
      b.setAttribute('aria-selected', b.dataset.tab === name ? 'true' : 'false');
    });
    R.$all('[data-panel]').forEach(function (p) { p.hidden = p.dataset.panel !== name; });
    if (window.history && window.history.replaceState) { window.history.replaceState(null, '', '#' + name); }
  };

  root.addEventListener('click', function (event) {
    var tab = event.target.closest('[data-tab]');
    if (tab) { R.tab(tab.dataset.tab); }
  });

  function start() {
    var ruleOn = document.getElementById('ruleset-enabled');
    var stopFirst = document.getElementById('stop-first');
    ruleOn.checked = R.doc.enabled !== false;
    stopFirst.checked = !!R.doc.stop_after_first_match;
    ruleOn.addEventListener('change', function () {
      if (ruleOn.checked) { delete R.doc.enabled; } else { R.doc.enabled = false; }
      R.changed(0);
    });
    stopFirst.addEventListener('change', function () {
      if (stopFirst.checked) { R.doc.stop_after_first_match = true; } else { delete R.doc.stop_after_first_match; }
      R.changed(0);
    });
    R.render();
    // the draft as this page writes it (empty lists filled in): nothing to save yet
    if (!autosave.scheduled()) { autosave.settle(JSON.stringify(R.doc)); }
    var wanted = (window.location.hash || '').slice(1);
    if (R.$('[data-tab="' + wanted + '"]')) { R.tab(wanted); }
    R.ready = true;
    root.dispatchEvent(new CustomEvent('rules:ready'));
  }
  // the parts load after this file (deferred, in order): start once all are in, on
  // DOMContentLoaded (which waits for deferred scripts), or on load if that has passed
  var started = false;
  function once() { if (!started) { started = true; start(); } }
  if (document.readyState === 'complete') { setTimeout(once, 0); }
  else { document.addEventListener('DOMContentLoaded', once); window.addEventListener('load', once); }
})();
