/* The formula editor's "try it" panel: type values for the fields a formula names and see
   what it gives, worked out by the server (POST .../formula with a sample record).
   Loaded after formula-editor.js, whose Editor it extends. */
(function () {
  'use strict';

  var FE = window.TrellisFormulaEditor;
  if (!FE) { return; }
  var Editor = FE.Editor, el = FE.el, postJSON = FE.postJSON, T = FE.T;

  Editor.prototype.renderTry = function () {
    var self = this, panel = this.tryPanel, byRef = {};
    this.fields.forEach(function (f) { byRef[f.ref] = f; });
    panel.textContent = '';
    panel.appendChild(el('p', 'muted small', this.refs.length ? T.sample : T.noRefs));
    var grid = el('div', 'fe-try-grid');
    this.refs.forEach(function (ref) {
      var f = byRef[ref] || { ref: ref, type: 'text' };
      var label = el('label', 'fe-try-label', f.label || ref);
      var input, saved = (self.sample || {})[ref];
      if (f.choices) {  // a select's choices by label; the value is what the record holds
        input = choiceInput(f, saved);
      } else if (f.type === 'boolean') {
        input = el('select', 'input');
        [['', T.empty], ['true', T.yes], ['false', T.no]].forEach(function (o) {
          var opt = el('option', '', o[1]); opt.value = o[0]; input.appendChild(opt);
        });
      } else {
        input = el('input', 'input');
        input.type = (f.type === 'number' || f.type === 'decimal') ? 'number' : (f.type === 'date' ? 'date' : 'text');
        input.step = 'any';
      }
      input.dataset.ref = ref;
      input.dataset.type = f.type;
      if (!f.choices) { input.value = saved || ''; }
      label.appendChild(input);
      grid.appendChild(label);
    });
    panel.appendChild(grid);
    var run = el('button', 'btn small primary', T.run);
    run.type = 'button';
    var out = el('div', 'fe-try-result');
    out.setAttribute('aria-live', 'polite');
    run.addEventListener('click', function () { self.run(grid, out); });
    panel.appendChild(run);
    panel.appendChild(out);
  };

  /* A dropdown of the field's choices (several may be picked for a multi-select). */
  function choiceInput(f, saved) {
    var many = f.type === 'list of text';
    var input = el('select', 'input');
    input.multiple = many;
    if (!many) { input.appendChild(option('', T.empty, false)); }
    f.choices.forEach(function (c) {
      var picked = many ? (saved || []).indexOf(c.value) !== -1 : saved === c.value;
      input.appendChild(option(c.value, c.label, picked));
    });
    if (many) { input.size = Math.min(f.choices.length, 5); }
    return input;
  }

  function option(value, text, selected) {
    var opt = el('option', '', text);
    opt.value = value;
    opt.selected = selected;
    return opt;
  }

  Editor.prototype.run = function (grid, out) {
    var record = {}, self = this;
    this.sample = {};
    Array.prototype.forEach.call(grid.querySelectorAll('[data-ref]'), function (input) {
      var type = input.dataset.type;
      if (input.multiple) {
        var picked = Array.prototype.filter.call(input.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
        self.sample[input.dataset.ref] = picked;
        record[input.dataset.ref] = picked.length ? picked : null;
        return;
      }
      var raw = input.value.trim(), value = raw === '' ? null : raw;
      self.sample[input.dataset.ref] = input.value;
      if (value !== null && (type === 'number' || type === 'decimal')) { value = Number(raw); }
      if (value !== null && type === 'boolean') { value = raw === 'true'; }
      if (value !== null && type === 'list of text') { value = raw.split(/[,，]/).map(function (v) { return v.trim(); }); }
      record[input.dataset.ref] = value;
    });
    out.className = 'fe-try-result';
    out.textContent = T.checking;
    postJSON(this.checkUrl, { formula: this.area.value, expect: this.expect, record: record })
      .then(function (answer) {
        var data = answer.data || {};
        if (data.ok) {
          out.classList.add('ok');
          out.textContent = T.result + ': ' + (data.value === null || data.value === undefined ? 'NULL' : JSON.stringify(data.value));
        } else {
          out.classList.add('error');
          out.textContent = data.error ? data.error.message : T.unavailable;
        }
      }, function () { out.textContent = T.unavailable; });
  };
})();
