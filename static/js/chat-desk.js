// Live chat in the desk: the availability heartbeat, the live chats list, a chat ticket kept live
// (visitor messages and typing, the agent's typing), opt-in sound and desktop notifications, and the
// setup page's "copy the tag" button.
(function () {
  "use strict";
  var meta = document.querySelector("meta[name=csrf-token]");
  var token = meta ? meta.content : "";

  function post(url, data) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: JSON.stringify(data || {}),
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }

  // While switched online, every open desk page says so once a minute.
  var switchBox = document.querySelector(".chat-availability[data-online=true]");
  if (switchBox) setInterval(function () { post(switchBox.dataset.heartbeatUrl); }, 60000);

  // Setup page: copy the widget tag.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = document.getElementById(button.dataset.copy);
      var status = document.querySelector("[data-copy-status='" + button.dataset.copy + "']");
      function done() { if (status) status.textContent = button.dataset.copied; }
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(box.value).then(done);
      else { box.select(); document.execCommand("copy"); done(); }
    });
  });

  // Live chats: the table refreshes itself.
  var rows = document.querySelector("[data-chat-rows]");
  if (rows) setInterval(function () {
    fetch(rows.dataset.chatRows, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) rows.innerHTML = html; })  // our own escaped template
      .catch(function () {});
  }, 5000);

  var live = document.querySelector(".chat-live");
  if (!live) return;
  var thread = document.querySelector("ol.thread");
  var typingBox = live.querySelector("[data-chat-typing]");
  var presence = live.querySelector("[data-chat-presence]");
  var notifyButton = live.querySelector("[data-chat-notify]");
  var after = parseInt(live.dataset.after, 10) || 0;
  var typingTimer = null, source = null, failures = 0, polling = false;

  function wantsNotice() { return localStorage.getItem("comptoir-chat-notify") === "1"; }
  function showNotify() {
    var on = wantsNotice();
    notifyButton.setAttribute("aria-pressed", on ? "true" : "false");
    notifyButton.textContent = on ? live.dataset.msgNotifyOn : live.dataset.msgNotifyOff;
  }
  notifyButton.addEventListener("click", function () {
    var on = !wantsNotice();
    localStorage.setItem("comptoir-chat-notify", on ? "1" : "0");
    if (on && window.Notification && Notification.permission === "default") Notification.requestPermission();
    showNotify();
  });
  showNotify();

  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    var ctx = new Ctx(), tone = ctx.createOscillator(), gain = ctx.createGain();
    tone.frequency.value = 880; gain.gain.value = 0.08;
    tone.connect(gain); gain.connect(ctx.destination);
    tone.start(); tone.stop(ctx.currentTime + 0.15);
  }

  function notice() {
    if (!wantsNotice()) return;
    beep();
    if (window.Notification && Notification.permission === "granted" && document.hidden) {
      new Notification(live.dataset.msgNew);
    }
  }

  // A visitor message the agent now sees moves the ticket on by one version: the forms follow it, so the
  // reply is not taken for one written on an older page.
  function followVersion(version) {
    if (!version) return;
    document.querySelectorAll("input[name=version]").forEach(function (input) {
      if (parseInt(input.value, 10) === version - 1) input.value = version;
    });
    var page = document.querySelector(".ticket-page");
    if (page && parseInt(page.dataset.version, 10) === version - 1) page.dataset.version = String(version);
  }

  function handle(ev) {
    if (ev.id > after) after = ev.id;
    if (ev.kind === "message") {
      typingBox.textContent = "";
      if (ev.html && thread && !document.getElementById("m" + ev.message_id)) {
        var holder = document.createElement("template");
        holder.innerHTML = ev.html;  // rendered by the desk through the one sanitiser
        thread.appendChild(holder.content);
      }
      if (ev.from === "visitor") { followVersion(ev.version); notice(); }
    } else if (ev.kind === "typing" && ev.from === "visitor") {
      typingBox.textContent = live.dataset.msgTyping;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingBox.textContent = ""; }, (ev.seconds || 6) * 1000);
    } else if (ev.kind === "ended") {
      presence.textContent = live.dataset.msgEnded;
    }
  }

  function poll() {
    polling = true;
    fetch(live.dataset.eventsUrl + "?after=" + after, { credentials: "same-origin",
      headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.events.forEach(handle);
        after = Math.max(after, data.last);
        presence.textContent = data.present ? live.dataset.msgPresent : live.dataset.msgLeft;
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 1500); });
  }

  function connect() {
    if (!window.EventSource) { poll(); return; }
    source = new EventSource(live.dataset.eventsUrl + "?after=" + after);
    source.onopen = function () { failures = 0; };
    source.onmessage = function (e) { try { handle(JSON.parse(e.data)); } catch (err) { /* ignore a bad line */ } };
    source.onerror = function () {
      // The server ends each stream after ~25 s and EventSource comes back with Last-Event-ID; a stream
      // that keeps failing (a proxy that buffers, a closed connection) gives way to polling.
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures > 3) {
        source.close();
        if (!polling) poll();
      }
    };
  }
  connect();

  var body = document.querySelector("#composer textarea[name=body]");
  var lastTyping = 0;
  if (body) body.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping < 3000 || !body.value.trim()) return;
    lastTyping = now;
    post(live.dataset.typingUrl);
  });
})();
