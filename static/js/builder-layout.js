/* Form designer, layout: the draft's tabs -> sections -> field keys, and each section's
 * ``spans`` (how many of its columns a field takes). Edits here change B.doc only; the
 * caller records them with B.change(). */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};

  B.tabs = function () { return B.doc.layout.tabs; };

  B.sections = function () {
    var out = [];
    B.doc.layout.tabs.forEach(function (tab) {
      (tab.sections || []).forEach(function (s) { out.push(s); });
    });
    return out;
  };

  /* Every field placed exactly once; a form without a layout gets one section. */
  B.normalise = function (doc) {
    doc.fields = doc.fields || [];
    var keys = new Set(doc.fields.map(function (f) { return f.key; }));
    if (!doc.layout || !doc.layout.tabs || !doc.layout.tabs.length) {
      doc.layout = {tabs: [{sections: [{columns: doc.fields.length ? 2 : 1, fields: []}]}]};
    }
    var placed = new Set();
    doc.layout.tabs.forEach(function (tab) {
      if (!tab.sections || !tab.sections.length) { tab.sections = [{columns: 1, fields: []}]; }
      tab.sections.forEach(function (s) {
        s.fields = (s.fields || []).filter(function (k) {
          var ok = keys.has(k) && !placed.has(k);
          placed.add(k);
          return ok;
        });
      });
    });
    var tabs = doc.layout.tabs;
    var lastSections = tabs[tabs.length - 1].sections;
    var last = lastSections[lastSections.length - 1];
    doc.fields.forEach(function (f) { if (!placed.has(f.key)) { last.fields.push(f.key); } });
    return doc;
  };

  /* Where ``key`` is placed: tab and section index, its index in the section, the section. */
  B.placeOf = function (key) {
    var found = null;
    B.doc.layout.tabs.forEach(function (tab, ti) {
      tab.sections.forEach(function (s, si) {
        var i = s.fields.indexOf(key);
        if (i !== -1) { found = {tab: ti, section: si, index: i, list: s.fields, at: s}; }
      });
    });
    return found;
  };

  /* Keep ``fields`` in the order the layout shows them (API readers see the same order). */
  B.syncFieldOrder = function () {
    var order = [];
    B.sections().forEach(function (s) { order = order.concat(s.fields); });
    var rank = {};
    order.forEach(function (k, i) { rank[k] = i; });
    B.doc.fields.sort(function (a, b) { return rank[a.key] - rank[b.key]; });
  };

  B.renameKey = function (oldKey, newKey) {
    var fld = B.field(oldKey);
    if (!fld || oldKey === newKey) { return; }
    fld.key = newKey;
    B.sections().forEach(function (s) {
      s.fields = s.fields.map(function (k) { return k === oldKey ? newKey : k; });
      if (s.spans && s.spans[oldKey]) { s.spans[newKey] = s.spans[oldKey]; delete s.spans[oldKey]; }
    });
    if (B.fresh.has(oldKey)) { B.fresh.delete(oldKey); B.fresh.add(newKey); }
    if (B.selected === oldKey) { B.selected = newKey; }
    renameInFormulas(oldKey, newKey);
  };

  /* Formulas name fields by key: a key that follows its label takes its formulas along. */
  function renameInFormulas(oldKey, newKey) {
    var FE = window.TrellisFormulaEditor;
    if (!FE || !FE.renameField) { return; }
    var rename = function (text) {
      return typeof text === 'string' ? FE.renameField(text, oldKey, newKey) : text;
    };
    (B.doc.fields || []).forEach(function (f) {
      ['visible_if', 'required_if', 'readonly_if'].forEach(function (p) {
        if (typeof f[p] === 'string') { f[p] = rename(f[p]); }
      });
      if (f['default'] && typeof f['default'] === 'object' && !Array.isArray(f['default'])) {
        f['default'].formula = rename(f['default'].formula);
      }
      (f.validate || []).forEach(function (rule) { rule.formula = rename(rule.formula); });
      if (f.config && typeof f.config.formula === 'string') {
        f.config.formula = rename(f.config.formula);
      }
    });
  }

  // -- widths -------------------------------------------------------------------------------
  /* The field's section columns and its span there ({columns, span}), or null. */
  B.placement = function (key) {
    var place = B.placeOf(key);
    if (!place) { return null; }
    var columns = place.at.columns || 1;
    var span = (place.at.spans && place.at.spans[key]) || 1;
    return {columns: columns, span: Math.min(span, columns)};
  };

  B.setSpan = function (key, span) {
    var place = B.placeOf(key);
    if (!place) { return; }
    place.at.spans = place.at.spans || {};
    place.at.spans[key] = span;
    B.tidySpans();
  };

  /* Spans follow their field into whichever section it is now in, within that section's
   * columns; a span of one column is the default and is not written. */
  B.tidySpans = function () {
    var wide = {};
    B.sections().forEach(function (s) {
      Object.keys(s.spans || {}).forEach(function (k) { wide[k] = s.spans[k]; });
    });
    B.sections().forEach(function (s) {
      var spans = {};
      s.fields.forEach(function (k) {
        var span = Math.min(wide[k] || 1, s.columns || 1);
        if (span > 1) { spans[k] = span; }
      });
      if (Object.keys(spans).length) { s.spans = spans; } else { delete s.spans; }
    });
  };

  /* Move a placed field to the end of the last section of tab ``index``. */
  B.moveToTab = function (key, index) {
    var place = B.placeOf(key);
    var sections = B.tabs()[index].sections;
    var last = sections[sections.length - 1];
    if (place) {
      if (place.list === last.fields) { return; }
      place.list.splice(place.index, 1);
    }
    last.fields.push(key);
  };
})();
