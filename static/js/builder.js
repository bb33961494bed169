/* Form designer, core: the draft document, undo/redo over snapshots, autosave through the API.
 * builder-layout.js edits the layout, builder-canvas.js draws the canvas, builder-drag.js
 * drags fields, builder-panel.js binds the property panel, builder-publish.js does the
 * preview and publishing; builder-history.js keeps the undo history. The saved document is
 * exactly what the documents API accepts: nothing here is kept beyond it except the history. */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};
  var SAVE_DELAY = 700;
  var HISTORY_LIMIT = 200;

  // -- small helpers ------------------------------------------------------------------------
  /* The builder's placeholder for a new choice ("选项1", "Option 2"), as metadata/labels.py. */
  var PLACEHOLDER = /^(?:选项|Option)\s*\d+$/;
  B.isPlaceholder = function (text) { return PLACEHOLDER.test(String(text || '').trim()); };

  /* A label's text in ``lang``, else in the other language; a placeholder never hides what
   * the designer wrote in the other language (as metadata/labels.py label_text). */
  B.labelText = function (label, lang) {
    if (!label) { return ''; }
    if (typeof label === 'string') { return label; }
    var other = lang === 'zh' ? 'en' : 'zh';
    var mine = label[lang] || '', theirs = label[other] || '';
    if (mine && B.isPlaceholder(mine) && theirs && !B.isPlaceholder(theirs)) { return theirs; }
    return mine || theirs;
  };

  /* Set the text of ``obj[prop]`` in one language; a plain string becomes per-language (a
   * placeholder, which is no language's word, is replaced rather than kept as the other). */
  B.setLangText = function (obj, prop, lang, value) {
    var current = obj[prop];
    var texts = {};
    if (typeof current === 'string' && current && !B.isPlaceholder(current)) {
      texts[lang === 'zh' ? 'en' : 'zh'] = current;
    } else if (current && typeof current === 'object') {
      texts = Object.assign({}, current);
      var other = lang === 'zh' ? 'en' : 'zh';
      if (value && B.isPlaceholder(texts[other] || '') && !B.isPlaceholder(value)) {
        delete texts[other];  // "选项1" was never a translation of what is typed now
      }
    }
    if (value) { texts[lang] = value; } else { delete texts[lang]; }
    if (Object.keys(texts).length) { obj[prop] = texts; } else { delete obj[prop]; }
  };

  B.csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  };

  B.field = function (key) {
    return (B.doc.fields || []).find(function (f) { return f.key === key; }) || null;
  };

  B.fieldIndex = function (key) {
    return (B.doc.fields || []).findIndex(function (f) { return f.key === key; });
  };

  B.allKeys = function (except) {
    return (B.doc.fields || []).map(function (f) { return f.key; })
      .filter(function (k) { return k !== except; });
  };

  B.uniqueKey = function (base, except) {
    var taken = new Set(B.allKeys(except).concat(B.archived).map(function (k) {
      return k.toLowerCase();
    }));
    var root = base.slice(0, 56);
    var key = root;
    var n = 1;
    while (taken.has(key.toLowerCase())) { n += 1; key = root + '_' + n; }
    return key;
  };

  // -- history ------------------------------------------------------------------------------
  var history = null;

  function snapshot() { return JSON.stringify(B.doc); }

  function updateUndoButtons() {
    B.root.querySelector('[data-action="undo"]').disabled = !history.canUndo();
    B.root.querySelector('[data-action="redo"]').disabled = !history.canRedo();
  }

  function restore(state) {
    if (state === null) { return; }
    B.doc = JSON.parse(state);
    if (B.selected && !B.field(B.selected)) { B.selected = null; }
    B.render();
    if (B.reloadPanel) { B.reloadPanel(); }
    afterChange();
  }

  B.undo = function () { restore(history.undo()); };
  B.redo = function () { restore(history.redo()); };

  /* Call after every edit of B.doc: records history, redraws, saves and refreshes the preview.
   * ``opts.coalesce`` merges a run of edits of one input into one undo step. */
  B.change = function (opts) {
    opts = opts || {};
    B.syncFieldOrder();
    B.tidySpans();
    history.record(snapshot(), opts.coalesce);
    if (!opts.keepCanvas) { B.render(); }
    if (B.followPlacement) { B.followPlacement(); }
    afterChange();
  };

  function afterChange() {
    updateUndoButtons();
    scheduleSave();
    if (B.schedulePreview) { B.schedulePreview(); }
  }

  // -- saving -------------------------------------------------------------------------------
  var saveTimer = null;
  var inFlight = null;
  var again = false;

  B.setStatus = function (state) {
    var el = document.getElementById('save-status');
    el.dataset.state = state;
    el.textContent = B.t[state] || state;
  };

  function scheduleSave() {
    if (B.conflict) { return; }
    B.setStatus('unsaved');
    clearTimeout(saveTimer);
    saveTimer = setTimeout(B.saveNow, SAVE_DELAY);
  }

  function revisionOf(response) {
    var rev = response.headers.get('X-Trellis-Revision');
    if (rev) { return rev; }
    var etag = response.headers.get('ETag') || '';
    return etag.replace(/^W\//, '').replace(/"/g, '') || B.revision;
  }

  function put(body) {
    return fetch(B.urls.document, {
      method: 'PUT', credentials: 'same-origin', body: body,
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json',
                'X-CSRFToken': B.csrf(), 'If-Match': '"' + B.revision + '"'}
    }).then(function (response) {
      if (response.ok) {
        B.revision = revisionOf(response);
        B.lastSaved = body;
        B.showErrors([]);
        B.setStatus(body === snapshot() ? 'saved' : 'unsaved');
        document.dispatchEvent(new CustomEvent('formula:fields-changed'));
        return true;
      }
      if (response.status === 409) { B.showConflict(response); return false; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        B.showErrors((data && data.errors) || [{path: '', message: B.t.error}]);
        B.setStatus('error');
        return false;
      });
    }, function () { B.setStatus('offline'); return false; });
  }

  /* Save now (waiting for a save under way); resolves true when the server has the draft. */
  B.saveNow = function () {
    clearTimeout(saveTimer);
    if (B.conflict) { return Promise.resolve(false); }
    if (inFlight) { again = true; return inFlight.then(function () { return B.saveNow(); }); }
    var body = snapshot();
    if (body === B.lastSaved) { B.setStatus('saved'); return Promise.resolve(true); }
    B.setStatus('saving');
    inFlight = put(body).then(function (ok) {
      inFlight = null;
      if (again) { again = false; return B.saveNow(); }
      return ok;
    });
    return inFlight;
  };

  B.isSaved = function () { return snapshot() === B.lastSaved; };

  // -- drag lists ---------------------------------------------------------------------------
  /* SortableJS keeps one drag state for all its lists, and destroy() ends the drag under way in
   * any of them: a canvas redrawn or a panel arriving while a field is picked up from the
   * palette would drop it from the hand. Lists whose elements were replaced go once nothing
   * is dragged. */
  var retired = [];
  B.retireSortables = function (list) {
    retired = retired.concat(list);
    if (window.Sortable && window.Sortable.dragged) { return; }
    retired.forEach(function (s) { s.destroy(); });
    retired = [];
  };

  // -- start --------------------------------------------------------------------------------
  function readUrls(root) {
    var urls = {};
    Object.keys(root.dataset).forEach(function (name) {
      if (name.indexOf('url') === 0 && name.length > 3) {
        urls[name.charAt(3).toLowerCase() + name.slice(4)] = root.dataset[name];
      }
    });
    return urls;
  }

  function bindShortcuts() {
    window.TrellisHistory.bindKeys(B.undo, B.redo);
    B.root.addEventListener('click', function (event) {
      var button = event.target.closest('[data-action="undo"], [data-action="redo"]');
      if (button) { B[button.dataset.action](); }
    });
    window.addEventListener('beforeunload', function (event) {
      if (!B.isSaved()) { event.preventDefault(); event.returnValue = ''; }
    });
  }

  function init() {
    var root = document.getElementById('designer');
    if (!root) { return; }
    B.root = root;
    B.t = JSON.parse(document.getElementById('builder-strings').textContent);
    B.lang = B.t.lang;
    B.app = root.dataset.app;
    B.form = root.dataset.form;
    B.revision = root.dataset.revision;
    B.locked = new Set(JSON.parse(root.dataset.lockedKeys || '[]'));
    B.archived = JSON.parse(root.dataset.archivedKeys || '[]');
    B.urls = readUrls(root);
    B.fresh = new Set();  // fields dropped on this page whose key still follows the label
    var source = document.getElementById('builder-doc').textContent;
    B.lastSaved = JSON.stringify(JSON.parse(source));
    B.doc = B.normalise(JSON.parse(source));
    history = new window.TrellisHistory(HISTORY_LIMIT);
    history.reset(snapshot());
    B.selected = null;
    B.activeTab = 0;
    bindShortcuts();
    if (window.TrellisFormulaEditor) {  // the draft's fields, saved or not, by their labels
      window.TrellisFormulaEditor.localFields = function () {
        return (B.doc.fields || []).map(function (f) {
          var label = f.label || '';
          var texts = typeof label === 'string' ? [label] :
            Object.keys(label).map(function (lang) { return label[lang]; });
          return {ref: f.key, names: texts.filter(Boolean).map(function (t) { return String(t).trim(); })};
        });
      };
    }
    if (B.initCanvas) { B.initCanvas(); }
    if (B.initPanel) { B.initPanel(); }
    if (B.initPublish) { B.initPublish(); }
    B.render();
    updateUndoButtons();
  }

  document.addEventListener('DOMContentLoaded', init);
})();
