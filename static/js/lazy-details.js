/*
 * Loads a <details data-src="…"> element's body the first time it is opened: the board's
 * timeline lists the items, and an item's milestones come from the server only when asked
 * for, so the page does not grow with them. Without JavaScript, or when the request fails,
 * the body keeps its link to the item page.
 */
(function () {
  'use strict';

  function load(details) {
    var body = details.querySelector('[data-testid="item-milestones-body"]');
    var src = details.getAttribute('data-src');
    if (!body || !src || details.getAttribute('data-loaded')) { return; }
    details.setAttribute('data-loaded', 'loading');
    window.fetch(src, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        /* Signed out meanwhile: the answer is the sign-in page, not the fragment. */
        if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        body.innerHTML = html;
        details.setAttribute('data-loaded', 'yes');
      })
      .catch(function () {
        details.removeAttribute('data-loaded'); /* opening it again tries again */
      });
  }

  function start() {
    document.querySelectorAll('details[data-src]').forEach(function (details) {
      details.addEventListener('toggle', function () {
        if (details.open) { load(details); }
      });
      if (details.open) { load(details); }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
