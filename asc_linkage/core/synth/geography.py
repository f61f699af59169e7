"""Synthetic Lambeth-like geography: postcodes -> LSOAs -> IMD deciles.

178 LSOAs (Lambeth's count) spread over the borough's postcode districts, each with ~25 unit
postcodes. Deciles are skewed to 2-5, as for inner London under IoD2019, where few LSOAs are in
the most or least deprived tenth. LSOA codes are ``E019xxxxx``: the right shape, never a real code.
A small set of out-of-borough postcodes (people placed or moved outside) is deliberately absent
from the lookup, so their deprivation is unknown downstream rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

BOROUGH_DISTRICTS = ["SW2", "SW4", "SW8", "SW9", "SW16", "SE1", "SE5", "SE11", "SE24", "SE27", "SE19"]
OUT_OF_BOROUGH_DISTRICTS = ["CR0", "CR4", "BR3", "SE6", "SE13", "SW17", "SW19", "SE15"]
# Inward-code letters never include C, I, K, M, O or V (Royal Mail rule).
INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
LSOA_COUNT = 178
POSTCODES_PER_LSOA = 25
OUT_OF_BOROUGH_POSTCODES = 400
# Share of the borough's LSOAs in each IMD decile 1..10 (1 = most deprived).
DECILE_WEIGHTS = np.array([0.05, 0.17, 0.21, 0.19, 0.14, 0.09, 0.06, 0.05, 0.03, 0.01])


@dataclass(frozen=True)
class Geography:
    postcode_lsoa: pl.DataFrame      # postcode, lsoa11 (borough postcodes only)
    lsoa_imd: pl.DataFrame           # lsoa11, imd_decile
    postcodes: np.ndarray            # borough postcodes, object array
    postcode_decile: np.ndarray      # decile of each borough postcode (int8)
    out_of_borough: np.ndarray       # postcodes absent from the lookup
    all_postcodes: pl.Series         # borough postcodes then out-of-borough ones; people hold positions in it


def _unit_postcodes(rng: np.random.Generator, districts: np.ndarray) -> np.ndarray:
    """Unique `DISTRICT dLL` postcodes, one per element of `districts`."""
    needed = len(districts)
    seen: set[str] = set()
    out = np.empty(needed, dtype=object)
    filled = 0
    while filled < needed:
        batch = needed - filled
        digits = rng.integers(0, 10, batch)
        letters = rng.choice(INWARD_LETTERS, size=(batch, 2))
        # Building strings here is per postcode, not per person: a few thousand, once.
        for district, digit, (a, b) in zip(districts[filled:], digits, letters):
            code = f"{district} {digit}{a}{b}"
            if code not in seen:
                seen.add(code)
                out[filled] = code
                filled += 1
    return out


def build_geography(rng: np.random.Generator) -> Geography:
    decile = rng.choice(np.arange(1, 11), size=LSOA_COUNT, p=DECILE_WEIGHTS).astype(np.int8)
    lsoa_codes = np.array([f"E019{n:05d}" for n in rng.choice(100000, LSOA_COUNT, replace=False)],
                          dtype=object)
    lsoa_district = rng.choice(np.array(BOROUGH_DISTRICTS, dtype=object), size=LSOA_COUNT)
    lsoa_of_postcode = np.repeat(np.arange(LSOA_COUNT), POSTCODES_PER_LSOA)
    postcodes = _unit_postcodes(rng, lsoa_district[lsoa_of_postcode])
    out_districts = rng.choice(np.array(OUT_OF_BOROUGH_DISTRICTS, dtype=object), OUT_OF_BOROUGH_POSTCODES)
    out_of_borough = _unit_postcodes(rng, out_districts)
    out_of_borough = np.array([p for p in out_of_borough if p not in set(postcodes)], dtype=object)
    postcode_lsoa = pl.DataFrame({"postcode": postcodes.astype(str), "lsoa11": lsoa_codes[lsoa_of_postcode].astype(str)})
    lsoa_imd = pl.DataFrame({"lsoa11": lsoa_codes.astype(str), "imd_decile": decile.astype(np.int64)}).sort("lsoa11")
    return Geography(
        postcode_lsoa=postcode_lsoa.sort("postcode"),
        lsoa_imd=lsoa_imd,
        postcodes=postcodes,
        postcode_decile=decile[lsoa_of_postcode],
        out_of_borough=out_of_borough,
        all_postcodes=pl.Series("postcode", np.concatenate([postcodes, out_of_borough]).tolist(), dtype=pl.String),
    )


def draw_postcodes(rng: np.random.Generator, geography: Geography, deprivation_tilt: np.ndarray,
                   out_of_borough_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Pick one postcode per person; `deprivation_tilt` > 0 pushes a person towards deprived areas.

    Returns (position in geography.all_postcodes, imd_decile with 0 for out of borough). Sampling is by inverse CDF over
    postcodes weighted by exp(-tilt * (decile - 1)) for a handful of distinct tilt values.
    """
    n = len(deprivation_tilt)
    postcode = np.zeros(n, dtype=np.int64)
    decile = np.zeros(n, dtype=np.int8)
    for tilt in np.unique(deprivation_tilt):
        members = np.flatnonzero(deprivation_tilt == tilt)
        weights = np.exp(-tilt * (geography.postcode_decile - 1.0))
        chosen = rng.choice(len(geography.postcodes), size=len(members), p=weights / weights.sum())
        postcode[members] = chosen
        decile[members] = geography.postcode_decile[chosen]
    away = rng.random(n) < out_of_borough_share
    postcode[away] = len(geography.postcodes) + rng.integers(0, len(geography.out_of_borough), int(away.sum()))
    decile[away] = 0
    return postcode, decile
