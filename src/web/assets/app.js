// Firewatch pages work without JavaScript; this file adds five comforts: the theme (light,
// dark or the system's), telling the server the viewer's time zone, menus that close,
// confirmation before destructive buttons, and live regions that refresh themselves. Loaded in <head> so the theme applies before the first paint.
(function () {
  "use strict";
  var root = document.documentElement;
  var stored = null;
  try { stored = localStorage.getItem("fw-theme"); } catch (e) { /* private mode */ }
  if (stored === "light" || stored === "dark") root.dataset.theme = stored;

  // The server renders times in the zone of this cookie; it is set here and used from the
  // next page on.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("fw_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "fw_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* no Intl: UTC it is */ }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (toggle) {
      var label = function () {
        // The page gives the words in its language (data-dark, data-light, data-auto).
        var words = toggle.dataset;
        toggle.textContent = root.dataset.theme === "dark" ? (words.dark || "Dark") : root.dataset.theme === "light" ? (words.light || "Light") : (words.auto || "Auto");
      };
      label();
      toggle.addEventListener("click", function () {
        var next = root.dataset.theme === "dark" ? "light" : root.dataset.theme === "light" ? "" : "dark";
        if (next) root.dataset.theme = next; else delete root.dataset.theme;
        try { if (next) localStorage.setItem("fw-theme", next); else localStorage.removeItem("fw-theme"); } catch (e) { /* ignore */ }
        label();
        document.dispatchEvent(new Event("fw-theme"));
      });
    }
    // A menu of the bar closes when another opens, on a click elsewhere, and on Escape.
    var menus = document.querySelectorAll("details.menu");
    var closeMenus = function (except) {
      menus.forEach(function (menu) { if (menu !== except) menu.open = false; });
    };
    menus.forEach(function (menu) {
      menu.addEventListener("toggle", function () { if (menu.open) closeMenus(menu); });
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest("details.menu")) closeMenus(null);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") closeMenus(null);
    });
    // A region marked data-live="N" (the pipelines board) asks for its page again every N
    // seconds while the tab is shown, and takes the same region from the answer.
    var live = document.querySelector("[data-live]");
    if (live && window.fetch && window.DOMParser) {
      var every = (parseInt(live.dataset.live, 10) || 10) * 1000;
      setInterval(function () {
        if (document.hidden) return;
        fetch(window.location.href, { credentials: "same-origin" })
          .then(function (answer) { return answer.ok ? answer.text() : null; })
          .then(function (html) {
            if (!html) return;
            var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
            if (fresh) live.innerHTML = fresh.innerHTML;
          })
          .catch(function () { /* offline for a moment: the next tick tries again */ });
      }, every);
    }
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
