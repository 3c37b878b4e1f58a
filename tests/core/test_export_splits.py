"""Leakage-safe splitting: quotas, units from duplicate groups, seeded assignment, strata."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.core.errors import InputError
from inspector.core.export.splits import assign, crossing, parse_ratios, quotas, units_of


def test_parse_ratios_accepts_the_seed_notebook_split():
    assert parse_ratios("0.85,0.10,0.05") == (0.85, 0.10, 0.05)
    assert parse_ratios("0.9, 0.1") == (0.9, 0.1)


@pytest.mark.parametrize("spec", ["0.5,0.4", "1", "a,b", "0.5,0.5,0.1,-0.1", "0.2,0.2,0.2,0.4"])
def test_parse_ratios_rejects_bad_specs(spec):
    with pytest.raises(InputError, match="--split"):
        parse_ratios(spec)


def test_quotas_sum_to_n_by_largest_remainder():
    assert quotas(1100, (0.85, 0.10, 0.05)).tolist() == [935, 110, 55]
    assert quotas(2, (0.85, 0.10, 0.05)).tolist() == [2, 0, 0]
    assert quotas(7, (0.5, 0.5)).sum() == 7


def test_units_join_overlapping_groups_transitively():
    # 0~1 (exact), 1~2 (near), 5~6: units {0,1,2}, {5,6}, and singletons.
    units = units_of(8, [np.array([0, 1]), np.array([1, 2]), np.array([5, 6])])
    assert units[0] == units[1] == units[2]
    assert units[5] == units[6]
    assert len({units[0], units[3], units[4], units[5], units[7]}) == 5


def _random_groups(n: int, rng) -> list[np.ndarray]:
    groups = []
    for _ in range(n // 20):
        size = int(rng.integers(2, 9))
        groups.append(rng.choice(n, size=size, replace=False))
    return groups


def test_assign_keeps_every_group_in_one_split_and_meets_quotas():
    rng = np.random.default_rng(1)
    n = 5000
    groups = _random_groups(n, rng)
    kept = rng.random(n) > 0.1
    where = assign(kept, units_of(n, groups), (0.85, 0.10, 0.05), seed=3)
    assert (where[~kept] == -1).all() and (where[kept] >= 0).all()
    assert crossing(groups, where) == 0
    counts = np.bincount(where[kept], minlength=3)
    target = quotas(int(kept.sum()), (0.85, 0.10, 0.05))
    # Multi-row units can overshoot a quota by less than the largest unit.
    assert np.abs(counts - target).max() < 30


def test_assign_is_deterministic_per_seed_and_varies_with_it():
    rng = np.random.default_rng(2)
    n = 2000
    groups = _random_groups(n, rng)
    units = units_of(n, groups)
    kept = np.ones(n, bool)
    a = assign(kept, units, (0.8, 0.1, 0.1), seed=7)
    b = assign(kept, units, (0.8, 0.1, 0.1), seed=7)
    c = assign(kept, units, (0.8, 0.1, 0.1), seed=8)
    assert (a == b).all()
    assert (a != c).any()


def test_a_random_row_split_would_leak_which_is_what_the_check_catches():
    rng = np.random.default_rng(4)
    n = 2000
    groups = _random_groups(n, rng)
    naive = rng.choice(3, size=n, p=[0.85, 0.10, 0.05]).astype(np.int8)
    assert crossing(groups, naive) > 0


def test_stratified_assignment_spreads_every_stratum():
    rng = np.random.default_rng(5)
    n = 6000
    strata = rng.integers(0, 6, size=n)
    groups = _random_groups(n, rng)
    where = assign(np.ones(n, bool), units_of(n, groups), (0.8, 0.1, 0.1), seed=0, strata=strata)
    assert crossing(groups, where) == 0
    for s in range(6):
        share = np.bincount(where[strata == s], minlength=3) / (strata == s).sum()
        assert abs(share[0] - 0.8) < 0.03 and abs(share[1] - 0.1) < 0.03
