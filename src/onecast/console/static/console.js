// Every console page: confirm destructive forms, show that a form is on its way, and show times in
// the viewer's time zone (the ISO time stays on hover).
(function () {
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.hasAttribute("hx-post") && !form.hasAttribute("hx-get")) {
      form.setAttribute("aria-busy", "true");  // a full page post: the CSS shows it is loading
    }
  }, true);

  const format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  function localTimes(root) {
    root.querySelectorAll("time[datetime]:not([data-local])").forEach(function (node) {
      const when = new Date(node.getAttribute("datetime"));
      if (isNaN(when)) return;
      node.title = node.getAttribute("datetime");
      node.textContent = format.format(when);
      node.dataset.local = "yes";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  document.addEventListener("htmx:afterSettle", function (event) { localTimes(event.target); });
})();
