/* The instance view (builder/workflows.py): the published workflow's diagram with, on each
   node, how many running instances are at it, and the list of instances (GET
   .../workflows/<key>/instances); picking one lights the nodes it is at and those it passed,
   and lists its history (GET .../instances/<id>). Refreshes every 5 seconds. */
(function () {
  'use strict';

  var root = document.getElementById('wf-instances');
  if (!root) { return; }
  var urls = JSON.parse(root.dataset.urls), cfg = JSON.parse(root.dataset.config), t = cfg.t;
  var doc = cfg.published, lang = cfg.lang, chosen = null, counts = {}, current = [], visited = [];
  var list = document.getElementById('wf-instance-list');
  var detail = document.getElementById('wf-instance-detail');

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function label(value) {
    if (!value) { return ''; }
    return typeof value === 'string' ? value : (value[lang] || value[lang === 'zh' ? 'en' : 'zh'] || '');
  }
  function type(key) {
    return cfg.palette.filter(function (p) { return p.type === key; })[0] || { type: key, label: key, icon: '•', outcomes: ['next'] };
  }
  function word(v) { return t.values[v] || v; }
  function name(key) {  // a node by its label, else its type's name and key
    var n = doc && doc.nodes.filter(function (x) { return x.key === key; })[0];
    return n ? (label(n.label) || type(n.type).label + ' ' + key) : key;
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en') : ''; }

  var canvas = doc ? window.TrellisWFCanvas({
    stage: document.getElementById('wf-stage'), readOnly: true,
    doc: function () { return doc; }, type: type, label: label, value: word, selected: null }) : null;

  function draw() {
    if (!canvas) { return; }
    canvas.opts.counts = chosen ? {} : counts;
    canvas.opts.current = current;
    canvas.opts.visited = visited;
    canvas.draw();
  }

  function showDetail(data) {
    current = data.current;
    visited = data.history.map(function (s) { return s.node; });
    detail.innerHTML = '';
    detail.appendChild(el('h3', '', '#' + data.id + ' · ' + word(data.status)));
    detail.appendChild(el('p', 'muted', t.current + ': ' + (data.current.map(name).join(', ') || '—')));
    var ol = el('ol', 'wf-history');
    ol.dataset.history = data.id;
    data.history.forEach(function (s) {
      var li = el('li', '', when(s.done_at || s.due_at) + ' · ' + name(s.node) + ' · ' + word(s.kind) + ' · ' + word(s.status));
      li.dataset.step = s.node;
      ol.appendChild(li);
    });
    detail.appendChild(el('h4', '', t.history));
    detail.appendChild(ol);
    draw();
  }

  function pick(id) {
    chosen = id;
    list.querySelectorAll('[data-instance]').forEach(function (li) { li.classList.toggle('on', Number(li.dataset.instance) === id); });
    window.Trellis.requestJSON('GET', urls.instances + '/' + id).then(function (answer) {
      if (answer.status === 200) { showDetail(answer.data); }
    });
  }

  function showList(instances) {
    counts = {};
    list.innerHTML = '';
    if (!instances.length) { list.appendChild(el('li', 'muted', t.noInstances)); }
    instances.forEach(function (inst) {
      if (inst.status === 'running') {
        inst.current.forEach(function (key) { counts[key] = (counts[key] || 0) + 1; });
      }
      var li = el('li', 'wf-instance');
      li.dataset.instance = inst.id;
      li.dataset.status = inst.status;
      li.appendChild(el('button', 'btn small ghost', '#' + inst.id + ' · ' + inst.record.form + ' ' + inst.record.id));
      li.appendChild(el('span', 'pill ' + (inst.status === 'running' ? 'pill-live' : 'pill-draft'), word(inst.status)));
      if (doc && inst.version !== cfg.publishedVersion) { li.title = t.oldVersion.replace('{n}', inst.version); }
      li.appendChild(el('span', 'muted small', ' ' + (inst.current.map(name).join(', ') || '')));
      li.addEventListener('click', function () { pick(inst.id); });
      list.appendChild(li);
    });
    draw();
    if (chosen) { pick(chosen); }
  }

  function refresh() {
    window.Trellis.requestJSON('GET', urls.instances).then(function (answer) {
      if (answer.status === 200) { showList(answer.data.instances); root.dataset.loaded = '1'; }
    });
  }

  document.getElementById('wf-refresh').addEventListener('click', refresh);
  draw();
  refresh();
  setInterval(refresh, 5000);
})();
