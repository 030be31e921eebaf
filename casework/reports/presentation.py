"""How an aggregate report reads: its language, calendar and digits (issue 9).

A report is counted once (casework.services.reports.run) and can then be written for any
reader. The `Preferences` of casework.i18n (language, calendar, digits) decide the words,
the dates and the digits of the page and of the CSV and XLSX files:

- Language: headings, labels and notes are translated under `flask_babel.force_locale`,
  so a partner can get a Nepali report from an English interface and the other way round.
  Province and district names come from the reference data (`name_ne`, `name_en`);
  country names from CLDR in Nepali, the ISO names in English (services.reports.CountryName).
- Calendar: the period's days and the moment the report was produced are written in AD,
  BS or both (casework.domain.calendar.format_date); a moment in BS is given in Nepal
  time, in AD in UTC as before. A fiscal year is named as such in every calendar ("Fiscal
  year 2082/83": it is a BS year). The `month` dimension stays AD months (YYYY-MM): that
  is how it is counted.
- Digits: Devanagari digits (०-९) apply to the page and to the text of an XLSX (labels,
  dates, notes, the suppression markers such as "<५"). Never to a CSV, which must stay
  machine-readable, and never to the counts of an XLSX, which stay numbers a spreadsheet
  can add up. Latin digits turn any Devanagari digit of a label into Latin, so one report
  has one kind of digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from casework.domain import workflow
from casework.domain.calendar import devanagari_digits, format_date, latin_digits
from casework.domain.periods import NEPAL, Period
from casework.i18n import LANGUAGE_NAMES, Preferences, preferences
from casework.reports.aggregate import DIMENSIONS, SUBJECTS


@dataclass(frozen=True)
class Line:
    labels: list[str]  # one per dimension ("Total" alone without dimensions)
    count: int | None  # None when suppressed
    shown: str  # how the count reads: "12", "<5" or "x", in the report's digits
    total: bool  # a sum over some dimensions (the grand total last)


@dataclass(frozen=True)
class Table:
    """A report as it is written for one reader (a page, a CSV or an XLSX)."""

    header: list[str]
    lines: list[Line]
    about: list[tuple[str, str]]
    note: str  # what `<5` and `x` mean
    sheet_name: str
    about_sheet_name: str
    language: str


def choose(
    language: str | None = None, calendar: str | None = None, digits: str | None = None
) -> Preferences:
    """The reader's explicit choices, each defaulting to the current request's: the
    interface language, the user's calendar and digits (casework.i18n.preferences)."""
    own = preferences()
    return Preferences(
        language=language or own.language,
        calendar=calendar or own.calendar,
        digits=digits or own.digits,
    )


# What a program reading the API gets unless it asks: the files' data contract (column
# keys and codes, AD dates, Latin digits), whatever the token owner reads on the pages.
API_DEFAULT = Preferences(language="en", calendar="ad", digits="latin")


def choose_for_api(
    language: str | None = None, calendar: str | None = None, digits: str | None = None
) -> Preferences:
    """The API's explicit choices, each defaulting to API_DEFAULT, not to the profile: a
    script must not get Nepali headers or extra BS columns because the person whose
    token it uses chose to read Nepali."""
    return Preferences(
        language=language or API_DEFAULT.language,
        calendar=calendar or API_DEFAULT.calendar,
        digits=digits or API_DEFAULT.digits,
    )


def digits_of(style: Preferences) -> Callable[[str], str]:
    return devanagari_digits if style.digits == "devanagari" else latin_digits


def machine_readable(style: Preferences) -> Preferences:
    """The style of a CSV: the report's language and calendar, Latin digits."""
    return replace(style, digits="latin")


def present(report, style: Preferences) -> Table:
    """The report's table, facts and note in the style's language, calendar and digits."""
    with force_locale(style.language):
        digits = digits_of(style)
        group_by = report.spec.group_by
        if group_by:
            header = [str(DIMENSIONS[d].label) for d in group_by] + [_("Count")]
        else:
            header = [_("Total"), _("Count")]
        lines = [_line(report, figure, digits, total=False) for figure in report.cells] + [
            _line(report, figure, digits, total=True) for figure in report.totals
        ]
        return Table(
            header=header,
            lines=lines,
            about=describe(report, style),
            note=digits(
                _(
                    "<%(n)d: between 1 and %(below)d. x: hidden so that a small count cannot "
                    "be worked out from the totals.",
                    n=report.threshold,
                    below=report.threshold - 1,
                )
            ),
            sheet_name=sheet_name(_("Report")),
            about_sheet_name=sheet_name(_("About this report")),
            language=style.language,
        )


def sheet_name(text: str) -> str:
    """A name Excel accepts for a sheet (whatever a translation says): at most 31
    characters, none of []:*?/\\, not starting or ending with an apostrophe."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in text).strip().strip("'")
    return cleaned[:31] or "Sheet"


def _line(report, figure, digits, *, total: bool) -> Line:
    group_by = report.spec.group_by
    if group_by:
        labels = [digits(report.label(d, v)) for d, v in zip(group_by, figure.key, strict=True)]
    else:
        labels = [_("Total")]
    count = None if figure.suppressed else figure.count
    return Line(labels, count, digits(report.shown(figure)), total)


def period_label(period: Period, style: Preferences) -> str:
    """The period in words, its days in the style's calendar (the digits are the caller's)."""
    if period.fiscal_year:
        return _("Fiscal year %(fy)s", fy=period.fiscal_year)
    start = format_date(period.start, style.calendar) if period.start else None
    end = format_date(period.end, style.calendar) if period.end else None
    if start and end:
        return f"{start} – {end}"
    if start:
        return _("From %(day)s", day=start)
    if end:
        return _("Up to %(day)s", day=end)
    return _("All dates")


def produced_on(moment: datetime, style: Preferences) -> str:
    """When the report was made: UTC in AD (as it always was), Nepal time with a BS day."""
    if style.calendar == "ad":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    local = moment.astimezone(NEPAL)
    return _(
        "%(day)s, %(time)s Nepal time",
        day=format_date(local.date(), style.calendar),
        time=local.strftime("%H:%M"),
    )


def describe(report, style: Preferences | None = None) -> list[tuple[str, str]]:
    """What the report is, for the page and the "About this report" sheet."""
    style = style or Preferences()
    digits = digits_of(style)
    spec, period = report.spec, report.spec.period
    facts = [
        (_("Counted"), str(SUBJECTS[spec.subject])),
        (
            _("Grouped by"),
            ", ".join(str(DIMENSIONS[d].label) for d in spec.group_by) or _("Nothing (total only)"),
        ),
        (_("Kind of case"), str(workflow.KINDS[spec.kind]) if spec.kind else _("All kinds")),
        (_("Office"), spec.office or _("All offices")),
        (_("Period"), digits(period_label(period, style))),
    ]
    if period.start:
        facts.append((_("First day"), digits(format_date(period.start, style.calendar))))
    if period.end:
        facts.append((_("Last day"), digits(format_date(period.end, style.calendar))))
    facts += [
        (_("Generated"), digits(produced_on(report.generated_at, style))),
        (_("Generated by"), report.generated_by),
        (
            _("Suppression"),
            digits(
                _(
                    "Counts from 1 to %(below)d are shown as <%(n)d. Counts marked x are hidden "
                    "so that no small count can be worked out from the totals.",
                    below=report.threshold - 1,
                    n=report.threshold,
                )
            ),
        ),
        (_("Language"), LANGUAGE_NAMES.get(style.language, style.language)),
    ]
    return facts
