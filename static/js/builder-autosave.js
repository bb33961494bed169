/* The autosave of the builder's designer pages (rules, workflow, to-do settings, duplicates,
   list views): one request at a time PUTs the draft through the documents API with If-Match;
   a conflict (409) keeps the edits, stops saving and offers reload or "save mine over theirs"
   (templates/builder/_conflict_alert.html); problems (422) go to the page's controls; a
   network failure leaves the edits for the next change to retry. Publishing saves first.
   The form designer (builder.js) keeps its own: it merges drafts on a conflict. */
(function () {
  'use strict';

  window.Trellis = window.Trellis || {};

  /* Texts from a page's config: ``texts[name]`` with ``{n}`` filled in. */
  function configWords(texts) {
    return function (name, n) { return String(texts[name]).replace('{n}', n); };
  }

  /* Texts from the page's root element: its data-msg-<name> attributes. */
  function dataWords(root) {
    return function (name, n) {
      return (root.dataset['msg' + name.charAt(0).toUpperCase() + name.slice(1)] || '').replace('{n}', n);
    };
  }

  /* The autosave of the designer in ``root``. ``o``: api, publish (URLs), etag, saved (the
     draft's text as stored), text() (the draft's text now), words(name, n) (saving, saved,
     unsaved, invalid, failed, conflict, publishing, published, unchanged, version), problems
     ({show(errors), clear()}), publishButton (a selector); optional: delay (ms, 700),
     conflictSays (add the server's words to the conflict), onSaved(doc, text), pill (false:
     no pill to mark), onPublished(data, text), onOverwrite(current) (the latest stored
     draft). */
  function autosave(root, o) {
    var etag = o.etag, lastSaved = o.saved;
    var timer = null, saving = null, blocked = false;
    var statusEl = document.getElementById('save-status');
    var alertEl = document.getElementById('designer-alert');
    var request = window.Trellis.requestJSON;
    var words = o.words;

    function status(text, state) { statusEl.textContent = text; statusEl.dataset.state = state || ''; }
    function alert(text, kind, conflict) {
      alertEl.hidden = !text;
      alertEl.className = 'alert alert-' + (kind || 'error');
      alertEl.querySelector('[data-alert-text]').textContent = text || '';
      alertEl.querySelector('[data-conflict-actions]').hidden = !conflict;
    }
    function errorsOf(answer) { return (answer.data && answer.data.errors) || []; }

    function saved(answer, text) {
      etag = answer.headers.get('ETag') || etag;
      lastSaved = text;
      if (o.onSaved) { o.onSaved(JSON.parse(text), text); }
      o.problems.clear();
      alert('');
      // an edit made while the request was under way is not saved yet (its own save follows)
      var same = o.text() === text;
      status(words(same ? 'saved' : 'unsaved'), same ? 'saved' : 'dirty');
      return true;
    }

    function conflicted(answer) {
      blocked = true;
      var says = o.conflictSays ? ' ' + ((errorsOf(answer)[0] || {}).message || '') : '';
      alert(words('conflict') + says, 'error', true);
      status(words('unsaved'), 'error');
      return false;
    }

    function answered(answer, text) {
      if (answer.status === 200 || answer.status === 201) { return saved(answer, text); }
      if (answer.status === 409) { return conflicted(answer); }
      o.problems.show(errorsOf(answer));
      status(words('invalid'), 'error');
      return false;
    }

    function save(force) {
      if (blocked && !force) { return Promise.resolve(false); }
      // one request at a time: answers must not overtake each other (ETags, error marks)
      if (saving) { return saving.then(function () { return save(force); }); }
      var text = o.text();
      if (text === lastSaved && !force) {
        o.problems.clear();  // back to what the server took: its marks are out of date
        status(words('saved'), 'saved');
        return Promise.resolve(true);
      }
      status(words('saving'), 'saving');
      saving = request('PUT', o.api, JSON.parse(text), etag)
        .then(function (answer) { return answered(answer, text); },
              function () { status(words('failed'), 'error'); return false; })
        .then(function (ok) { saving = null; return ok; });
      return saving;
    }

    /* The draft changed: save soon (``delay`` ms; typing waits longer). */
    function changed(delay) {
      clearTimeout(timer);
      if (o.text() !== lastSaved) { status(words('unsaved'), 'dirty'); }
      timer = setTimeout(function () { save(false); }, delay === undefined ? (o.delay || 700) : delay);
    }

    function published(data) {
      var n = data.version;
      var text = words(data.unchanged ? 'unchanged' : 'published', n);
      alert(text, 'success');
      status(words('saved'), 'saved');
      if (o.pill !== false) {
        var pill = root.querySelector('[data-published]');
        pill.textContent = words('version', n);
        pill.className = 'pill pill-live';
      }
      if (o.onPublished) { o.onPublished(data, text); }
    }

    function publishSaved() {
      status(words('publishing'), 'saving');
      return request('POST', o.publish, {}, etag).then(function (answer) {
        if (answer.status === 200) { published(answer.data); return; }
        if (answer.status === 409) { blocked = true; alert(words('conflict'), 'error', true); }
        else { o.problems.show(answer.data.errors || []); }
        status(words('invalid'), 'error');
      });
    }

    function publish(button) {
      clearTimeout(timer);
      button.disabled = true;
      save(false).then(function (ok) { return ok ? publishSaved() : undefined; })
        .then(function () { button.disabled = false; }, function () { button.disabled = false; });
    }

    /* Take the latest revision's ETag, then save this page's draft over it. */
    function overwrite() {
      fetch(o.api, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) { etag = response.headers.get('ETag') || etag; return response.json(); })
        .then(function (current) {
          if (o.onOverwrite) { o.onOverwrite(current); }
          blocked = false;
          return save(true);
        });
    }

    root.addEventListener('click', function (event) {
      var button = event.target.closest(o.publishButton);
      if (button) { publish(button); }
      else if (event.target.closest('[data-reload]')) { window.location.reload(); }
      else if (event.target.closest('[data-overwrite]')) { overwrite(); }
    });
    window.addEventListener('beforeunload', function (event) {
      if (o.text() !== lastSaved) { event.preventDefault(); event.returnValue = ''; }
    });

    return {
      save: save, changed: changed, alert: alert,
      saved: function () { return lastSaved; },
      /* The draft as the page writes it is what is stored (nothing to save yet). */
      settle: function (text) { lastSaved = text; },
      scheduled: function () { return timer !== null; }
    };
  }

  autosave.configWords = configWords;
  autosave.dataWords = dataWords;
  window.Trellis.autosave = autosave;
})();
