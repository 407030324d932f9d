// Ask page: similar questions and help articles while the title is typed. Votes without a page reload.
(function () {
  var box = document.querySelector(".similar-box");
  var title = document.querySelector("[data-similar]");
  if (box && title) {
    var list = box.querySelector("ul"), timer = null, last = "";
    title.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = title.value.trim();
        if (q === last) return;
        last = q;
        if (q.length < 4) { box.hidden = true; return; }
        fetch(box.dataset.similarUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            if (title.value.trim() !== q) return;
            list.innerHTML = "";
            items.forEach(function (item) {
              var li = document.createElement("li"), a = document.createElement("a");
              a.href = item.url; a.textContent = item.title; a.target = "_blank"; a.rel = "noopener";
              li.appendChild(a);
              if (item.kind === "article") { li.appendChild(document.createTextNode(" " + box.dataset.msgArticle)); }
              list.appendChild(li);
            });
            box.hidden = items.length === 0;
          });
      }, 250);
    });
  }
})();
