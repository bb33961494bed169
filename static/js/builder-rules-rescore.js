/* After Publish: the re-score the publish started (its id in the answer's "rescore"), polled
   at GET .../rescores/<id> and shown as a bar ("Re-scoring N records… x/N") until it is done,
   failed or gave way to a newer version (one under way when the page opens too). And the scoring table's Fired counts (GET .../fired)
   of a published ruleset, read on opening, after a publish and when a re-score ends. */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var w = R.t.rescore;
  var box = document.getElementById('rescore-progress');
  var bar = box.querySelector('progress');
  var text = box.querySelector('[data-rescore-text]');
  var POLL = 800, watching = null;

  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }

  function loadFired() {
    if (!R.published) { return; }
    getJSON(R.urls.fired).then(function (data) {
      R.fired = data.models || {};
      R.$all('[data-fired]').forEach(R.showFired);
    }).catch(function () {});
  }

  function words(run) {
    var n = run.total === null || run.total === undefined ? '…' : run.total;
    if (run.status === 'done') { return R.fmt(w.done, { n: run.total || 0, m: run.changed || 0 }); }
    if (run.status === 'failed') { return R.fmt(w.failed, { e: run.error || '' }); }
    if (run.status === 'superseded') { return w.superseded; }
    if (run.status === 'running' && run.total !== null) { return R.fmt(w.running, { n: n, x: run.processed }); }
    return run.total === null || run.total === undefined ? w.waiting : R.fmt(w.queued, { n: n });
  }

  function show(run) {
    box.hidden = false;
    box.dataset.status = run.status;
    box.dataset.run = run.id;
    var share = run.total ? Math.round(100 * run.processed / run.total) : (run.status === 'done' ? 100 : 0);
    bar.value = run.status === 'done' ? 100 : share;
    bar.hidden = run.status === 'failed' || run.status === 'superseded';
    text.textContent = words(run);
  }

  function poll(id) {
    if (watching !== id) { return; }
    getJSON(R.urls.rescores + '/' + id).then(function (run) {
      if (watching !== id) { return; }
      show(run);
      if (run.status === 'queued' || run.status === 'running') { setTimeout(function () { poll(id); }, POLL); }
      else { watching = null; loadFired(); }
    }, function (status) {  // gone or not ours to read: stop; the server unreachable: later
      if (status === 404 || status === 403) { watching = null; box.hidden = true; }
      else { setTimeout(function () { poll(id); }, POLL * 4); }
    });
  }
  function watch(id) { watching = id; poll(id); }

  /* On opening the page: a re-score still under way (a reload after Publish) is followed. */
  function underWay() {
    if (!R.published) { return; }
    getJSON(R.urls.rescores).then(function (data) {
      var run = (data.rescores || [])[0];
      if (run && (run.status === 'queued' || run.status === 'running') && watching === null) { watch(run.id); }
    }).catch(function () {});
  }

  /* "Re-score all records": a re-score by the published version on demand (POST .../rescores),
     followed like one a publish started; shown once the ruleset is published with a model. */
  var button = document.getElementById('rescore-now');
  var refused = document.querySelector('[data-rescore-refused]');
  function offerButton() {
    button.hidden = !R.published || !(R.doc && (R.doc.scoring || []).length);
  }
  button.addEventListener('click', function () {
    button.disabled = true;
    refused.textContent = '';
    R.request('POST', R.urls.rescores, {}).then(function (answer) {
      button.disabled = false;
      if (answer.status === 202) { watch(answer.data.id); return; }
      var problem = (answer.data.errors || [])[0];
      refused.textContent = problem ? problem.message : w.refused;
    }, function () { button.disabled = false; refused.textContent = w.refused; });
  });

  R.afterPublish.push(function (answer) {
    loadFired();
    offerButton();
    if (answer.rescore) { watch(answer.rescore); }
  });
  R.root.addEventListener('rules:ready', function () { loadFired(); underWay(); offerButton(); });
})();
