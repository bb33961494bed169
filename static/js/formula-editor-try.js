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
      var input;
      if (f.type === 'boolean') {
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
      input.value = (self.sample || {})[ref] || '';
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

  Editor.prototype.run = function (grid, out) {
    var record = {}, self = this;
    this.sample = {};
    Array.prototype.forEach.call(grid.querySelectorAll('[data-ref]'), function (input) {
      var raw = input.value.trim(), type = input.dataset.type, value = raw === '' ? null : raw;
      self.sample[input.dataset.ref] = input.value;
      if (value !== null && (type === 'number' || type === 'decimal')) { value = Number(raw); }
      if (value !== null && type === 'boolean') { value = raw === 'true'; }
      if (value !== null && type === 'multiselect') { value = raw.split(/[,，]/).map(function (v) { return v.trim(); }); }
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
