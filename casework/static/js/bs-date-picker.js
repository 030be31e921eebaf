// The Bikram Sambat date picker: a month grid next to each BS date input.
// No conversion happens here: month lengths and the weekday of each month's first day come
// from the server (/calendar/bs-months.json, nepali-datetime's table), fetched once per
// page and kept by the browser. The input's own text stays the value sent; the picker only
// writes YYYY-MM-DD into it. Buttons all the way, so it works from the keyboard.
(function () {
  "use strict";
  var DEVANAGARI = "०१२३४५६७८९";
  var tables = {};

  function load(url) {
    if (!tables[url]) {
      tables[url] = fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); });
    }
    return tables[url];
  }

  function digits(text, kind) {
    text = String(text);
    if (kind !== "devanagari") { return text; }
    return text.replace(/[0-9]/g, function (d) { return DEVANAGARI[Number(d)]; });
  }

  function latin(text) {
    return text.replace(/[०-९]/g, function (d) { return String(DEVANAGARI.indexOf(d)); });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // The BS year and month of today, by counting days from each year's 1 Baishakh.
  function todayIn(data) {
    var now = new Date();
    var today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    for (var i = data.years.length - 1; i >= 0; i--) {
      var parts = data.years[i].start.split("-").map(Number);
      var offset = Math.round((today - Date.UTC(parts[0], parts[1] - 1, parts[2])) / 86400000);
      if (offset >= 0) {
        var months = data.years[i].months;
        for (var m = 0; m < 12; m++) {
          if (offset < months[m][0]) { return { year: data.years[i].year, month: m + 1, day: offset + 1 }; }
          offset -= months[m][0];
        }
        return null;  // after the last year of the table
      }
    }
    return null;
  }

  function typed(input) {
    var match = /^(\d{4})[-\/.](\d{1,2})[-\/.](\d{1,2})$/.exec(latin(input.value.trim()));
    return match ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) } : null;
  }

  function Picker(input, button) {
    this.input = input;
    this.button = button;
    this.kind = input.dataset.digits;
    this.lang = document.documentElement.lang === "ne" ? "ne" : "en";
    this.panel = null;
    var self = this;
    this.onKey = function (event) {
      if (event.key === "Escape" && self.panel) { self.close(); self.input.focus(); }
    };
  }

  Picker.prototype.calendar = function () {
    var select = document.getElementById(this.input.id + "-calendar");
    return select ? select.value : "bs";
  };

  Picker.prototype.toggle = function () {
    if (this.panel) { this.close(); return; }
    var self = this;
    load(this.input.dataset.bikramSambat).then(function (data) {
      self.data = data;
      var start = typed(self.input) || todayIn(data) || { year: data.last_year, month: 1 };
      if (start.year < data.first_year || start.year > data.last_year || start.month < 1 || start.month > 12) {
        start = todayIn(data) || { year: data.last_year, month: 1 };
      }
      self.year = start.year;
      self.month = start.month;
      self.open();
    }).catch(function () {
      self.button.disabled = true;  // no table: the text input still takes a typed date
    });
  };

  Picker.prototype.open = function () {
    this.panel = el("div", "bs-picker card card-body p-2 shadow");
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-label", this.button.getAttribute("aria-label"));
    var group = this.input.closest(".bs-date");
    group.parentNode.insertBefore(this.panel, group.nextSibling);
    this.panel.addEventListener("keydown", this.onKey);
    this.draw();
    // Into the grid, on the day chosen (or today, or the 1st), for keyboard users.
    var day = this.panel.querySelector(".bs-picker-day.active") ||
      this.panel.querySelector(".bs-picker-today") || this.panel.querySelector(".bs-picker-day");
    if (day) { day.focus(); }
  };

  Picker.prototype.close = function () {
    if (this.panel) { this.panel.remove(); this.panel = null; }
  };

  Picker.prototype.move = function (months) {
    var index = this.year * 12 + (this.month - 1) + months;
    var year = Math.floor(index / 12);
    if (year < this.data.first_year || year > this.data.last_year) { return; }
    this.year = year;
    this.month = index % 12 + 1;
    this.draw();
  };

  Picker.prototype.navButton = function (text, label, months) {
    var button = el("button", "btn btn-sm btn-outline-secondary", text);
    var self = this;
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", function () { self.move(months); self.focusNav(label); });
    return button;
  };

  Picker.prototype.focusNav = function (label) {
    var again = this.panel && this.panel.querySelector('[aria-label="' + label + '"]');
    if (again) { again.focus(); }
  };

  Picker.prototype.draw = function () {
    var data = this.data, kind = this.kind, self = this;
    var table = data.years[this.year - data.first_year];
    var month = table.months[this.month - 1];
    var names = data.months[this.lang];
    this.panel.textContent = "";

    var head = el("div", "d-flex align-items-center gap-1 mb-2");
    var labels = this.button.dataset;  // translated by the server
    head.appendChild(this.navButton("«", labels.previousYear, -12));
    head.appendChild(this.navButton("‹", labels.previousMonth, -1));
    var title = el("div", "flex-grow-1 text-center fw-semibold", names[this.month - 1] + " " + digits(this.year, kind));
    title.setAttribute("aria-live", "polite");
    head.appendChild(title);
    head.appendChild(this.navButton("›", labels.nextMonth, 1));
    head.appendChild(this.navButton("»", labels.nextYear, 12));
    this.panel.appendChild(head);

    var grid = el("div", "bs-picker-grid");
    data.weekdays[this.lang].forEach(function (name) { grid.appendChild(el("div", "bs-picker-weekday small text-muted", name)); });
    for (var blank = 0; blank < month[1]; blank++) { grid.appendChild(el("div")); }
    var today = todayIn(data), chosen = typed(this.input);
    for (var day = 1; day <= month[0]; day++) {
      var button = el("button", "btn btn-sm btn-light bs-picker-day", digits(day, kind));
      var iso = this.year + "-" + pad(this.month) + "-" + pad(day);
      button.type = "button";
      button.setAttribute("aria-label", names[this.month - 1] + " " + digits(day, kind) + ", " + digits(this.year, kind));
      if (today && today.year === this.year && today.month === this.month && today.day === day) {
        button.classList.add("bs-picker-today");
      }
      if (chosen && chosen.year === this.year && chosen.month === this.month && chosen.day === day) {
        button.classList.add("active");
        button.setAttribute("aria-pressed", "true");
      }
      button.addEventListener("click", (function (value) {
        return function () { self.choose(value); };
      })(iso));
      grid.appendChild(button);
    }
    this.panel.appendChild(grid);
  };

  Picker.prototype.choose = function (iso) {
    this.input.value = digits(iso, this.kind);
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    this.close();
    this.input.focus();
  };

  document.querySelectorAll("input[data-bikram-sambat]").forEach(function (input) {
    var button = document.querySelector('button.bs-picker-open[data-for="' + input.id + '"]');
    if (!button) { return; }
    var picker = new Picker(input, button);
    var select = document.getElementById(input.id + "-calendar");
    function follow() {
      // The picker writes BS dates: it is offered only while the input is in BS.
      var bs = picker.calendar() === "bs";
      button.hidden = !bs;
      input.placeholder = bs ? input.dataset.placeholderBs : input.dataset.placeholderAd;
      if (button.hidden) { picker.close(); }
    }
    if (select) { select.addEventListener("change", follow); follow(); }
    button.addEventListener("click", function () { picker.toggle(); });
    input.closest(".bs-date").addEventListener("keydown", picker.onKey);
  });
})();
