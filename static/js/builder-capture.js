/* The Channels page: try a webhook's mapping on a test payload (the server answers what each
   path picks), and read a chosen logo image into the logo input as a data: URL. */
(function () {
  'use strict';
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-try]');
    if (!button) { return; }
    var form = button.closest('form');
    var body = new FormData();
    body.append('mapping', form.querySelector('[data-mapping]').value);
    body.append('payload', form.querySelector('[data-payload]').value);
    fetch(button.dataset.try, {method: 'POST', body: body, credentials: 'same-origin',
                               headers: {'X-CSRFToken': csrf()}})
      .then(function (response) { return response.text(); })
      .then(function (html) { form.querySelector('[data-try-result]').innerHTML = html; });
  });
  document.addEventListener('change', function (event) {
    if (!event.target.matches('[data-logo-file]')) { return; }
    var file = event.target.files[0];
    if (!file || file.size > 100000) { return; }
    var reader = new FileReader();
    reader.onload = function () {
      event.target.closest('form').querySelector('[data-logo]').value = reader.result;
    };
    reader.readAsDataURL(file);
  });
})();
