/* The survey builder's enhancements (the pages work fully without them):
   - questions page: drag a question's handle (⠿), or focus it and press the up and down arrow keys, to move it
     (a section moves with its questions); every move is saved at once (POST of the whole order, the same
     rules as the forms), announced in #orden-estado, and undone if the server refuses it;
   - condition editor: each row offers the comparisons that suit the chosen question and, for choice
     questions, only that question's options. */
(function () {
  "use strict";

  var OPENERS = ["begin_group", "begin_repeat"];
  var CLOSERS = ["end_group", "end_repeat"];

  // ------------------------------------------------------------------ the order of the questions

  function setUpList(list) {
    var status = document.getElementById("orden-estado");
    var url = list.getAttribute("data-orden-url");
    var token = list.getAttribute("data-csrf");
    var queue = Promise.resolve();
    var dragged = null;

    function items() { return Array.prototype.slice.call(list.querySelectorAll(":scope > li.builder-item")); }
    function type(li) { return li.getAttribute("data-type"); }
    function announce(text) { if (status) { status.textContent = text; } }

    function block(li) {
      var found = [li];
      if (OPENERS.indexOf(type(li)) < 0) { return found; }
      var depth = 1;
      var next = li.nextElementSibling;
      while (next && depth > 0) {
        found.push(next);
        if (OPENERS.indexOf(type(next)) >= 0) { depth += 1; }
        if (CLOSERS.indexOf(type(next)) >= 0) { depth -= 1; }
        next = next.nextElementSibling;
      }
      return found;
    }

    function order() { return items().map(function (li) { return li.getAttribute("data-id"); }); }

    function restore(ids) {
      var byId = {};
      items().forEach(function (li) { byId[li.getAttribute("data-id")] = li; });
      ids.forEach(function (id) { list.appendChild(byId[id]); });
      refresh();
    }

    function sectionOf(li) {
      var stack = [];
      var all = items();
      for (var i = 0; i < all.length && all[i] !== li; i += 1) {
        if (OPENERS.indexOf(type(all[i])) >= 0) { stack.push(all[i]); }
        if (CLOSERS.indexOf(type(all[i])) >= 0) { stack.pop(); }
      }
      return stack.length ? stack[stack.length - 1].getAttribute("data-title") : "";
    }

    function refresh() {
      var depth = 0;
      var all = items();
      all.forEach(function (li, index) {
        if (CLOSERS.indexOf(type(li)) >= 0) { depth = Math.max(depth - 1, 0); }
        li.classList.remove("ms-3", "ms-5");
        if (depth) { li.classList.add(depth > 1 ? "ms-5" : "ms-3"); }
        if (OPENERS.indexOf(type(li)) >= 0) { depth += 1; }
        var up = li.querySelector('button[name="direccion"][value="arriba"]');
        var down = li.querySelector('button[name="direccion"][value="abajo"]');
        if (up) { up.disabled = index === 0; }
        if (down) { down.disabled = index === all.length - 1; }
      });
    }

    function save(li, before) {
      var shown = items().filter(function (item) { return CLOSERS.indexOf(type(item)) < 0; });
      var where = "«" + li.getAttribute("data-title") + "» está ahora en el lugar " + (shown.indexOf(li) + 1) +
        " de " + shown.length;
      var section = sectionOf(li);
      announce(where + (section ? ", en «" + section + "»" : "") + ". Guardando…");
      var body = new URLSearchParams();
      body.append("csrf_token", token);
      body.append("orden", order().join(","));
      queue = queue.then(function () {
        return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                           headers: {"Accept": "application/json"}})
          .then(function (response) {
            return response.json().catch(function () { return {ok: false, mensaje: ""}; });
          })
          .then(function (result) {
            if (result.ok) {
              announce(where + (section ? ", en «" + section + "»" : "") + ". Orden guardado.");
            } else {
              restore(before);
              announce((result.mensaje || "No se pudo guardar el orden.") + " Se restableció el orden anterior.");
            }
          })
          .catch(function () {
            restore(before);
            announce("No se pudo guardar el orden: revise su conexión. Se restableció el orden anterior.");
          });
      });
    }

    function move(li, direction) {
      var before = order();
      var moving = block(li);
      if (direction < 0) {
        var previous = moving[0].previousElementSibling;
        if (!previous) { return; }
        list.insertBefore(previous, moving[moving.length - 1].nextElementSibling);
      } else {
        var next = moving[moving.length - 1].nextElementSibling;
        if (!next) { return; }
        list.insertBefore(next, moving[0]);
      }
      refresh();
      save(li, before);
    }

    function dropOn(target, after) {
      var li = dragged;
      dragged = null;
      if (!li || !target || block(li).indexOf(target) >= 0) { return; }
      var before = order();
      var moving = block(li);
      var anchor = after ? block(target)[block(target).length - 1].nextElementSibling : target;
      moving.forEach(function (item) { list.insertBefore(item, anchor); });
      refresh();
      save(li, before);
      var handle = li.querySelector(".builder-handle");
      if (handle) { handle.focus(); }
    }

    items().forEach(function (li) {
      var handle = li.querySelector(".builder-handle");
      if (handle) {
        handle.hidden = false;
        handle.addEventListener("keydown", function (event) {
          if (event.key === "ArrowUp" || event.key === "ArrowDown") {
            event.preventDefault();
            move(li, event.key === "ArrowUp" ? -1 : 1);
            handle.focus();
          }
        });
        handle.addEventListener("dragstart", function (event) {
          dragged = li;
          event.dataTransfer.effectAllowed = "move";
          event.dataTransfer.setData("text/plain", li.getAttribute("data-id"));
        });
      }
      li.addEventListener("dragover", function (event) {
        if (dragged) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }
      });
      li.addEventListener("drop", function (event) {
        event.preventDefault();
        var box = li.getBoundingClientRect();
        dropOn(li, event.clientY > box.top + box.height / 2);
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".builder-js-help"), function (help) {
      help.hidden = false;
    });
  }

  // ------------------------------------------------------------------ the condition editor

  function setUpConditions(form) {
    var families = JSON.parse(form.getAttribute("data-families") || "{}");
    var labels = JSON.parse(form.getAttribute("data-operators") || "{}");
    var NO_VALUE = ["answered", "empty"];

    Array.prototype.forEach.call(form.querySelectorAll(".builder-condition-row"), function (row) {
      var question = row.querySelector(".builder-cond-question select");
      var operator = row.querySelector(".builder-cond-operator select");
      var choice = row.querySelector(".builder-cond-choice select");
      var value = row.querySelector(".builder-cond-value input");
      if (!question || !operator || !choice || !value) { return; }
      var allOperators = Array.prototype.map.call(operator.options, function (o) { return [o.value, o.text]; });
      var allChoices = choice.cloneNode(true);

      function update() {
        var name = question.value;
        var kind = families[name] || "";
        var chosen = operator.value;
        var offered = name && labels[name] ? Object.keys(labels[name]) : null;
        operator.innerHTML = "";
        allOperators.forEach(function (pair) {
          if (pair[0] && offered && offered.indexOf(pair[0]) < 0) { return; }
          var option = new Option(offered && pair[0] ? labels[name][pair[0]] : pair[1], pair[0]);
          option.selected = pair[0] === chosen;
          operator.appendChild(option);
        });
        var picked = choice.value;
        choice.innerHTML = "";
        Array.prototype.forEach.call(allChoices.children, function (child) {
          var keep = child.tagName !== "OPTGROUP" || Array.prototype.some.call(child.children, function (o) {
            return o.value.indexOf(name + "::") === 0;
          });
          if (keep) { choice.appendChild(child.cloneNode(true)); }
        });
        choice.value = picked;
        var isChoice = kind === "select_one" || kind === "select_multiple";
        var needsValue = NO_VALUE.indexOf(operator.value) < 0;
        row.querySelector(".builder-cond-choice").hidden = !(isChoice && needsValue);
        row.querySelector(".builder-cond-value").hidden = isChoice || !needsValue;
        value.type = kind === "date" ? "date" : "text";
        value.inputMode = kind === "number" ? "decimal" : "text";
      }
      question.addEventListener("change", update);
      operator.addEventListener("change", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("lista-preguntas");
    if (list) { setUpList(list); }
    Array.prototype.forEach.call(document.querySelectorAll("form.builder-condition"), setUpConditions);
  });
}());
