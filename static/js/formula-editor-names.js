/* The formula editor in the designer's words: a formula is stored naming fields by their keys
   ({hang_ye}) and shown naming them by their labels ({行业}); typing either works. The server
   gives each field's `name` (its label where that names it alone) and resolves labels itself
   too: what is typed here is only turned into keys before it is written into a document.
   Loaded after formula-editor.js, whose Editor it extends. */
(function () {
  'use strict';

  var FE = window.TrellisFormulaEditor;
  if (!FE) { return; }
  var Editor = FE.Editor;
  var CLOSING = { '"': '"', "'": "'", '“': '”', '‘': '’' };

  /* The field references of a formula's text, [{start, end, name}] from '{' to '}', outside
     strings (as the grammar reads them: "" and '' inside a string are a quote). */
  function references(text) {
    var out = [], i = 0, n = text.length;
    while (i < n) {
      var c = text.charAt(i);
      if (CLOSING[c]) {
        var j = i + 1;
        while (j < n && text.charAt(j) !== '\n') {
          if (text.charAt(j) === CLOSING[c]) {
            if ((c === '"' || c === "'") && text.charAt(j + 1) === c) { j += 2; continue; }
            break;
          }
          j += 1;
        }
        i = j + 1;
      } else if (c === '{') {
        var end = text.slice(i + 1).search(/[{}\n]/);
        if (end !== -1 && text.charAt(i + 1 + end) === '}') {
          out.push({ start: i, end: i + end + 2, name: text.slice(i + 1, i + 1 + end) });
          i += end + 2;
        } else { i += 1; }
      } else { i += 1; }
    }
    return out;
  }

  function normal(name) {
    return name.split('.').map(function (part) { return part.trim(); }).join('.');
  }

  /* ``text`` with each reference ``change(name)`` gives a new name for rewritten. */
  function rewrite(text, change) {
    var out = '', last = 0;
    references(text).forEach(function (ref) {
      var name = change(normal(ref.name));
      if (name === null || name === undefined || name === normal(ref.name)) { return; }
      out += text.slice(last, ref.start) + '{' + name + '}';
      last = ref.end;
    });
    return last ? out + text.slice(last) : text;
  }

  /* A reference to ``oldKey`` (or to its rows or its related fields) now names ``newKey``. */
  function renameField(text, oldKey, newKey) {
    return rewrite(text, function (name) {
      var parts = name.split('.');
      if (parts[0] !== oldKey) { return null; }
      parts[0] = newKey;
      return parts.join('.');
    });
  }

  /* Every field this editor knows: the server's list, and the hook's (the designer's draft,
     with fields not saved yet): [{ref, names: [...]}]. */
  Editor.prototype.known = function () {
    var entries = this.fields.map(function (f) {
      return { ref: f.ref, names: [f.name, f.label].filter(Boolean) };
    });
    return FE.localFields ? entries.concat(FE.localFields(this.area) || []) : entries;
  };

  /* The formula as stored: references by key (a key wins; a name of one field only). */
  Editor.prototype.keyed = function (text) {
    var known = this.known();
    var refs = {};
    known.forEach(function (f) { refs[f.ref] = true; });
    return rewrite(text === undefined ? this.area.value : text, function (name) {
      if (refs[name]) { return null; }
      var found = {};
      known.forEach(function (f) {
        if (f.names.indexOf(name) !== -1) { found[f.ref] = true; }
      });
      var keys = Object.keys(found);
      return keys.length === 1 ? keys[0] : null;
    });
  };

  /* The formula as shown: references by the names the server gave. */
  Editor.prototype.labelled = function (text) {
    var names = {};
    this.fields.forEach(function (f) { if (f.name) { names[f.ref] = f.name; } });
    return rewrite(text, function (name) { return names[name] || null; });
  };

  /* Once the fields are known: show the formula with labels (unless it is being typed). */
  Editor.prototype.showLabels = function () {
    if (this.typed || document.activeElement === this.area) { return; }
    var shown = this.labelled(this.area.value);
    if (shown === this.area.value) { return; }
    this.area.value = shown;
    this.paint(null);
    this.check();
  };

  /* The page saved the form's fields (the designer's autosave): what formulas name may have
     changed, so every editor knows them again (one request per form) and checks again. */
  document.addEventListener('formula:fields-changed', function () {
    var asked = {};
    document.querySelectorAll('textarea[data-formula-ready]').forEach(function (area) {
      var editor = area.formulaEditor;
      if (!editor) { return; }
      var fresh = !asked[editor.fieldsUrl];
      asked[editor.fieldsUrl] = true;
      editor.loadFields(fresh).then(function () {
        if (editor.result && !editor.result.ok) { editor.check(); }
      });
    });
  });

  FE.references = references;
  FE.renameField = renameField;
})();
