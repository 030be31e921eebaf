"""Small-cell suppression on hand-worked tables, and a reader who tries to undo it."""

from __future__ import annotations

import itertools
import random

import pytest

from casework.reports.suppression import TOTAL, recoverable, suppress, with_totals

T = TOTAL


def hidden_cells(result) -> set:
    return {key for key in result.hidden if T not in key}


def test_nothing_small_hides_nothing():
    result = suppress({("a",): 5, ("b",): 12}, 5)
    assert result.hidden == set()
    assert result.shown((T,)) == 17


def test_one_small_cell_takes_the_next_smallest_with_it():
    """a=3 is hidden; with the total 33 shown, b (10) must go too, not c (20)."""
    result = suppress({("a",): 3, ("b",): 10, ("c",): 20}, 5)
    assert result.hidden == {("a",), ("b",)}
    assert result.shown((T,)) == 33
    assert result.shown(("c",)) == 20


def test_two_small_cells_protect_each_other():
    result = suppress({("a",): 3, ("b",): 2, ("c",): 20}, 5)
    assert result.hidden == {("a",), ("b",)}


def test_a_small_total_is_hidden_too():
    result = suppress({("a",): 2, ("b",): 1}, 5)
    assert result.hidden == {("a",), ("b",), (T,)}


def test_hand_worked_district_by_sex_table():
    """female  male | total
    d1            3     6  |   9
    d2           10    12  |  22
    d3            8     9  |  17
    total        21    27  |  48

    d1/female (3) is small. Its row needs a second hidden cell (d1/male, 6); its column
    too: the smallest other female cell is d3 (8). Then row d3 has one hidden cell, so
    d3/male (9) goes; now the male column has two. No total is below 5, all are shown.
    """
    cells = {
        ("d1", "f"): 3,
        ("d1", "m"): 6,
        ("d2", "f"): 10,
        ("d2", "m"): 12,
        ("d3", "f"): 8,
        ("d3", "m"): 9,
    }
    result = suppress(cells, 5)
    assert hidden_cells(result) == {("d1", "f"), ("d1", "m"), ("d3", "f"), ("d3", "m")}
    assert result.hidden == hidden_cells(result)  # every total is shown
    assert result.shown(("d1", T)) == 9 and result.shown((T, "f")) == 21
    assert result.shown((T, T)) == 48


def test_a_lone_cell_cannot_shield_a_small_one():
    """Row d2 holds a single cell, so its row total gives it away: the column's complement
    must be the row total or another cell, and here the d2 total is hidden with it."""
    cells = {("d1", "f"): 4, ("d1", "m"): 7, ("d2", "f"): 30}
    result = suppress(cells, 5)
    assert not recoverable(result.figures, result.hidden)


def test_the_threshold_is_a_setting():
    cells = {("a",): 7, ("b",): 12, ("c",): 30}
    assert suppress(cells, 5).hidden == set()
    assert suppress(cells, 10).hidden == {("a",), ("b",)}


def test_totals_are_every_sum_of_the_table():
    figures = with_totals({("a", "x"): 1, ("a", "y"): 2, ("b", "x"): 4})
    assert figures[("a", T)] == 3 and figures[(T, "x")] == 5 and figures[(T, T)] == 7


def _solutions(result, limit: int):
    """Every table of non-negative counts that agrees with all that is shown: the hidden
    cells are unknowns; each shown figure (cell or total) is an equation they must meet."""
    cells = [k for k in result.figures if T not in k]
    unknown = [k for k in cells if k in result.hidden]
    shown = [k for k in result.figures if k not in result.hidden]

    def matches(key, guess):
        return all(v is T or v == g for v, g in zip(key, guess, strict=True))

    for values in itertools.product(range(limit + 1), repeat=len(unknown)):
        table = {k: result.figures[k] for k in cells if k not in result.hidden}
        table.update(zip(unknown, values, strict=True))
        if all(
            sum(n for cell, n in table.items() if matches(key, cell)) == result.figures[key]
            for key in shown
        ):
            yield dict(zip(unknown, values, strict=True))


@pytest.mark.parametrize("seed", range(12))
def test_no_small_count_has_only_one_possible_value(seed):
    """Brute force, independent of the algorithm: for small random tables, every small cell
    could take at least two values given everything shown."""
    rng = random.Random(seed)
    shape = rng.choice([(3,), (4,), (2, 2), (2, 3), (3, 2)])
    cells = {
        key: rng.choice([0, 1, 2, 3, 4, 6, 9])
        for key in itertools.product(*[range(n) for n in shape])
    }
    cells = {k: v for k, v in cells.items() if v}
    if not cells:
        return
    result = suppress(cells, 5)
    small = [k for k, v in cells.items() if v < 5]
    hidden = [k for k in result.figures if k in result.hidden and T not in k]
    if len(hidden) > 6:  # too many unknowns to enumerate quickly: the attack model decides
        assert not recoverable(result.figures, result.hidden)
        return
    possible = {k: set() for k in hidden}
    for solution in _solutions(result, limit=12):
        for key, value in solution.items():
            possible[key].add(value)
    for key in small:
        assert len(possible[key]) >= 2, (cells, sorted(result.hidden, key=repr), key)


@pytest.mark.parametrize("seed", range(40))
def test_the_modelled_reader_recovers_no_small_count_in_three_dimensions(seed):
    rng = random.Random(1000 + seed)
    shape = [rng.randint(1, 4) for _ in range(3)]
    cells = {
        key: rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 12, 40])
        for key in itertools.product(*[range(n) for n in shape])
    }
    cells = {k: v for k, v in cells.items() if v}
    if not cells:
        return
    result = suppress(cells, 5)
    small = {k for k, v in result.figures.items() if 0 < v < 5}
    assert small <= result.hidden
    assert not {k for k, _ in recoverable(result.figures, result.hidden)} & small
