// The kiosk forgets what was typed after a minute without a touch, and goes
// back to the start, in Chinese again for the next person. The "done" page,
// which shows the code and the secret link, leaves sooner, in every
// language. Only the start page in Chinese, where the kiosk rests, stays.
// A tapped phrase fills the text box instead of sending.
(function () {
  "use strict";
  var away = document.body.getAttribute("data-idle-to") || "/";
  var IDLE_MS = (parseInt(document.body.getAttribute("data-idle-seconds"), 10) || 60) * 1000;
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.assign(away); }, IDLE_MS);
  }
  ["click", "keydown", "touchstart", "input"].forEach(function (kind) {
    document.addEventListener(kind, reset, { passive: true });
  });
  var resting = document.body.hasAttribute("data-resting") && document.documentElement.lang === "zh-CN";
  if (!resting) reset();

  document.querySelectorAll("button.phrase").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var box = document.getElementById("description");
      if (!box) return;
      event.preventDefault();
      box.value = box.value ? box.value + " " + button.value : button.value;
      box.focus();
    });
  });
})();
