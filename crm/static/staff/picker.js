/* The person picker: searches as the user types and shows the results (an HTML fragment the server renders,
   a form with one checkbox per person) below the search box. Without this script the search form opens the
   results page, which does the same. */
(function () {
  "use strict";
  var DELAY = 250;

  function enhance(form) {
    var input = form.querySelector("input[name=q]");
    var target = document.getElementById(form.getAttribute("data-picker-target"));
    var url = form.getAttribute("data-picker");
    if (!input || !target || !url) { return; }
    var timer = null;
    var latest = 0;

    function search() {
      var text = input.value.trim();
      var ticket = ++latest;
      if (text.length < 2) { target.innerHTML = ""; return; }
      var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text);
      fetch(address, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          if (ticket === latest) { target.innerHTML = html; }
        })
        .catch(function () {
          if (ticket === latest) {
            target.textContent = "No se pudo buscar en este momento; pulse «Buscar» para abrir los resultados.";
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      search();
    });
  }

  document.querySelectorAll("form[data-picker]").forEach(enhance);
})();
