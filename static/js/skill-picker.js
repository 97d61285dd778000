// Skill picker: turns <input data-skill-picker list="ID"> (skill names, comma-separated) into
// chips and a combobox that filters the <datalist id="ID"> as you type (WAI-ARIA combobox
// pattern: arrow keys move through the suggestions, Enter or a click adds one, Backspace in an
// empty box removes the last chip, Escape closes the list). Without JavaScript the text box
// and the browser's own datalist suggestions do the same job; the server reads the same value.
(function () {
  "use strict";

  var MAX_SUGGESTIONS = 8;
  var counter = 0;

  function split(value) {
    return value.split(",").map(function (part) { return part.trim().replace(/\s+/g, " "); })
      .filter(function (part) { return part.length > 0; });
  }

  function enhance(input) {
    var datalist = document.getElementById(input.getAttribute("list"));
    if (!datalist) return;
    var names = Array.prototype.map.call(datalist.options, function (option) { return option.value; });
    var byKey = new Map(names.map(function (name) { return [name.toLowerCase(), name]; }));
    var chosen = split(input.value).map(function (name) { return byKey.get(name.toLowerCase()) || name; });
    var suggestions = [];
    var active = -1;
    var uid = "skill-picker-" + (++counter);

    var picker = document.createElement("div");
    picker.className = "skill-picker";
    var chips = document.createElement("ul");
    chips.className = "tags skill-chips";
    chips.setAttribute("aria-label", "Chosen skills");
    var box = document.createElement("input");
    box.type = "text";
    box.id = uid + "-box";
    box.autocomplete = "off";
    box.placeholder = "Type a skill";
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", uid + "-list");
    var listbox = document.createElement("ul");
    listbox.id = uid + "-list";
    listbox.className = "skill-suggestions";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Suggested skills");
    listbox.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    // The label and help text now describe the box the seeker types into.
    var label = document.querySelector('label[for="' + input.id + '"]');
    if (label) label.htmlFor = box.id;
    var describedBy = input.getAttribute("aria-describedby");
    if (describedBy) box.setAttribute("aria-describedby", describedBy);
    if (input.getAttribute("aria-invalid")) box.setAttribute("aria-invalid", input.getAttribute("aria-invalid"));

    input.type = "hidden";
    input.removeAttribute("list");
    input.parentNode.insertBefore(picker, input.nextSibling);
    picker.append(chips, box, listbox, status);

    function sync() {
      input.value = chosen.join(", ");
      chips.replaceChildren();
      chosen.forEach(function (name, index) {
        var item = document.createElement("li");
        item.append(document.createTextNode(name + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + name);
        remove.addEventListener("click", function () {
          chosen.splice(index, 1);
          sync();
          status.textContent = name + " removed.";
          box.focus();
        });
        item.append(remove);
        chips.append(item);
      });
    }

    function close() {
      listbox.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(listbox.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        box.setAttribute("aria-activedescendant", listbox.children[index].id);
        listbox.children[index].scrollIntoView({ block: "nearest" });
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      var typed = box.value.trim().toLowerCase();
      var taken = new Set(chosen.map(function (name) { return name.toLowerCase(); }));
      var starts = [], contains = [];
      if (typed) {
        names.forEach(function (name) {
          var key = name.toLowerCase();
          if (taken.has(key)) return;
          if (key.indexOf(typed) === 0) starts.push(name);
          else if (key.indexOf(typed) > 0) contains.push(name);
        });
      }
      suggestions = starts.concat(contains).slice(0, MAX_SUGGESTIONS);
      listbox.replaceChildren();
      suggestions.forEach(function (name, i) {
        var option = document.createElement("li");
        option.id = uid + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = name;
        // mousedown, not click: the box keeps the focus.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); add(name); });
        listbox.append(option);
      });
      if (suggestions.length) {
        listbox.hidden = false;
        box.setAttribute("aria-expanded", "true");
        highlight(0);
      } else {
        close();
      }
    }

    function add(name) {
      var known = byKey.get(name.trim().toLowerCase());
      if (!known) {
        status.textContent = "No skill called " + name.trim() + ".";
        return;
      }
      if (chosen.some(function (other) { return other.toLowerCase() === known.toLowerCase(); })) return;
      chosen.push(known);
      box.value = "";
      sync();
      close();
      status.textContent = known + " added.";
    }

    box.addEventListener("input", open);
    box.addEventListener("blur", close);
    box.addEventListener("keydown", function (event) {
      var expanded = !listbox.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!expanded) open();
        else highlight((active + 1) % suggestions.length);
      } else if (event.key === "ArrowUp" && expanded) {
        event.preventDefault();
        highlight((active - 1 + suggestions.length) % suggestions.length);
      } else if (event.key === "Enter" || event.key === ",") {
        // Enter in the box picks a skill; it never submits the form half-typed.
        if (expanded && active >= 0) {
          event.preventDefault();
          add(suggestions[active]);
        } else if (box.value.trim()) {
          event.preventDefault();
          add(box.value);
        }
      } else if (event.key === "Escape" && expanded) {
        event.preventDefault();
        close();
      } else if (event.key === "Backspace" && !box.value && chosen.length) {
        var removed = chosen.pop();
        sync();
        status.textContent = removed + " removed.";
      }
    });

    sync();
  }

  function start() {
    document.querySelectorAll("input[data-skill-picker]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
