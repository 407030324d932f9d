// Article editor: live Markdown preview (rendered and sanitised by the server) and image upload
// inserted at the cursor. Plain script, no build step; without it the "Update preview" button
// still works by submitting the form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form) return;
  var body = form.querySelector("textarea.editor");
  var preview = document.getElementById("preview");
  var previewStatus = document.getElementById("preview-status");
  var previewButton = form.querySelector("[data-preview-button]");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.content : "";
  var messages = form.dataset;
  var timer = null;
  var lastSent = body ? body.value : null;
  if (!body || !preview) return;

  function post(url, payload) {
    var headers = { "X-CSRFToken": token, "Accept": "application/json" };
    var isForm = payload instanceof FormData;
    if (!isForm) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: "POST", headers: headers, credentials: "same-origin",
      body: isForm ? payload : JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || data.error) throw new Error(data.error || "");
        return data;
      });
    });
  }

  function refreshPreview(announce) {
    var text = body.value;
    if (text === lastSent && !announce) return;
    lastSent = text;
    preview.setAttribute("aria-busy", "true");
    post(messages.previewUrl, { body: text }).then(function (data) {
      if (typeof data.html !== "string") throw new Error("");
      // Only the newest text wins; the HTML was sanitised by render_markdown on the server.
      if (body.value === text) preview.innerHTML = data.html;
      if (announce) previewStatus.textContent = messages.msgPreviewUpdated;
    }).catch(function () {
      lastSent = null;
      previewStatus.textContent = messages.msgPreviewFailed;
    }).then(function () { preview.removeAttribute("aria-busy"); });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { refreshPreview(false); }, 400);
  });

  if (previewButton) {
    // With script the button refreshes in place instead of submitting the form.
    previewButton.type = "button";
    previewButton.addEventListener("click", function () {
      clearTimeout(timer);
      previewStatus.textContent = "";
      refreshPreview(true);
    });
  }

  var imageBox = form.querySelector("[data-insert-image]");
  var picker = document.getElementById("insert-image");
  var uploadStatus = document.getElementById("upload-status");
  if (!imageBox || !picker || !window.FormData) return;
  imageBox.hidden = false;

  function insertAtCursor(text, start, end) {
    body.focus();
    body.setRangeText(text, start, end, "end");
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  picker.addEventListener("change", function () {
    var file = picker.files && picker.files[0];
    if (!file) return;
    // The textarea keeps its selection while focus is on the file input.
    var start = body.selectionStart, end = body.selectionEnd;
    var data = new FormData();
    data.append("file", file);
    uploadStatus.textContent = messages.msgUploading;
    post(messages.uploadUrl, data).then(function (result) {
      if (!result.markdown) throw new Error("");
      insertAtCursor(result.markdown, start, end);
      uploadStatus.textContent = messages.msgUploaded;
    }).catch(function (error) {
      uploadStatus.textContent = error.message || messages.msgUploadFailed;
    }).then(function () { picker.value = ""; });
  });
})();
