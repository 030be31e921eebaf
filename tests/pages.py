"""Reading pages like a browser, for the page tests.

A form is read the way a browser would submit it (every field with the value the page
gives it), some fields are changed with `filled`, and the whole form is posted back.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class _PageParser(HTMLParser):
    """The forms of a page, each with its action and what a browser would submit, and the
    rows of its tables."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.rows: list[list[str]] = []
        self._form = None
        self._select = None
        self._option = None
        self._textarea = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append((a.get("action") or "", self._form))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self._form.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea[1] += data
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and not self._select["multiple"] and options:
                chosen = options[:1]  # a browser sends the first option
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"]
                self._form.append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that may follow <textarea>.
            name, value = self._textarea
            value = value.removeprefix("\r").removeprefix("\n")
            self._form.append((name, value))
            self._textarea = None
        elif tag == "form":
            self._form = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def forms_of(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each form of the page: its action and the fields a browser would submit."""
    return _parse(html).forms


def table_rows(html: str) -> list[list[str]]:
    """The rows of the page's tables, each a list of its cells' text."""
    return _parse(html).rows


def form_at(html: str, action: str) -> MultiDict:
    """The one form of the page that posts to `action`."""
    found = [fields for target, fields in forms_of(html) if target == action]
    assert len(found) == 1, f"{len(found)} forms posting to {action!r}"
    return MultiDict(found[0])


def form_with(html: str, field: str) -> MultiDict:
    """The one form of the page that has this field."""
    found = [f for _, f in forms_of(html) if any(name == field for name, _ in f)]
    assert len(found) == 1, f"{len(found)} forms with a field {field!r}"
    return MultiDict(found[0])


def filled(form: MultiDict, **changes) -> MultiDict:
    """The form with some fields changed: a list checks several boxes, None clears one
    (unticks a box: the browser leaves it out).

    `items__0__budget_npr` names the field `items-0-budget_npr`.
    """
    result = MultiDict(form)
    for name, value in changes.items():
        name = name.replace("__", "-")
        result.poplist(name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            result.add(name, item)
    return result


def field_errors(html: str, field_id: str) -> list[str]:
    """The messages shown right under the field with this id (in its own form group)."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"', html)
    assert match, f"no field {field_id} on the page"
    group = html[match.end() :].split('<div class="mb-3">', 1)[0]
    messages = re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', group)
    return [unescape(m) for m in messages]
