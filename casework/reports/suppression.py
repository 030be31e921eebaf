"""Small-cell suppression for aggregate tables, primary and secondary.

A table maps a key (one code per dimension) to a count; keys not in it count zero. The
report publishes each cell and every total of it: the sums over one or more dimensions
(row and column totals, the grand total), held here as keys with `TOTAL` in the summed
places. Every published figure from 1 to threshold − 1 is hidden (primary suppression),
totals included. Hiding them is not enough, since the totals let a reader subtract, so
more figures are hidden (secondary suppression) until none of the primary ones can be
worked out.

The reader's attack is modelled directly (`recoverable`): each total equals the sum of
the figures one level below it; if all but one figure of such an equation are known, that
one is known too, and so on until nothing more follows. While that recovers a primary
figure, the smallest visible non-zero figure of the first equation that gave a hidden one
away is hidden as well (a cell before its total), after a first pass that gives every
equation with one hidden figure a second one. If no such figure is left, every
non-zero figure is hidden. Zeros are never hidden: a zero protects nothing.

What this does not cover: a reader who combines *different* reports (the same data with
fewer dimensions, or other filters) is protected only as far as each report's own totals
go; README "Decisions worth knowing" says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import product

Key = tuple[Hashable, ...]


class _Total:
    """The marker of a summed dimension in a key ("all districts")."""

    def __repr__(self) -> str:
        return "TOTAL"


TOTAL = _Total()


@dataclass
class Suppressed:
    figures: dict[Key, int]  # every cell and total, by key
    hidden: set[Key]

    def shown(self, key: Key) -> int | None:
        return None if key in self.hidden else self.figures.get(key, 0)


def with_totals(cells: Mapping[Key, int]) -> dict[Key, int]:
    """The cells and every sum of them over one or more dimensions."""
    figures: dict[Key, int] = defaultdict(int)
    for key, count in cells.items():
        for summed in product((False, True), repeat=len(key)):
            figures[tuple(TOTAL if s else v for v, s in zip(key, summed, strict=True))] += count
    return dict(figures)


def _equations(figures: Mapping[Key, int]) -> list[tuple[Key, list[Key]]]:
    """(total, the figures it sums) for every total and each dimension it sums over."""
    parts: dict[tuple[Key, int], list[Key]] = defaultdict(list)
    for key in figures:
        for axis, value in enumerate(key):
            if value is not TOTAL:
                parent = key[:axis] + (TOTAL,) + key[axis + 1 :]
                parts[(parent, axis)].append(key)
    return [(parent, sorted(children, key=repr)) for (parent, _), children in parts.items()]


def recoverable(
    figures: Mapping[Key, int], hidden: set[Key], equations=None
) -> list[tuple[Key, list[Key]]]:
    """Hidden figures a reader can work out, in order, each with the equation that gave it."""
    if equations is None:
        equations = _equations(figures)
    known = set(figures) - hidden
    found: list[tuple[Key, list[Key]]] = []
    progress = True
    while progress:
        progress = False
        for parent, children in equations:
            members = [parent, *children]
            unknown = [key for key in members if key not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                found.append((unknown[0], members))
                progress = True
    return found


def suppress(cells: Mapping[Key, int], threshold: int) -> Suppressed:
    figures = with_totals({key: count for key, count in cells.items() if count})
    small = {key for key, count in figures.items() if 0 < count < threshold}
    hidden = set(small)
    equations = _equations(figures)
    _no_lone_hidden(equations, figures, hidden)
    while hidden:
        found = recoverable(figures, hidden, equations)
        if not any(key in small for key, _ in found):
            break
        complement = _complement(found, figures, hidden)
        if complement is None:
            hidden = {key for key, count in figures.items() if count > 0}
            break
        hidden.add(complement)
    return Suppressed(figures, hidden)


def _no_lone_hidden(equations, figures, hidden: set[Key]) -> None:
    """The classic first pass: no equation may have exactly one hidden figure. It settles
    most tables at once; the attack loop after it only mends what it leaves."""
    changed = True
    while changed:
        changed = False
        for parent, children in equations:
            members = [parent, *children]
            if sum(key in hidden for key in members) == 1:
                complement = _complement([(None, members)], figures, hidden)
                if complement is not None:
                    hidden.add(complement)
                    changed = True


def _complement(found, figures, hidden) -> Key | None:
    """The smallest visible figure of the first equation that gave a hidden one away,
    a cell (fewest totals in its key) before a total."""
    for _recovered, members in found:
        candidates = [key for key in members if key not in hidden and figures[key] > 0]
        if candidates:
            return min(
                candidates,
                key=lambda key: (sum(v is TOTAL for v in key), figures[key], repr(key)),
            )
    return None
