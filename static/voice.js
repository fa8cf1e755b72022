// A voice message instead of typing: hold the big button and speak (or tap
// it once to start and once to stop), up to a minute. The recording is sent
// to the server at once, which checks it and answers with a key; the form
// carries the key. Without a microphone or MediaRecorder nothing is shown.
(function () {
  "use strict";
  var LIMIT_MS = 60 * 1000;
  var HOLD_MS = 600;

  function pickType() {
    var types = ["audio/webm;codecs=opus", "audio/mp4", "audio/webm"];
    for (var i = 0; i < types.length; i++) {
      if (MediaRecorder.isTypeSupported(types[i])) return types[i];
    }
    return "";
  }

  function setUp(box) {
    var button = box.querySelector("button.record");
    var status = box.querySelector(".voice-status");
    var input = document.getElementById(box.getAttribute("data-input"));
    var player = box.querySelector("audio");
    var again = box.querySelector("button.record-again");
    var say = function (name) { return box.getAttribute("data-say-" + name) || ""; };
    var recorder = null, stream = null, parts = [], startedAt = 0, tick = null, pressedAt = 0;

    function show(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    }

    function finishUi() {
      clearInterval(tick);
      box.classList.remove("recording");
      button.textContent = say("start");
      button.setAttribute("aria-pressed", "false");
    }

    function send(blob) {
      show(say("sending"));
      fetch(box.getAttribute("data-upload"), {
        method: "POST",
        headers: { "Content-Type": blob.type || "application/octet-stream" },
        body: blob,
        credentials: "same-origin"
      }).then(function (answer) {
        return answer.json().then(function (json) { return { ok: answer.ok, json: json }; });
      }).then(function (result) {
        if (!result.ok) { show(result.json.message || say("failed"), true); return; }
        input.value = result.json.key;
        player.src = URL.createObjectURL(blob);
        player.hidden = false;
        again.hidden = false;
        button.hidden = true;
        show(say("recorded").replace("%s", result.json.length));
        optional();
      }).catch(function () { show(say("failed"), true); });
    }

    // With a voice message, the words it stands for need not be typed.
    function optional() {
      var field = document.getElementById(box.getAttribute("data-optional") || "");
      if (field) field.removeAttribute("required");
    }

    function stop() {
      if (recorder && recorder.state === "recording") recorder.stop();
    }

    function start() {
      if (recorder && recorder.state === "recording") return;
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
        stream = s;
        var type = pickType();
        recorder = type ? new MediaRecorder(s, { mimeType: type, audioBitsPerSecond: 32000 })
                        : new MediaRecorder(s);
        parts = [];
        recorder.ondataavailable = function (e) { if (e.data && e.data.size) parts.push(e.data); };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          finishUi();
          send(new Blob(parts, { type: recorder.mimeType || type }));
        };
        recorder.start(1000);
        startedAt = Date.now();
        box.classList.add("recording");
        button.textContent = say("stop");
        button.setAttribute("aria-pressed", "true");
        tick = setInterval(function () {
          var left = Math.max(0, Math.ceil((LIMIT_MS - (Date.now() - startedAt)) / 1000));
          show(say("left").replace("%s", left));
          // The kiosk starts over after a minute untouched; speaking counts.
          document.dispatchEvent(new Event("input"));
          if (left === 0) stop();
        }, 250);
      }).catch(function () { show(say("denied"), true); });
    }

    // Held down: records while held. Tapped: records until tapped again.
    button.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      pressedAt = Date.now();
      if (recorder && recorder.state === "recording") { stop(); pressedAt = 0; return; }
      start();
    });
    button.addEventListener("pointerup", function () {
      if (pressedAt && Date.now() - pressedAt > HOLD_MS) stop();
      pressedAt = 0;
    });
    button.addEventListener("click", function (e) {
      e.preventDefault();
      // Keyboards press Enter or Space: one press starts, the next stops.
      if (e.detail === 0) {
        if (recorder && recorder.state === "recording") stop(); else start();
      }
    });
    again.addEventListener("click", function (e) {
      e.preventDefault();
      input.value = "";
      player.hidden = true;
      player.removeAttribute("src");
      again.hidden = true;
      button.hidden = false;
      show("");
    });
    if (input.value) {
      button.hidden = true;
      again.hidden = false;
      show(say("kept"));
      optional();
    }
    box.hidden = false;
  }

  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  document.querySelectorAll(".voice[data-upload]").forEach(setUp);
})();
