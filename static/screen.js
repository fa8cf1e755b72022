// The community screen: rotates its panels, alternates languages, and
// follows the live stream. EventSource reconnects by itself and resumes
// with Last-Event-ID, so nothing is missed.
(function () {
  "use strict";
  var body = document.body;
  var ROTATE_MS = 12000;
  var offset = parseInt(body.getAttribute("data-utc-offset") || "480", 10);

  function localMinute() {
    var now = new Date();
    var utc = now.getUTCHours() * 60 + now.getUTCMinutes();
    return (((utc + offset) % 1440) + 1440) % 1440;
  }

  function shows(panel) {
    var hours = panel.getAttribute("data-hours");
    if (!hours) return true;
    var parts = hours.split("-");
    var from = parseInt(parts[0], 10), to = parseInt(parts[1], 10), m = localMinute();
    return from <= to ? m >= from && m < to : m >= from || m < to;
  }

  var current = -1;
  function rotate() {
    var panels = Array.prototype.filter.call(document.querySelectorAll("[data-panel]"), shows);
    document.querySelectorAll("[data-panel]").forEach(function (p) { p.classList.remove("on"); });
    if (panels.length === 0) return;
    current = (current + 1) % panels.length;
    panels[current].classList.add("on");
  }

  function clock() {
    var m = localMinute();
    var el = document.getElementById("now");
    if (el) el.textContent = ("0" + Math.floor(m / 60)).slice(-2) + ":" + ("0" + (m % 60)).slice(-2);
  }

  if (body.classList.contains("lang-both")) {
    body.classList.add("show-zh");
    setInterval(function () {
      body.classList.toggle("show-zh");
      body.classList.toggle("show-en");
    }, 8000);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function both(zh, en) {
    var span = document.createElement("span");
    span.appendChild(el("span", "zh", zh || en || ""));
    span.appendChild(document.createTextNode(" "));
    span.appendChild(el("span", "en", en || zh || ""));
    return span;
  }

  function requestItem(d, answer) {
    var li = el("li", "fresh");
    li.setAttribute("data-code", d.code);
    li.appendChild(el("span", "icon", d.icon));
    li.appendChild(document.createTextNode(" "));
    var strong = document.createElement("strong");
    strong.appendChild(both(d.category_zh, d.category_en));
    li.appendChild(strong);
    if (d.place_zh || d.place_en) {
      li.appendChild(document.createTextNode(" · "));
      li.appendChild(both(d.place_zh, d.place_en));
    }
    li.appendChild(document.createElement("br"));
    li.appendChild(el("span", "words", d.description));
    if (answer && d.message) {
      li.appendChild(document.createElement("br"));
      li.appendChild(el("span", "answer", "✔ " + d.message));
    }
    return li;
  }

  function prepend(listId, item) {
    var list = document.getElementById(listId);
    if (!list) return;
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 6) list.removeChild(list.lastChild);
    var panel = list.closest("[data-panel]");
    if (panel && shows(panel)) {
      document.querySelectorAll("[data-panel]").forEach(function (p) { p.classList.remove("on"); });
      panel.classList.add("on");
    }
  }

  function showEmergency(d) {
    var box = document.getElementById("emergency");
    if (!box) return;
    box.innerHTML = "";
    var h = el("h2");
    h.setAttribute("data-notice", d.id);
    h.appendChild(both(d.title_zh, d.title_en));
    var p = el("p");
    p.appendChild(both(d.body_zh, d.body_en));
    box.appendChild(h);
    box.appendChild(p);
    box.hidden = false;
  }

  function withdraw(id) {
    var box = document.getElementById("emergency");
    var h = box && box.querySelector("[data-notice]");
    if (h && h.getAttribute("data-notice") === String(id)) box.hidden = true;
    document.querySelectorAll("#notice-list [data-notice='" + id + "']").forEach(function (li) { li.remove(); });
  }

  function listen() {
    if (!window.EventSource) return;
    var source = new EventSource(body.getAttribute("data-events"));
    var mark = document.getElementById("reconnecting");
    source.onopen = function () { if (mark) mark.hidden = true; };
    source.onerror = function () { if (mark) mark.hidden = false; };
    source.addEventListener("request_new", function (e) {
      prepend("new-list", requestItem(JSON.parse(e.data), false));
    });
    source.addEventListener("request_resolved", function (e) {
      var d = JSON.parse(e.data);
      document.querySelectorAll("#new-list [data-code='" + d.code + "']").forEach(function (li) { li.remove(); });
      prepend("done-list", requestItem(d, true));
    });
    source.addEventListener("notice", function (e) {
      var d = JSON.parse(e.data);
      if (d.emergency) {
        showEmergency(d);
      } else {
        var li = el("li");
        li.setAttribute("data-notice", d.id);
        var strong = document.createElement("strong");
        strong.appendChild(both(d.title_zh, d.title_en));
        li.appendChild(strong);
        li.appendChild(document.createElement("br"));
        li.appendChild(both(d.body_zh, d.body_en));
        prepend("notice-list", li);
      }
    });
    source.addEventListener("activity_cancelled", function (e) {
      var d = JSON.parse(e.data);
      document.querySelectorAll("#activity-list [data-occurrence='" + d.occurrence + "']").forEach(function (li) {
        li.classList.add("cancelled");
        var state = li.querySelector(".state");
        if (state) {
          state.innerHTML = "";
          state.appendChild(both("已取消 " + (d.reason || ""), "Cancelled " + (d.reason || "")));
        }
      });
    });
    source.addEventListener("idea_answered", function (e) {
      var d = JSON.parse(e.data);
      document.querySelectorAll("#idea-list [data-idea='" + d.id + "']").forEach(function (li) { li.remove(); });
      var li = el("li", "fresh");
      li.setAttribute("data-idea", d.id);
      li.appendChild(el("strong", "", d.title));
      li.appendChild(document.createElement("br"));
      var state = both(d.state_zh, d.state_en);
      state.className = "state";
      if (d.planned_for) state.appendChild(document.createTextNode(" " + d.planned_for));
      li.appendChild(state);
      if (d.body) {
        li.appendChild(document.createElement("br"));
        li.appendChild(el("span", "answer", "✔ " + d.body));
      }
      prepend("idea-list", li);
    });
    source.addEventListener("poll_closed", function (e) {
      var d = JSON.parse(e.data);
      document.querySelectorAll("#poll-list [data-poll='" + d.id + "']").forEach(function (li) { li.remove(); });
      var li = el("li", "fresh");
      li.setAttribute("data-poll", d.id);
      var strong = document.createElement("strong");
      strong.appendChild(both(d.title_zh, d.title_en));
      li.appendChild(strong);
      li.appendChild(document.createElement("br"));
      var line = el("span", "answer");
      (d.choices || []).forEach(function (c, i) {
        if (i > 0) line.appendChild(document.createTextNode(" · "));
        line.appendChild(both(c.text_zh, c.text_en));
        line.appendChild(document.createTextNode(" " + c.votes));
      });
      li.appendChild(line);
      prepend("poll-list", li);
    });
    source.addEventListener("recognition", function (e) {
      var d = JSON.parse(e.data);
      var li = el("li", "fresh");
      li.setAttribute("data-recognition", d.id);
      li.appendChild(el("strong", "", d.person));
      li.appendChild(document.createTextNode(" · " + (d.happened_on || "")));
      li.appendChild(document.createElement("br"));
      li.appendChild(el("span", "words", d.what));
      prepend("deed-list", li);
    });
    source.addEventListener("notice_withdrawn", function (e) {
      withdraw(JSON.parse(e.data).id);
    });
  }

  body.classList.add("live");
  rotate();
  clock();
  setInterval(rotate, ROTATE_MS);
  setInterval(clock, 15000);
  listen();
})();
