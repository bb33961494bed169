/* Form designer, two editors at once: when a save finds the draft saved meanwhile (409), say
   who saved it (the server's message: "you, in another tab" or the person's name) and offer to
   load their version with this page's edits applied on top, or to drop this page's edits.
   Applying is a three-way merge by field: what this page changed since it last saved (added,
   changed or removed fields, other properties of the form) is put onto the latest draft. */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};

  function clone(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function byKey(fields) {
    var out = {};
    (fields || []).forEach(function (f) { out[f.key] = f; });
    return out;
  }

  /* ``mine`` and ``theirs`` both started from ``base``: theirs with what mine changed. */
  B.mergeDrafts = function (base, mine, theirs) {
    var out = clone(theirs);
    Object.keys(Object.assign({}, base, mine)).forEach(function (prop) {
      if (prop === 'fields' || same(base[prop], mine[prop])) { return; }
      if (mine[prop] === undefined) { delete out[prop]; } else { out[prop] = clone(mine[prop]); }
    });
    var before = byKey(base.fields), kept = byKey(mine.fields);
    var fields = (out.fields || []).filter(function (f) { return !before[f.key] || kept[f.key]; });
    (mine.fields || []).forEach(function (f, i) {
      if (before[f.key] && same(before[f.key], f)) { return; }
      var at = fields.findIndex(function (x) { return x.key === f.key; });
      if (at >= 0) { fields[at] = clone(f); return; }
      var prev = i > 0 ? mine.fields[i - 1].key : null;  // a new field: after its neighbour
      var after = prev ? fields.findIndex(function (x) { return x.key === prev; }) : -1;
      fields.splice(after >= 0 ? after + 1 : (prev ? fields.length : 0), 0, clone(f));
    });
    out.fields = fields;
    return out;
  };

  function latest() {
    return fetch(B.urls.document, {credentials: 'same-origin',
                                   headers: {'Accept': 'application/json'}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var revision = response.headers.get('X-Trellis-Revision');
        return response.json().then(function (doc) { return {doc: doc, revision: revision}; });
      });
  }

  function reapply(banner) {
    var base = JSON.parse(B.lastSaved), mine = JSON.parse(JSON.stringify(B.doc));
    banner.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    latest().then(function (found) {
      var merged = B.mergeDrafts(base, mine, found.doc);
      B.lastSaved = JSON.stringify(found.doc);
      B.revision = found.revision;
      B.conflict = false;
      banner.hidden = true;
      B.doc = B.normalise(merged);
      B.change();  // redraw, remember for undo, save over the latest revision
    }).catch(function () {
      banner.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
      B.setStatus('offline');
    });
  }

  /* Show the conflict banner with the server's words (who saved, when). */
  B.showConflict = function (response) {
    B.conflict = true;
    B.setStatus('conflict');
    var banner = document.getElementById('conflict-banner');
    var message = banner.querySelector('[data-message]');
    message.textContent = B.t.conflictHelp;
    banner.hidden = false;
    response.json().then(function (data) {
      var said = data && data.errors && data.errors[0] && data.errors[0].message;
      if (said) {
        said = said.charAt(0).toUpperCase() + said.slice(1);
        message.textContent = said + (/[.。]$/.test(said) ? ' ' : (B.lang === 'zh' ? '。' : '. ')) +
          B.t.conflictHelp;
      }
    }).catch(function () {});
    if (!banner.dataset.wired) {
      banner.dataset.wired = '1';
      banner.querySelector('[data-action="reapply"]').addEventListener('click', function () {
        reapply(banner);
      });
      banner.querySelector('[data-action="discard"]').addEventListener('click', function () {
        B.lastSaved = JSON.stringify(B.doc);  // leaving without the "unsaved" question
        window.location.reload();
      });
    }
  };
})();
