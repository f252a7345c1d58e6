// htmx requests that change something carry Django's CSRF token, read from its cookie.
// (A script file rather than a token in the page: pages stay cacheable and the
// Content-Security-Policy needs no inline script.)
(function () {
  "use strict";
  var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }
  document.addEventListener("htmx:configRequest", function (event) {
    if (SAFE.test(event.detail.verb)) return;
    var token = csrfToken();
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });
})();
