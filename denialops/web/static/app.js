// The only script of the application: served by the app itself (no CDN), no inline code.
// Work-queue selection: "select all" and the count of selected rows for bulk actions.
(function () {
  "use strict";
  function refreshCount() {
    var count = document.querySelectorAll("input.pick:checked").length;
    var label = document.getElementById("selected-count");
    if (label) { label.textContent = count + " selected"; }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.id === "select-all") {
      document.querySelectorAll("input.pick").forEach(function (box) { box.checked = target.checked; });
    }
    refreshCount();
  });
  document.addEventListener("DOMContentLoaded", refreshCount);
})();

// Upload page: show an indeterminate progress bar while the file is sent and ingested.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.id === "upload-form") {
      var bar = document.getElementById("upload-progress");
      if (bar) { bar.hidden = false; }
      var button = document.getElementById("upload-submit");
      if (button) { button.disabled = true; button.textContent = "Uploading and ingesting…"; }
    }
  });
})();
