// bayar checkout page: countdown, copy button, live status. Plain ES2017, no dependencies; the
// page works without it (forms post, links navigate), this only makes it live.
(function () {
  'use strict';
  var body = document.body;
  var data = body.dataset;

  // Countdown to the payment's deadline.
  var countdown = document.getElementById('countdown');
  if (countdown) {
    var deadline = Date.parse(countdown.getAttribute('datetime'));
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      countdown.textContent = (h ? h + ':' : '') + (h && m < 10 ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s;
      if (left === 0) { clearInterval(timer); check(); }
    };
    var timer = setInterval(tick, 1000);
    tick();
  }

  // Copy buttons (VA number, pay code).
  Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (button) {
    var label = button.textContent;
    button.addEventListener('click', function () {
      var done = function () {
        button.textContent = data.copied || 'Copied';
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(button.dataset.copy).then(done, function () {});
    });
  });

  // Live status: the server renders every screen; the page reloads when the screen changes.
  var checking = false;
  function check() {
    if (checking || !data.status) return;
    checking = true;
    fetch(data.status, { cache: 'no-store', credentials: 'omit' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        checking = false;
        if (s && (s.screen !== data.state || s.ready !== data.ready)) location.reload();
      }, function () { checking = false; });
  }
  if (data.state === 'choose' || data.state === 'pay') setInterval(check, 2000);

  // Paid: back to the shop after a moment (the button is there too).
  if (data.state === 'paid' && data['return']) {
    var note = document.getElementById('returning');
    if (note) note.hidden = false;
    setTimeout(function () { location.assign(data['return']); }, 3000);
  }
})();
