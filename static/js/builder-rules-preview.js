/* One scoring model of the dry run's answer in words (the "Test with a record" tab): the lines
   it would book — each attribute, behaviour or rule with its points and reason, the line that
   keeps the score within the model's bounds — the score before and after, the stage it would
   be at and the thresholds it would cross. The server sends the numbers and the reasons in the
   reader's language; the names of rules, thresholds and stages come from the draft. */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var el = R.el, t = R.t, w = R.t.score;

  R.ruleName = function (key) {
    var rule = (R.doc.rules || []).filter(function (r) { return r.key === key; })[0];
    return rule ? R.label(rule.label) || key : key;
  };
  function byKey(items, key) { return (items || []).filter(function (x) { return x.key === key; })[0] || null; }
  function signed(n) { return (n > 0 ? '+' : '') + n; }

  function lineName(model, line) {
    if (line.kind === 'rule') { return R.ruleName(line.rule); }
    if (line.kind === 'clamp') { return w.clamp; }
    var part = line.kind === 'behaviour' ? 'behaviours' : 'attributes';
    var item = model && byKey(model[part], line.rule);
    return item ? R.label(item.label) || line.rule : (line.rule || '');
  }
  function stageName(model, stage) {
    return R.choiceLabel(model && R.field(model.stage_field), stage);
  }
  function thresholdName(model, key) {
    var th = model && byKey(model.thresholds, key);
    return th ? R.label(th.label) || key : key;
  }

  R.scorePreview = function (s) {
    var model = byKey(R.doc.scoring, s.model);
    var lines = s.lines.length ? el('table', { class: 'table rt-ledger' }, [
      el('thead', {}, [el('tr', {}, [w.kind, t.rule, t.points, t.reason].map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', {}, s.lines.map(function (line) {
        var name = lineName(model, line);
        return el('tr', { 'data-line-kind': line.kind, 'data-line-rule': line.rule || '' }, [
          el('td', { text: w.kinds[line.kind] || line.kind }), el('td', { text: name }),
          el('td', { class: 'num', text: signed(line.points) }),
          el('td', { class: 'muted', text: line.reason && line.reason !== name ? line.reason : '' })]);
      }))]) : el('p', { class: 'muted', text: w.noLines });
    var crossings = s.crossings.length ? s.crossings.map(function (c) {
      return el('li', { 'data-crossing': c.threshold, 'data-direction': c.direction },
                [R.fmt(w[c.direction] || w.up, { t: thresholdName(model, c.threshold) })]);
    }) : [el('li', { class: 'muted', text: w.noCrossing })];
    return el('section', { class: 'card rt-score', 'data-test-score': s.model }, [
      el('h4', { text: R.fmt(w.title, { m: s.label || s.model }) }), lines,
      el('p', { class: 'rt-score-sum', 'data-score-after': s.score }, [el('b', { text: R.fmt(w.beforeAfter, { b: s.before, a: s.score }) })]),
      el('p', { 'data-stage': s.stage || '', text: s.stage ? R.fmt(w.stage, { s: stageName(model, s.stage) }) : w.noStage }),
      el('ul', { class: 'rt-crossings' }, crossings)]);
  };
})();
