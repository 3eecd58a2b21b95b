/* global document, window */
// The player page: asciinema-player on a recording's cast, or on a live session's WebSocket
// (`v2.asciicast`), both served by this listener (no CDN). A recording's markers are its own
// `m` events; the player shows them on its timeline.
(function () {
  'use strict';
  var el = document.getElementById('player');
  if (!el || !window.AsciinemaPlayer) return;
  var live = el.getAttribute('data-live');
  var src = live
    ? { driver: 'websocket', url: 'wss://' + window.location.host + live, bufferTime: 0 }
    : { url: el.getAttribute('data-cast') };
  window.custodyPlayer = window.AsciinemaPlayer.create(src, el, {
    fit: 'width',
    idleTimeLimit: 2,
    controls: true,
    autoPlay: !!live,
  });
})();
