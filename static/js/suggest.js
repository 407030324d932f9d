// As-you-type article suggestions for the help-center search box (combobox pattern).
(function () {
  var form = document.querySelector("form[data-suggest-url]");
  if (!form) return;
  var input = form.querySelector("input[type=search]");
  var list = form.querySelector(".suggestions");
  var timer = null, active = -1, lastQuery = "";

  function close() {
    list.hidden = true; list.innerHTML = ""; active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function render(items) {
    list.innerHTML = ""; active = -1;  // the old highlighted option is gone
    input.removeAttribute("aria-activedescendant");
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url; a.textContent = item.title;
      // aria-activedescendant must name the option itself, not the link inside it.
      li.id = "suggestion-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.appendChild(a); list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (q.length < 2) { close(); return; }
    fetch(form.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (input.value.trim() === q) render(items); })
      .catch(close);
  }

  function move(step) {
    var options = list.querySelectorAll("[role=option]");
    if (!options.length) return;
    if (active >= 0) select(options[active], false);
    active = (active + step + options.length) % options.length;
    select(options[active], true);
    input.setAttribute("aria-activedescendant", options[active].id);
  }

  function select(option, on) {
    option.setAttribute("aria-selected", on ? "true" : "false");
    option.querySelector("a").classList.toggle("active", on);
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault(); window.location = list.querySelectorAll("a")[active].href;
    }
  });
  document.addEventListener("click", function (e) { if (!form.contains(e.target)) close(); });
})();
