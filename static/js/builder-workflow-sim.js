/* The workflow designer's simulation (window.TrellisWF): the draft as drawn (saved or not)
   run on a stored record and/or sample values from a chosen time, with a decision per
   approval and task; the answer — each step with its virtual time and what it would do, and
   how the run ends — is listed and the path taken is lit on the diagram. */
(function () {
  'use strict';

  var W = window.TrellisWF;
  if (!W) { return; }
  var el = W.el;
  var result = document.getElementById('wf-sim-result');
  var errors = document.getElementById('wf-sim-errors');
  var decisions = document.getElementById('wf-sim-decisions');

  var shown = null;
  function renderDecisions() {  // again only when the approvals and tasks changed
    var sign = JSON.stringify(W.doc.nodes.filter(function (n) { return n.type === 'approval' || n.type === 'task'; })
      .map(function (n) { return [n.key, n.label]; }));
    if (sign === shown) { return; }
    shown = sign;
    decisions.innerHTML = '';
    W.doc.nodes.forEach(function (node) {
      var kind = W.type(node.type);
      if (node.type !== 'approval' && node.type !== 'task') { return; }
      var sel = el('select', { class: 'input', 'data-decision': node.key });
      kind.outcomes.forEach(function (o) { sel.appendChild(el('option', { value: o, text: W.value(o) })); });
      decisions.appendChild(el('label', { class: 'rl-opt' }, [
        el('span', { class: 'field-label', text: (W.label(node.label) || node.key) + ' (' + kind.label + ')' }), sel]));
    });
  }

  function request() {
    var body = { doc: W.doc, decisions: {} };
    var record = document.getElementById('wf-sim-record').value;
    if (record) { body.record_id = Number(record); }
    try { body.values = JSON.parse(document.getElementById('wf-sim-values').value || '{}'); }
    catch (e) { body.values = 'not JSON'; }
    var start = document.getElementById('wf-sim-start').value;
    if (start) { body.start = new Date(start).toISOString(); }
    decisions.querySelectorAll('[data-decision]').forEach(function (s) { body.decisions[s.dataset.decision] = s.value; });
    return body;
  }

  function show(answer) {
    var t = W.t.sim, byKey = {};
    W.doc.nodes.forEach(function (n) { byKey[n.key] = n; });
    result.innerHTML = '';
    result.appendChild(el('p', { 'data-sim-status': answer.status }, [
      el('strong', { text: t.status + ': ' }), W.value(answer.status) === answer.status && answer.status === 'waiting'
        ? t.stuck + ' (' + answer.waiting.join(', ') + ')' : W.value(answer.status)]));
    var list = el('ol', { class: 'wf-sim-steps' });
    answer.steps.forEach(function (step) {
      var node = byKey[step.node] || { key: step.node, type: '' }, kind = W.type(node.type);
      list.appendChild(el('li', { 'data-sim-step': step.node }, [
        el('span', { class: 'wf-icon', text: kind.icon }), ' ',
        el('strong', { text: W.label(node.label) || kind.label }), ' ',
        el('span', { class: 'muted', text: new Date(step.at).toLocaleString(W.lang === 'zh' ? 'zh-CN' : 'en') }), ' — ',
        el('span', { text: step.does.length ? step.does.join('; ') : t.noEffects })]));
    });
    result.appendChild(el('h3', { text: t.path }));
    result.appendChild(list);
    document.querySelectorAll('#wf-stage .wf-node').forEach(function (box) {
      box.classList.toggle('wf-visited', answer.path.indexOf(box.dataset.node) !== -1);
    });
  }

  function run() {
    errors.textContent = '';
    W.request('POST', W.urls.simulate, request()).then(function (answer) {
      if (answer.status === 200) { show(answer.data); return; }
      var problems = (answer.data && answer.data.errors) || [];
      if (problems.some(function (p) { return /^\/(nodes|edges|exit)/.test(p.path || ''); })) { W.showErrors(problems); }
      errors.textContent = problems.map(function (p) { return (p.path ? p.path + ': ' : '') + p.message; }).join(' ');
    });
  }

  document.getElementById('wf-sim-run').addEventListener('click', run);
  W.sim = { render: renderDecisions };
  W.root.addEventListener('focusin', function (event) {
    if (event.target.closest('#wf-sim')) { renderDecisions(); }
  });
})();
