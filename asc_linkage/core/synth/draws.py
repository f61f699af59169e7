"""Small vectorised drawing helpers shared by the generator's components."""

from __future__ import annotations

import numpy as np


def repeat_rank(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Owner index and 0-based rank within owner for `counts[i]` copies of each i."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.arange(len(owner)) - starts


def choose(rng: np.random.Generator, options: tuple[list[str], list[float]], size: int) -> np.ndarray:
    """`size` draws from (values, weights); weights need not sum to one."""
    values, probs = options
    p = np.asarray(probs, dtype=float)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=size, p=p / p.sum())]


def choose_by(rng: np.random.Generator, table: dict, keys: np.ndarray) -> np.ndarray:
    """One draw per row from the options `table[key]` for that row's key (None for other keys)."""
    out = np.empty(len(keys), dtype=object)
    for key, options in table.items():
        members = np.flatnonzero(keys == key)
        if len(members):
            out[members] = choose(rng, options, len(members))
    return out


def lookup(keys: np.ndarray, table: dict, default: float) -> np.ndarray:
    """Vectorised ``table.get(key, default)``: one dict access per distinct key, not per row."""
    if len(keys) == 0:
        return np.zeros(0)
    distinct, inverse = np.unique(keys.astype(str), return_inverse=True)
    return np.array([table.get(k, default) for k in distinct], dtype=float)[inverse]
