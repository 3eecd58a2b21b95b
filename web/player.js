/* global document, window */
// The player page: asciinema-player on the recording's cast, served by this listener (no CDN).
// Markers are the recording's own `m` events; the player shows them on its timeline.
(function () {
  'use strict';
  var el = document.getElementById('player');
  if (!el || !window.AsciinemaPlayer) return;
  window.custodyPlayer = window.AsciinemaPlayer.create({ url: el.getAttribute('data-cast') }, el, {
    fit: 'width',
    idleTimeLimit: 2,
    controls: true,
  });
})();
