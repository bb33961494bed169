/* "Preview with a record": pick a form and one of its stored records (searched through the
   records API, so only those the reader may read), and see the priority and hint that the
   settings on the page give a task on it (POST .../todo/preview works them out with the
   runtime's code and writes nothing). */
(function () {
  'use strict';

  var T = window.TrellisTodo;
  if (!T || !T.root) { return; }
  var el = T.el, t = T.t;
  var box = document.getElementById('todo-preview');
  var formKey = '', picked = null;
  var found = el('ul', { class: 'td-found', 'data-found': true });
  var answer = el('dl', { class: 'td-answer', 'data-preview-answer': true, 'aria-live': 'polite', hidden: true });

  function title(record) {
    var form = T.form(formKey);
    var parts = (form ? form.placeholders : []).map(function (p) { return record[p[0]]; })
      .filter(function (v) { return typeof v === 'string' && v; }).slice(0, 2);
    return '#' + record.id + (parts.length ? ' · ' + parts.join(' · ') : '');
  }

  function search(q) {
    if (!formKey) { found.textContent = ''; return; }
    var url = T.urls.records.replace('{form}', encodeURIComponent(formKey)) + '?per_page=8&total=0' +
      (q ? '&q=' + encodeURIComponent(q) : '');
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : { records: [] }; })
      .then(function (data) {
        found.textContent = '';
        (data.records || []).forEach(function (rec) {
          found.appendChild(el('li', {}, [el('button', { type: 'button', class: 'linklike', 'data-pick-record': rec.id,
            text: title(rec), onclick: function () { pick(rec); } })]));
        });
        if (!(data.records || []).length) { found.appendChild(el('li', { class: 'muted', text: t.noRecord })); }
      }).catch(function () {});
  }

  function row(name, value, attrs) {
    answer.appendChild(el('dt', { text: name }));
    answer.appendChild(el('dd', attrs || {}, [value]));
  }

  function pick(record) {
    picked = record;
    found.textContent = '';
    var body = { todo: T.body().todo || {}, form: formKey, record_id: record.id };
    window.Trellis.requestJSON('POST', T.urls.preview, body).then(function (got) {
      answer.textContent = '';
      answer.hidden = false;
      row(t.record, title(record));
      if (got.status !== 200) {
        var errors = ((got.data || {}).errors || []).map(function (e) {
          return e.path.indexOf('/todo') === 0 ? e : { path: '/preview' + e.path, message: e.message };
        });
        T.showErrors(errors.length ? errors : [{ path: '/preview', message: t.previewFailed }]);
        row(t.hintGiven, el('span', { class: 'muted', text: t.previewFailed }));
        return;
      }
      var d = got.data;
      row(t.priority, d.priority === null ? el('span', { class: 'muted', text: t.noPriority })
        : el('b', { text: String(d.priority) }), { 'data-preview-priority': true });
      row(t.hintGiven, d.hint ? el('span', {}, [el('span', { class: 'td-hint-text', text: d.hint }), ' ',
        el('span', { class: 'muted small', text: t.fromRule.replace('{n}', d.rule + 1) })])
        : el('span', { class: 'muted', text: t.noHint }), { 'data-preview-hint': true });
    });
  }

  function render() {
    box.textContent = '';
    var query = el('input', { class: 'input', type: 'search', placeholder: t.search, 'data-preview-search': true,
      oninput: function () { search(query.value.trim()); } });
    box.appendChild(el('div', { class: 'td-preview-bar' }, [
      T.labelled(t.form, T.select(T.forms(), formKey, { 'data-preview-form': true }, function (v) {
        formKey = v; picked = null; answer.hidden = true; search(query.value.trim()); }), '/preview/form'),
      T.labelled(t.record, query, '/preview/record_id', 'wide')]));
    box.appendChild(found);
    box.appendChild(answer);
  }

  T.parts.push({ render: render });
  T.repreview = function () { if (picked) { pick(picked); } };
})();
