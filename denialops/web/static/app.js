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
