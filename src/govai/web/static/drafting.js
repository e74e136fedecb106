/* The drafting form: show the chosen 文种's 适用范围 and direction under the select, and the
   出席人员 field only for a 纪要 (the other types have no attendance list). Without script the
   form still works: every field shows and the table below the form lists each type's use. */
(function () {
  "use strict";

  var select = document.getElementById("draft-type");
  var help = document.getElementById("kind-help");
  var attendees = document.getElementById("attendees-field");
  if (!select || !help) {
    return;
  }

  function show() {
    var option = select.options[select.selectedIndex];
    if (!option) {
      return;
    }
    var name = document.createElement("strong");
    name.textContent = option.value;
    help.textContent = "";
    help.appendChild(name);
    help.appendChild(
      document.createTextNode(
        "（" + option.getAttribute("data-direction") + "）：" + option.getAttribute("data-use")
      )
    );
    if (attendees) {
      attendees.hidden = option.value !== "纪要";
    }
  }

  select.addEventListener("change", show);
  show();
})();
