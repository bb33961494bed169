/* Form designer: live preview of the draft (rendered by the runtime's own form templates) and
 * publishing, which first shows what it will do to the table (the API's dry run). */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};
  var previewTimer = null;
  var mode = 'design';

  // -- preview ------------------------------------------------------------------------------
  function refreshPreview() {
    var pane = document.getElementById('preview');
    pane.classList.add('is-stale');
    return htmx.ajax('POST', B.urls.preview, {
      target: '#preview', swap: 'innerHTML', values: {doc: JSON.stringify(B.doc)}
    }).then(function () { pane.classList.remove('is-stale'); });
  }

  B.schedulePreview = function () {
    if (mode !== 'preview') { return; }
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 500);
  };

  function setMode(next) {
    mode = next;
    B.root.querySelectorAll('[data-mode]').forEach(function (b) {
      var on = b.dataset.mode === next;
      b.classList.toggle('on', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    document.getElementById('canvas').hidden = next !== 'design';
    document.getElementById('preview').hidden = next !== 'preview';
    B.root.classList.toggle('is-previewing', next === 'preview');
    if (next === 'preview') { refreshPreview(); }
  }

  // -- publishing ---------------------------------------------------------------------------
  function dialog() { return document.getElementById('publish-dialog'); }

  function api(url, body) {  // the documents API
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body || {}),
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json',
                'X-CSRFToken': B.csrf(), 'If-Match': '"' + B.revision + '"'}
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, ok: response.ok, data: data};
      });
    });
  }

  function showPublishErrors(errors) {
    var box = dialog().querySelector('[data-errors]');
    box.textContent = '';
    var head = document.createElement('strong');
    head.textContent = B.t.publishFailed;
    box.appendChild(head);
    var list = document.createElement('ul');
    errors.forEach(function (error) {
      var item = document.createElement('li');
      var m = /^\/fields\/(\d+)/.exec(error.path || '');
      var fld = m && B.doc.fields[Number(m[1])];
      item.textContent = (fld ? (B.labelText(fld.label, B.lang) || fld.key) + ': ' : '') +
        error.message;
      if (error.record) {  // the stored record the problem is about
        var link = document.createElement('a');
        link.href = B.urls.records + '/' + error.record;
        link.target = '_blank';
        link.rel = 'noopener';
        link.textContent = '#' + error.record;
        item.appendChild(document.createTextNode(' '));
        item.appendChild(link);
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    box.hidden = false;
    dialog().querySelector('[data-summary]').textContent = '';
  }

  /* The server's summary of the saved draft: what publishing does to the stored data, in
   * words (HTML), or the problems that stop it (JSON). Its data-state says what to offer. */
  function loadSummary() {
    return fetch(B.urls.summary, {
      method: 'POST', credentials: 'same-origin', body: '{}',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': B.csrf(),
                'If-Match': '"' + B.revision + '"'}
    }).then(function (response) {
      if (response.ok) {
        return response.text().then(function (html) { return {ok: true, html: html}; });
      }
      if (response.status === 409) { B.conflict = true; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {ok: false, errors: (data && data.errors) || [{path: '', message: B.t.offline}]};
      });
    }, function () { return {ok: false, errors: [{path: '', message: B.t.offline}]}; });
  }

  function buttons() {
    var box = dialog();
    return {confirm: box.querySelector('[data-action="publish-confirm"]'),
            cancel: box.querySelector('[data-action="publish-cancel"]')};
  }

  function offer(state) {
    var b = buttons();
    b.confirm.textContent = state === 'duplicates' ? B.t.publishAnyway : B.t.publish;
    b.cancel.textContent = state === 'duplicates' ? B.t.fixFirst : B.t.cancel;
    b.confirm.disabled = state === 'refused' || state === 'checking';
    if (state !== 'checking') { (state === 'refused' ? b.cancel : b.confirm).focus(); }
  }

  function openPublish() {
    var box = dialog();
    offer('checking');
    box.querySelector('[data-errors]').hidden = true;
    box.querySelector('[data-summary]').textContent = B.t.checking;
    box.hidden = false;
    B.saveNow().then(function (saved) {
      if (!saved) {
        showPublishErrors(B.conflict ? [{path: '', message: B.t.conflictHelp}] :
          (B.errors && B.errors.length ? B.errors : [{path: '', message: B.t.offline}]));
        return null;
      }
      return loadSummary();
    }).then(function (result) {
      if (!result) { return; }
      if (!result.ok) { showPublishErrors(result.errors); return; }
      var summary = box.querySelector('[data-summary]');
      summary.innerHTML = result.html;
      var root = summary.querySelector('[data-state]');
      offer(root ? root.dataset.state : 'ok');
    });
  }

  function published(data) {
    var pill = B.root.querySelector('[data-publish-state]');
    pill.textContent = B.t.published.replace('{n}', data.version);
    pill.className = 'pill pill-live';
    B.doc.fields.forEach(function (f) { B.locked.add(f.key); B.fresh.delete(f.key); });
    B.root.dataset.publishedVersion = data.version;
    document.querySelectorAll('[data-open-form]').forEach(function (a) { a.hidden = false; });
    B.setStatus('saved');
    document.getElementById('save-status').textContent = B.t.published.replace('{n}', data.version);
    if (B.selected) { B.reloadPanel(); }
  }

  function confirmPublish() {
    var box = dialog();
    var confirm = box.querySelector('[data-action="publish-confirm"]');
    confirm.disabled = true;
    box.querySelector('[data-summary]').textContent = B.t.publishing;
    var note = box.querySelector('#publish-note').value.trim();
    api(B.urls.publish, note ? {note: note} : {}).then(function (result) {
      if (!result.ok) {
        if (result.status === 409) { B.conflict = true; }
        showPublishErrors((result.data && result.data.errors) || []);
        return;
      }
      box.hidden = true;
      published(result.data);
    });
  }

  B.initPublish = function () {
    B.root.addEventListener('click', function (event) {
      var modeButton = event.target.closest('[data-mode]');
      if (modeButton) { setMode(modeButton.dataset.mode); return; }
      var action = event.target.closest('[data-action]');
      if (!action) { return; }
      if (action.dataset.action === 'publish') { openPublish(); }
      if (action.dataset.action === 'publish-cancel') { dialog().hidden = true; }
      if (action.dataset.action === 'publish-confirm') { confirmPublish(); }
    });
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && !dialog().hidden) { dialog().hidden = true; }
    });
  };
})();
