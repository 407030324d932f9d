// Site-wide behaviour without inline handlers (the Content-Security-Policy forbids inline script).
(function () {
  "use strict";
  // <form data-confirm="…"> or <button data-confirm="…">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // <select data-lang-path>: the search form follows the chosen language's help center.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.hasAttribute && select.hasAttribute("data-lang-path") && select.form) {
      select.form.action = select.form.action.replace(/\/help\/[a-z]{2}\//, "/help/" + select.value + "/");
    }
  });
})();
