// Fills the local-level select when a district is chosen (no inline scripts: CSP-ready).
(function () {
  "use strict";
  document.querySelectorAll("select[data-local-levels]").forEach(function (district) {
    var target = document.getElementById(district.dataset.target);
    if (!target) { return; }
    district.addEventListener("change", function () {
      target.innerHTML = "";
      var blank = document.createElement("option");
      blank.value = ""; blank.textContent = "—";
      target.appendChild(blank);
      if (!district.value) { return; }
      var url = district.dataset.localLevels + "?district_id=" + encodeURIComponent(district.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) {
          data.items.forEach(function (level) {
            var option = document.createElement("option");
            option.value = level.id;
            option.textContent = (level.name || level.name_en) + " (" + level.wards + ")";
            target.appendChild(option);
          });
        });
    });
  });
})();
