// Staff desk: select all, composer preview, macro picker, and presence (who else is viewing or writing).
(function () {
  var token = document.querySelector("meta[name=csrf-token]").content;

  var all = document.getElementById("select-all");
  if (all) all.addEventListener("change", function () {
    document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
  });

  // Email HTML: remote images stay blocked until the agent asks for them.
  document.querySelectorAll("[data-load-images]").forEach(function (button) {
    button.addEventListener("click", function () {
      var message = document.getElementById(button.getAttribute("data-load-images"));
      message.querySelectorAll("img[data-remote-src]").forEach(function (img) {
        img.src = img.getAttribute("data-remote-src");
        img.removeAttribute("data-remote-src");
      });
      button.parentNode.hidden = true;
    });
  });

  var composer = document.getElementById("composer");
  if (!composer) return;
  var body = composer.querySelector("textarea[name=body]");
  var preview = composer.querySelector(".preview");
  var details = composer.querySelector(".preview-box");

  function post(url, data, json) {
    var opts = { method: "POST", headers: { "X-CSRFToken": token, Accept: "application/json" } };
    if (json) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(data); }
    else { var f = new FormData(); Object.keys(data).forEach(function (k) { f.append(k, data[k]); }); opts.body = f; }
    return fetch(url, opts).then(function (r) { return r.ok ? r.json() : null; });
  }

  function refreshPreview() {
    if (!details.open) return;
    post(preview.dataset.previewUrl, { body: body.value }).then(function (d) { if (d) preview.innerHTML = d.html; });
  }
  details.addEventListener("toggle", refreshPreview);
  var t = null;
  body.addEventListener("input", function () { clearTimeout(t); t = setTimeout(refreshPreview, 300); });

  var picker = document.getElementById("macro-picker");
  var effects = composer.querySelector(".macro-effects");
  var macroField = composer.querySelector("input[name=macro_id]");
  if (picker) picker.addEventListener("change", function () {
    if (!picker.value) return;
    fetch(picker.dataset.url.replace(/\/0$/, "/" + picker.value), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        if (!m) return;
        body.value = body.value ? body.value + "\n\n" + m.body : m.body;
        macroField.value = m.id;
        if (m.status) composer.querySelector("select[name=status]").value = m.status;
        effects.textContent = m.effects || "";
        refreshPreview();
        body.focus();
      });
  });

  var page = document.querySelector(".ticket-page");
  var status = page.querySelector(".presence");
  function beat() {
    post(page.dataset.presenceUrl, { composing: body.value.trim().length > 0 }, true).then(function (d) {
      if (!d) return;
      status.innerHTML = "";
      d.others.forEach(function (o) {
        var span = document.createElement("span");
        span.className = "badge badge-presence";
        // The page renders both sentences in the agent's language with a {name} slot.
        var sentence = o.composing ? page.dataset.msgWriting : page.dataset.msgViewing;
        span.textContent = sentence.replace("{name}", o.name);
        status.appendChild(span); status.appendChild(document.createTextNode(" "));
      });
      if (String(d.version) !== page.dataset.version && !page.querySelector(".changed-note")) {
        var note = document.createElement("span");
        note.className = "badge changed-note";
        note.textContent = page.dataset.msgChanged;
        status.appendChild(note);
      }
    });
  }
  setInterval(beat, 15000);
})();
