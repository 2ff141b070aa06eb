/* Copy buttons on staff pages: a <button data-copy="ID" hidden> copies the text of the element with that id.
   Without JavaScript the button stays hidden and the text stays selectable (class user-select-all).
   The result is announced in the element [data-copy-status="ID"] (role="status"). */
(function () {
  "use strict";

  function announce(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) { status.textContent = text; }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function fallbackCopy(element) {
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(button) {
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    if (!source) { return; }
    var text = source.textContent.trim();
    var done = function () { announce(id, "Enlace copiado."); };
    var failed = function () {
      if (fallbackCopy(source)) { done(); return; }
      selectText(source);
      announce(id, "No se pudo copiar: el enlace quedó seleccionado; cópielo con el menú de su dispositivo o con Ctrl+C.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
}());
