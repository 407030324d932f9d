// While a customer types the subject of a request, show up to 5 help articles that may answer it,
// and record when one is opened (deflection).
(function () {
  var box = document.querySelector(".request-suggestions");
  var subject = document.querySelector("[data-suggest-subject]");
  if (!box || !subject) return;
  var list = box.querySelector("ul");
  var token = document.querySelector("meta[name=csrf-token]").content;
  var timer = null, last = "";

  function render(items) {
    list.innerHTML = "";
    items.slice(0, 5).forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url; a.textContent = item.title; a.target = "_blank"; a.rel = "noopener";
      a.dataset.slug = item.slug || item.url.split("/").pop();
      li.appendChild(a); list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  function lookup() {
    var q = subject.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 3) { render([]); return; }
    fetch(box.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (subject.value.trim() === q) render(items); })
      .catch(function () { render([]); });
  }

  subject.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 200); });
  list.addEventListener("click", function (e) {
    var a = e.target.closest("a");
    if (!a) return;
    var body = JSON.stringify({ slug: a.dataset.slug, q: subject.value.trim(), source: box.dataset.source });
    fetch(box.dataset.openedUrl, { method: "POST", keepalive: true, body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token } });
  });
})();
