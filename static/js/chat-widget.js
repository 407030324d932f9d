// Comptoir live chat: <script src=".../chat/widget.js" data-channel="ID" async></script>. A launcher and a
// chat dialog in a shadow root, words from the server, events by SSE (else polling), text set as textContent.
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-channel][src*='/chat/widget.js']");
  if (!script || window.comptoirChat) return;
  window.comptoirChat = true;
  var base = script.src.replace(/\/chat\/widget\.js.*$/, "");
  var api = base + "/chat/api/" + encodeURIComponent(script.getAttribute("data-channel"));
  var lang = /^fr/i.test(document.documentElement.lang || navigator.language || "") ? "fr" : "en";
  var storeKey = "comptoir-chat:" + api;
  var T, conf, chat = read(), after = 0, source = null, fails = 0, pollTimer = null, typingTimer = null;
  var opening = null, isOpen = false, hasTicket = false, lastTyping = 0, suggestTimer = null, lastQuery = "";
  var ui = {};

  // Without localStorage (private mode) a chat lasts as long as the page.
  function read() { try { return JSON.parse(localStorage.getItem(storeKey)); } catch (e) { return null; } }
  function save() { try { localStorage.setItem(storeKey, JSON.stringify(chat)); } catch (e) { /* see above */ } }
  function forget() {
    chat = null; hasTicket = false; after = 0;
    try { localStorage.removeItem(storeKey); } catch (e) { /* see above */ }
    if (source) { source.close(); source = null; }
    clearTimeout(pollTimer);
  }

  function call(method, path, data) {
    var headers = { Accept: "application/json" };
    if (chat) headers["X-Chat-Token"] = chat.token;
    if (data) headers["Content-Type"] = "application/json";
    return fetch(api + path, { method: method, headers: headers, credentials: "include",
      body: data ? JSON.stringify(data) : undefined })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          body.status = r.status;
          if (!r.ok) throw body;
          return body;
        });
      });
  }

  function noop() {}
  function at(path) { return "/sessions/" + chat.id + path; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function field(id, label, type, parent) {
    var box = parent.appendChild(el("div", { "class": "field" }));
    var lab = box.appendChild(el("label", { "for": id }, label));
    var input = box.appendChild(el(type === "textarea" ? type : "input", { id: id, name: id.slice(3),
      "aria-describedby": id + "-e" }));
    if (type !== "textarea") { input.type = type; input.autocomplete = id.slice(3); }
    input.err = box.appendChild(el("p", { "class": "err", id: id + "-e" }));
    input.lab = lab;
    return input;
  }

  function put(parent, tag, attrs, text) { return parent.appendChild(el(tag, attrs, text)); }

  function build() {
    var host = put(document.body, "div", { id: "comptoir-chat" });
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    put(root, "link", { rel: "stylesheet", href: base + "/static/css/chat-widget.css" });
    var wrap = put(root, "div", { "class": "cw", lang: lang });
    var panel = ui.panel = put(wrap, "div", { id: "cw-panel", "class": "panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "cw-title", hidden: "" });
    ui.launcher = put(wrap, "button", { type: "button", "class": "launch", "aria-haspopup": "dialog",
      "aria-expanded": "false", "aria-controls": "cw-panel" }, T.launcher);
    ui.badge = put(ui.launcher, "span", { "class": "badge", hidden: "" }, T.unread);
    var head = put(panel, "div", { "class": "head" });
    put(head, "h2", { id: "cw-title" }, T.title);
    ui.close = put(head, "button", { type: "button", "class": "x", "aria-label": T.close }, "×");
    ui.status = put(panel, "p", { "class": "status" });
    ui.history = put(panel, "details", { "class": "history", hidden: "" });
    put(ui.history, "summary", null, T.history);
    ui.log = put(panel, "ol", { "class": "log", role: "log", "aria-live": "polite", "aria-label": T.title });
    put(ui.log, "li", { "class": "msg agent greeting" }, conf.greeting);
    ui.typing = put(panel, "p", { "class": "typing", "aria-live": "polite" });
    ui.sugg = put(panel, "div", { "class": "sugg", hidden: "" });
    put(ui.sugg, "p", null, T.suggestions);
    ui.suggList = put(ui.sugg, "ul");
    var form = put(panel, "form", { novalidate: "" });
    ui.contact = put(form, "div", { "class": "contact" });
    ui.name = field("cw-name", T.name, "text", ui.contact);
    ui.email = field("cw-email", T.email, "email", ui.contact);
    ui.text = field("cw-text", T.message, "textarea", form);
    ui.text.rows = 3; ui.text.maxLength = 5000;
    ui.alert = put(form, "p", { "class": "alert", role: "alert" });
    var row = put(form, "div", { "class": "row" });
    put(row, "button", { type: "submit", "class": "send" }, T.send);
    ui.end = put(row, "button", { type: "button", "class": "end", hidden: "" }, T.end);

    ui.launcher.addEventListener("click", function () { if (isOpen) close(); else open(); });
    ui.close.addEventListener("click", close);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); close(); } });
    form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
    ui.text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    ui.text.addEventListener("input", typed);
    ui.end.addEventListener("click", endChat);
    ui.suggList.addEventListener("click", function (e) {
      var a = e.target.closest("a");
      if (a && chat) call("POST", at("/opened"), { slug: a.dataset.slug, q: lastQuery }).catch(noop);
    });
    showMode();
  }

  function showMode() {
    var offline = !conf.online && !hasTicket;
    ui.status.textContent = hasTicket ? "" : (conf.online ? T.online : T.offline);
    ui.contact.hidden = hasTicket;
    ui.end.hidden = !hasTicket;
    [ui.name, ui.email].forEach(function (input) {
      input.lab.textContent = T[input.name] + (offline ? "" : " " + T.optional);
      input.required = offline;
    });
  }

  function open() {
    isOpen = true;
    ui.panel.hidden = false;
    ui.badge.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "true");
    var first = !hasTicket && !conf.online && !ui.name.value ? ui.name : ui.text;
    first.focus();
    ensureSession().catch(function () { ui.alert.textContent = T.failed; });
  }

  function close() {
    isOpen = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  function ensureSession() {  // one session, however many calls wait for it
    if (chat) return Promise.resolve();
    opening = opening || call("POST", "/sessions", { page_url: location.href, lang: lang }).then(function (d) {
      chat = { id: d.id, token: d.token, key: d.key };
      save();
      state(d);
      listen();
    }).then(function () { opening = null; }, function (e) { opening = null; throw e; });
    return opening;
  }

  function state(d) {
    conf.online = d.online;
    hasTicket = d.ticket;
    if (d.name && !ui.name.value) ui.name.value = d.name;
    if (d.email && !ui.email.value) ui.email.value = d.email;
    if (d.logged_in) loadHistory();
    showMode();
  }

  function restore() {
    call("GET", at("")).then(function (d) {
      if (d.status !== "open") { forget(); return; }
      d.messages.forEach(handle);
      after = Math.max(after, d.last);
      state(d);
      listen();
    }, function (e) { if (e.status === 404) forget(); });
  }

  function loadHistory() {
    call("GET", at("/history")).then(function (d) {
      d.conversations.forEach(function (c) {
        var list = el("ol");
        c.messages.forEach(function (m) {
          put(list, "li", { "class": "msg " + m.from }, (m.from === "visitor" ? T.you : T.agent) + ": " + m.text);
        });
        ui.history.appendChild(el("h3", null, c.subject));
        ui.history.appendChild(list);
      });
      ui.history.hidden = !d.conversations.length;
    }).catch(noop);
  }

  function add(from, text, author, key) {
    if (key && ui.log.querySelector("[data-key='" + key + "']")) return null;
    var li = el("li", { "class": "msg " + from });
    if (key) li.setAttribute("data-key", key);
    li.appendChild(el("span", { "class": "who" }, from === "visitor" ? T.you : (author || T.agent)));
    li.appendChild(el("p", null, text));
    ui.log.appendChild(li);
    ui.log.scrollTop = ui.log.scrollHeight;
    return li;
  }

  function handle(ev) {
    if (ev.id > after) after = ev.id;
    if (ev.kind === "message") {
      if (ev.from === "agent") {
        ui.typing.textContent = "";
        if (add("agent", ev.text, ev.author, "e" + ev.id) && !isOpen) ui.badge.hidden = false;
      } else {
        add("visitor", ev.text, null, ev.client_id);
        hasTicket = true;
        showMode();
      }
    } else if (ev.kind === "typing" && ev.from === "agent") {
      ui.typing.textContent = T.typing;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { ui.typing.textContent = ""; }, (ev.seconds || 6) * 1000);
    } else if (ev.kind === "ended") {
      ended();
    }
  }

  function listen() {
    if (!chat || source) return;
    if (!window.EventSource || fails > 3) { poll(); return; }
    source = new EventSource(api + at("/events?key=" + chat.key + "&after=" + after));
    source.onopen = function () { fails = 0; };
    source.onmessage = function (e) { try { handle(JSON.parse(e.data)); } catch (err) { /* a bad line */ } };
    source.onerror = function () {
      // Streams end every ~25 s and resume with Last-Event-ID; one that keeps failing gives way to polling.
      fails += 1;
      if (source.readyState === EventSource.CLOSED || fails > 3) {
        source.close(); source = null; fails = 4;
        poll();
      }
    };
  }

  function poll() {
    clearTimeout(pollTimer);
    if (!chat) return;
    call("GET", at("/events?after=" + after)).then(function (d) {
      d.events.forEach(handle);
      after = Math.max(after, d.last);
    }, function (e) { if (e.status === 404) forget(); }).then(function () {
      if (chat) pollTimer = setTimeout(poll, isOpen ? 1000 : 3000);
    });
  }

  function typed() {
    if (ui.text.err.textContent) clearError(ui.text);
    if (hasTicket) {
      var now = Date.now();
      if (chat && now - lastTyping > 3000 && ui.text.value.trim()) {
        lastTyping = now;
        call("POST", at("/typing"), {}).catch(noop);
      }
      return;
    }
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 300);
  }

  function suggest() {
    var q = ui.text.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (q.length < 3) { ui.sugg.hidden = true; return; }
    call("GET", "/suggest?lang=" + lang + "&q=" + encodeURIComponent(q)).then(function (items) {
      if (ui.text.value.trim() !== q) return;
      ui.suggList.textContent = "";
      items.forEach(function (item) {
        var li = ui.suggList.appendChild(el("li"));
        var a = li.appendChild(el("a", { href: item.url, target: "_blank", rel: "noopener" }, item.title));
        a.dataset.slug = item.slug;
      });
      ui.sugg.hidden = !items.length || hasTicket;
    }).catch(noop);
  }

  function setError(input, message) {
    input.err.textContent = message;
    input.setAttribute("aria-invalid", "true");
    return true;
  }

  function clearError(input) { input.err.textContent = ""; input.removeAttribute("aria-invalid"); }

  function send() {
    [ui.name, ui.email, ui.text].forEach(clearError);
    ui.alert.textContent = "";
    var text = ui.text.value.trim(), name = ui.name.value.trim(), email = ui.email.value.trim();
    var needed = !conf.online && !hasTicket, bad = [];
    if (needed && !name && setError(ui.name, T.required_name)) bad.push(ui.name);
    if (needed && !email && setError(ui.email, T.required_email)) bad.push(ui.email);
    else if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) && setError(ui.email, T.invalid_email)) {
      bad.push(ui.email);
    }
    if (!text && setError(ui.text, T.required_text)) bad.push(ui.text);
    if (bad.length) { bad[0].focus(); return; }
    var message = { id: uuid(), text: text, name: name, email: email };
    var li = add("visitor", text, null, message.id);
    ui.text.value = "";
    ui.sugg.hidden = true;
    ensureSession().then(function () { deliver(message, li, 0); }, function () { failed(message, li, null); });
  }

  function deliver(message, li, attempt) {
    li.classList.add("pending");
    call("POST", at("/messages"), message).then(function () {
      li.classList.remove("pending", "failed");
      hasTicket = true;
      showMode();
    }, function (e) {
      if (!e.status && attempt < 3) {  // the network: the same message id again, stored once
        setTimeout(function () { deliver(message, li, attempt + 1); }, 1000 * (attempt + 1));
        return;
      }
      var problem = e.error || {};
      var input = { name: ui.name, email: ui.email, text: ui.text }[problem.field];
      if (input) {
        li.remove();
        if (!ui.text.value) ui.text.value = message.text;
        setError(input, problem.message);
        input.focus();
        return;
      }
      failed(message, li, problem.message);
    });
  }

  function failed(message, li, reason) {
    li.className = "msg visitor failed";
    ui.alert.textContent = reason || T.failed;
    if (li.querySelector("button")) return;
    var again = li.appendChild(el("button", { type: "button", "class": "retry" }, T.retry));
    again.addEventListener("click", function () {
      again.remove();
      ui.alert.textContent = "";
      ensureSession().then(function () { deliver(message, li, 0); }, function () { failed(message, li, null); });
    });
  }

  function endChat() {
    if (chat) call("POST", at("/end"), {}).catch(noop);
    ended();
  }

  function ended() {
    forget();
    ui.log.appendChild(el("li", { "class": "msg note" }, T.ended));
    showMode();
  }

  function uuid() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  fetch(api + "/config?lang=" + lang, { credentials: "include" })
    .then(function (r) { if (!r.ok) throw r; return r.json(); })
    .then(function (d) {
      conf = d; T = d.text;
      function start() { build(); if (chat) restore(); }
      if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
    })
    .catch(function () { /* not configured for this site: no launcher */ });
})();
