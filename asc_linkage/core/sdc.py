"""Statistical disclosure control for aggregate tables released from the published zone.

Reference behaviour is ACRO's defaults (``ACRO_DEFAULTS``; domain.md section 5), with the ONS /
UK LLC rules they encode. Rules as implemented by ``apply_sdc``:

Counts (each count column is protected on its own):
  * ``zero``: a 0 is suppressed (zeros are disclosive) unless the ``structural_zero`` expression
    marks the row as one where 0 is certain a priori (e.g. a male pregnancy count); a structural
    zero is published as 0 and flagged ``structural_zero``.
  * ``primary_lt_threshold``: 0 < n < threshold (10) is suppressed.
  * ``secondary``: the table carries margins (a row whose dimension value is ``total_label``,
    "All", for each dimension that has totals). For each dimension, a *group* is the set of rows
    that agree on every other dimension (and the ``by`` columns) - one line of the cross-tab plus
    its total, which satisfies ``total = sum(cells)``. A group with exactly one suppressed cell
    would let that cell be recovered by subtraction, so its smallest other non-structural cell
    is suppressed too (preferring a cell that also closes another such line, then the smallest,
    then an inner cell rather than the total). This runs over all dimensions
    until no group has exactly one suppressed cell (a fixed point), so every suppressed cell
    shares each of its lines with at least one other unknown. That is not always enough (two
    suppressed zeros in a line sum to a known 0; three-way tables can interlock), so an audit
    then solves, for each suppressed cell, the least and greatest value it can take given every
    published cell *exactly* (worse than the truth: they are rounded), non-negative counts and
    the line equations (linear programmes, scipy HiGHS); while any cell is pinned to a single
    value, the smallest published cell on one of its lines is suppressed too (also logged
    ``secondary``). ``audit=False`` skips this (only for comparison in tests).
  * ``rounded``: every other count (margins included) is rounded to the nearest multiple of
    ``round_base`` (5), halves up, independently - so published totals need not add up exactly.
Rates (``RateSpec``; computed by the caller from unrounded counts):
  * published only when the numerator and the denominator are both at least ``threshold`` (a
    structural-zero numerator is allowed) and neither is a suppressed cell of this table;
    otherwise the rate and its ``extra_cols`` (e.g. confidence limits) are null, by rule
    ``rate_denominator_lt_threshold``, ``rate_numerator_lt_threshold`` or
    ``rate_input_suppressed``. A rate over a small numerator with a published denominator would
    give the numerator back (rate x denominator), hence the numerator rule.
Means (``MeanSpec``): published only over n >= threshold contributors whose n is not a
  suppressed cell (``mean_n_lt_threshold``, ``mean_n_suppressed``), and, when the caller gives
  the share of the total contributed by the top ``safe_nk_n`` (2) contributors, only when that
  share is at most ``safe_nk_k`` (0.9) (``dominance_nk``). The p% rule needs the top two values
  themselves and is not applied here.

Published table: ``by`` + ``dims`` (as strings) + each declared column and a ``<col>_flag``
(``published`` | ``suppressed`` | ``structural_zero``). Any undeclared input column is dropped:
only what is declared is released. The flag never says *why* a cell was suppressed, because
"zero" versus "below 10" versus "secondary" is itself disclosive.

The SDC log (``SdcResult.log``: table, row_key, column, rule) says what was done to each cell
and why, with no count values; row_key holds only dimension labels. Because the rule names
separate zeros, small counts and secondary suppressions, the log is for output checkers and
must not be released alongside the table: keep it out of any release package.

``scan_published`` re-checks a published table against the spec without the original data (the
basis of the published-zone asset check). Missing inner cells of a cross-tab (empty groups
from a group_by) are filled with 0 before protection; a missing total row is an error, because
a total that is not published can still be derived and the equations would then be wrong.
``add_margins`` builds every total row from a table of inner cells.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import polars as pl

#: ACRO (SACRO) default.yaml settings; apply_sdc's defaults mirror them.
ACRO_DEFAULTS: dict[str, object] = {
    "safe_threshold": 10,
    "safe_dof_threshold": 10,
    "safe_nk_n": 2,
    "safe_nk_k": 0.9,
    "safe_pratio_p": 0.1,
    "zeros_are_disclosive": True,
    "check_missing_values": False,
    "survival_safe_threshold": 10,
    "safe_round_base": 5,
}

PUBLISHED = "published"
SUPPRESSED = "suppressed"
STRUCTURAL = "structural_zero"

RULE_ZERO = "zero"
RULE_PRIMARY = "primary_lt_threshold"
RULE_SECONDARY = "secondary"
RULE_ROUNDED = "rounded"
RULE_STRUCTURAL = "structural_zero"
RULE_RATE_DEN = "rate_denominator_lt_threshold"
RULE_RATE_NUM = "rate_numerator_lt_threshold"
RULE_RATE_INPUT = "rate_input_suppressed"
RULE_MEAN_N = "mean_n_lt_threshold"
RULE_MEAN_SUPPRESSED = "mean_n_suppressed"
RULE_DOMINANCE = "dominance_nk"

LOG_SCHEMA = {"table": pl.String, "row_key": pl.String, "column": pl.String, "rule": pl.String}


@dataclass(frozen=True)
class RateSpec:
    """A rate column published beside counts; ``extra_cols`` (e.g. CI bounds) share its fate."""

    rate_col: str
    numerator_col: str
    denominator_col: str
    extra_cols: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeanSpec:
    """A mean (or median/SD) over ``n_col`` contributors.

    ``top_share_col``, when given, is the share of the total contributed by the largest
    ``safe_nk_n`` contributors (computed by the caller; never published).
    """

    mean_col: str
    n_col: str
    extra_cols: tuple[str, ...] = ()
    top_share_col: str | None = None


@dataclass(frozen=True)
class SdcSpec:
    """Everything apply_sdc and scan_published need to know about one published table."""

    count_cols: tuple[str, ...]
    dims: tuple[str, ...]
    rate_specs: tuple[RateSpec, ...] = ()
    mean_specs: tuple[MeanSpec, ...] = ()
    by: tuple[str, ...] = ()
    threshold: int = ACRO_DEFAULTS["safe_threshold"]  # type: ignore[assignment]
    round_base: int = ACRO_DEFAULTS["safe_round_base"]  # type: ignore[assignment]
    zeros_disclosive: bool = ACRO_DEFAULTS["zeros_are_disclosive"]  # type: ignore[assignment]
    nk_k: float = ACRO_DEFAULTS["safe_nk_k"]  # type: ignore[assignment]
    structural_zero: pl.Expr | None = field(default=None, compare=False)
    total_label: str = "All"
    table_name: str = "table"
    audit: bool = True

    def published_columns(self) -> list[str]:
        cols = [*self.by, *self.dims]
        for c in self.count_cols:
            cols += [c, f"{c}_flag"]
        for r in self.rate_specs:
            cols += [r.rate_col, *r.extra_cols, f"{r.rate_col}_flag"]
        for m in self.mean_specs:
            cols += [m.mean_col, *m.extra_cols, f"{m.mean_col}_flag"]
        return cols


@dataclass
class SdcResult:
    table: pl.DataFrame  # safe to release
    log: pl.DataFrame  # for output checkers only: see the module docstring

    def rule_counts(self) -> dict[str, int]:
        """Cells per rule: the only summary to put in metadata."""
        return dict(sorted(self.log.group_by("rule").len().rows()))


@dataclass(frozen=True)
class Violation:
    rule: str
    column: str
    row_key: str


# --------------------------------------------------------------------------- helpers


def round_to_base(value: float, base: int) -> float:
    """Nearest multiple of ``base``, halves away from zero (counts are never negative)."""
    return math.floor(value / base + 0.5) * base


def _row_keys(df: pl.DataFrame, keys: Sequence[str]) -> list[str]:
    if not keys:
        return [""] * df.height
    cols = [df[k].to_list() for k in keys]
    return ["|".join(f"{k}={v}" for k, v in zip(keys, vals)) for vals in zip(*cols)]


def _structural_mask(df: pl.DataFrame, expr: pl.Expr | None) -> list[bool]:
    if expr is None:
        return [False] * df.height
    return df.select(expr.fill_null(False).alias("_s"))["_s"].to_list()


def _groups(df: pl.DataFrame, spec: SdcSpec) -> list[tuple[list[int], int | None]]:
    """Each line of the cross-tab: (member row indices, index of its total row or None)."""
    by_vals = list(zip(*[df[c].to_list() for c in spec.by])) if spec.by else [()] * df.height
    dim_vals = list(zip(*[df[c].to_list() for c in spec.dims]))
    out: list[tuple[list[int], int | None]] = []
    for d, dim in enumerate(spec.dims):
        if spec.total_label not in set(df[dim].to_list()):
            continue  # this dimension has no totals: nothing to subtract from
        lines: dict[tuple, list[int]] = {}
        for i in range(df.height):
            key = (by_vals[i], dim_vals[i][:d] + dim_vals[i][d + 1 :])
            lines.setdefault(key, []).append(i)
        for members in lines.values():
            margin = [i for i in members if dim_vals[i][d] == spec.total_label]
            out.append((members, margin[0] if margin else None))
    return out


def add_margins(
    df: pl.DataFrame,
    count_cols: Sequence[str],
    dims: Sequence[str],
    by: Sequence[str] = (),
    total_label: str = "All",
) -> pl.DataFrame:
    """Add a total row for every combination of dimensions set to ``total_label``.

    ``df`` holds inner cells only; counts are summed. Rates and means cannot be summed: compute
    them after this.
    """
    base = df.select(
        *by, *[pl.col(d).cast(pl.String) for d in dims], *[pl.col(c) for c in count_cols]
    )
    frames = [base]
    for r in range(1, len(dims) + 1):
        for totals in itertools.combinations(dims, r):
            keep = [d for d in dims if d not in totals]
            agg = base.group_by([*by, *keep], maintain_order=True).agg(
                [pl.col(c).sum() for c in count_cols]
            )
            agg = agg.with_columns([pl.lit(total_label, dtype=pl.String).alias(t) for t in totals])
            frames.append(agg.select(base.columns))
    return pl.concat(frames, how="vertical_relaxed")


def _complete(df: pl.DataFrame, spec: SdcSpec) -> pl.DataFrame:
    """Fill missing inner cells with zero counts; refuse missing totals or duplicate keys."""
    keys = [*spec.by, *spec.dims]
    dup = df.select(keys).is_duplicated().sum()
    if dup:
        raise ValueError(f"{spec.table_name}: {dup} rows share a dimension key")
    levels = []
    for d in spec.dims:
        vals = df[d].unique(maintain_order=True).to_list()
        inner = [v for v in vals if v != spec.total_label]
        levels.append(inner + ([spec.total_label] if spec.total_label in vals else []))
    by_groups = df.select(spec.by).unique(maintain_order=True).rows() if spec.by else [()]
    present = set(df.select(keys).rows())
    missing_inner, missing_total = [], 0
    for b in by_groups:
        for combo in itertools.product(*levels):
            key = (*b, *combo)
            if key in present:
                continue
            if spec.total_label in combo:
                missing_total += 1
            else:
                missing_inner.append(key)
    if missing_total:
        raise ValueError(
            f"{spec.table_name}: {missing_total} total rows missing; build them with add_margins"
        )
    if not missing_inner:
        return df
    fill = pl.DataFrame(missing_inner, schema={k: df.schema[k] for k in keys}, orient="row")
    fill = fill.with_columns([pl.lit(0, dtype=df.schema[c]).alias(c) for c in spec.count_cols])
    return pl.concat([df, fill], how="diagonal_relaxed")


def _check_input(df: pl.DataFrame, spec: SdcSpec) -> None:
    needed = [*spec.by, *spec.dims, *spec.count_cols]
    for r in spec.rate_specs:
        needed += [r.rate_col, r.numerator_col, r.denominator_col, *r.extra_cols]
    for m in spec.mean_specs:
        needed += [m.mean_col, m.n_col, *m.extra_cols] + ([m.top_share_col] if m.top_share_col else [])
    absent = sorted({c for c in needed if c not in df.columns})
    if absent:
        raise ValueError(f"{spec.table_name}: columns missing: {', '.join(absent)}")
    for c in spec.count_cols:
        if not df.schema[c].is_numeric():
            raise ValueError(f"{spec.table_name}: count column {c} is not numeric")
        nulls = df[c].null_count()
        if nulls:
            raise ValueError(f"{spec.table_name}: count column {c} has {nulls} null cells")
        neg = int((df[c] < 0).sum())
        if neg:
            raise ValueError(f"{spec.table_name}: count column {c} has {neg} negative cells")


# --------------------------------------------------------------------------- apply


def apply_sdc(
    table: pl.DataFrame,
    count_cols: Sequence[str],
    dims: Sequence[str],
    rate_specs: Sequence[RateSpec] = (),
    mean_specs: Sequence[MeanSpec] = (),
    *,
    by: Sequence[str] = (),
    threshold: int = ACRO_DEFAULTS["safe_threshold"],  # type: ignore[assignment]
    round_base: int = ACRO_DEFAULTS["safe_round_base"],  # type: ignore[assignment]
    zeros_disclosive: bool = ACRO_DEFAULTS["zeros_are_disclosive"],  # type: ignore[assignment]
    nk_k: float = ACRO_DEFAULTS["safe_nk_k"],  # type: ignore[assignment]
    structural_zero: pl.Expr | None = None,
    total_label: str = "All",
    table_name: str = "table",
    audit: bool = True,
) -> SdcResult:
    """Protect an aggregate table; see the module docstring for the rules."""
    spec = SdcSpec(
        count_cols=tuple(count_cols),
        dims=tuple(dims),
        rate_specs=tuple(rate_specs),
        mean_specs=tuple(mean_specs),
        by=tuple(by),
        threshold=threshold,
        round_base=round_base,
        zeros_disclosive=zeros_disclosive,
        nk_k=nk_k,
        structural_zero=structural_zero,
        total_label=total_label,
        table_name=table_name,
        audit=audit,
    )
    return apply_sdc_spec(table, spec)


def apply_sdc_spec(table: pl.DataFrame, spec: SdcSpec) -> SdcResult:
    _check_input(table, spec)
    df = table.with_columns([pl.col(d).cast(pl.String) for d in spec.dims])
    df = _complete(df, spec)
    n = df.height
    keys = _row_keys(df, [*spec.by, *spec.dims])
    structural = _structural_mask(df, spec.structural_zero)
    groups = _groups(df, spec)
    log: list[tuple[int, int, str, str]] = []  # (row, column order, column, rule)
    col_order = {c: k for k, c in enumerate(spec.published_columns())}
    out_cols: dict[str, pl.Series] = {}
    status: dict[str, list[str]] = {}
    values: dict[str, list[float]] = {}

    for c in spec.count_cols:
        vals = df[c].to_list()
        values[c] = vals
        st = [PUBLISHED] * n
        rule = [RULE_ROUNDED] * n
        for i, v in enumerate(vals):
            if v == 0 and (structural[i] or not spec.zeros_disclosive):
                st[i], rule[i] = STRUCTURAL, RULE_STRUCTURAL
            elif v == 0:
                st[i], rule[i] = SUPPRESSED, RULE_ZERO
            elif v < spec.threshold:
                st[i], rule[i] = SUPPRESSED, RULE_PRIMARY
        _secondary(groups, vals, st, rule)
        if spec.audit:
            _audit(groups, vals, st, rule)
        status[c] = st
        is_int = df.schema[c].is_integer()
        pub = [
            None if s == SUPPRESSED else (0 if s == STRUCTURAL else round_to_base(v, spec.round_base))
            for s, v in zip(st, vals)
        ]
        out_cols[c] = pl.Series(c, pub, dtype=pl.Int64 if is_int else pl.Float64)
        out_cols[f"{c}_flag"] = pl.Series(f"{c}_flag", st, dtype=pl.String)
        log += [(i, col_order[c], c, rule[i]) for i in range(n)]

    raw: dict[str, list] = {}

    def input_state(col: str, i: int) -> tuple[float | None, str]:
        if col not in raw:
            raw[col] = df[col].to_list()
        return raw[col][i], status[col][i] if col in status else PUBLISHED

    for r in spec.rate_specs:
        st = [PUBLISHED] * n
        for i in range(n):
            num, num_st = input_state(r.numerator_col, i)
            den, den_st = input_state(r.denominator_col, i)
            if den is None or den < spec.threshold:
                st[i] = RULE_RATE_DEN
            elif num_st != STRUCTURAL and (num is None or num < spec.threshold):
                st[i] = RULE_RATE_NUM
            elif SUPPRESSED in (num_st, den_st):
                st[i] = RULE_RATE_INPUT
        _publish_derived(df, r.rate_col, r.extra_cols, st, out_cols, log, col_order)

    for m in spec.mean_specs:
        st = [PUBLISHED] * n
        shares = df[m.top_share_col].to_list() if m.top_share_col else [None] * n
        for i in range(n):
            cnt, cnt_st = input_state(m.n_col, i)
            if cnt is None or cnt < spec.threshold:
                st[i] = RULE_MEAN_N
            elif cnt_st == SUPPRESSED:
                st[i] = RULE_MEAN_SUPPRESSED
            elif shares[i] is not None and shares[i] > spec.nk_k:
                st[i] = RULE_DOMINANCE
        _publish_derived(df, m.mean_col, m.extra_cols, st, out_cols, log, col_order)

    safe = pl.DataFrame(
        [df[c] for c in [*spec.by, *spec.dims]]
        + [out_cols[c] for c in spec.published_columns()[len(spec.by) + len(spec.dims) :]]
    )
    log.sort(key=lambda t: (t[0], t[1]))
    log_df = pl.DataFrame(
        {
            "table": [spec.table_name] * len(log),
            "row_key": [keys[i] for i, *_ in log],
            "column": [c for _, _, c, _ in log],
            "rule": [rl for *_, rl in log],
        },
        schema=LOG_SCHEMA,
    )
    return SdcResult(table=safe, log=log_df)


def _secondary(
    groups: list[tuple[list[int], int | None]], vals: list[float], st: list[str], rule: list[str]
) -> None:
    """Suppress more cells until no line of the table has exactly one suppressed cell.

    The cell chosen for a line is, first, one that also sits on another line with a single
    suppression (one cell then protects both, so less is lost), then the smallest, then an inner
    cell rather than the total, then the first in row order (deterministic).
    """
    lines_of: dict[int, list[int]] = {}
    live = [g for g, (members, margin) in enumerate(groups) if margin is not None and len(members) > 1]
    for g in live:
        for i in groups[g][0]:
            lines_of.setdefault(i, []).append(g)
    unknown = {g: sum(st[i] == SUPPRESSED for i in groups[g][0]) for g in live}

    changed = True
    while changed:
        changed = False
        for g in live:
            if unknown[g] != 1:
                continue
            members, margin = groups[g]
            cands = [i for i in members if st[i] == PUBLISHED]
            if not cands:
                continue  # only structural zeros left: the line's total is then known anyway

            def score(i: int) -> tuple:
                helps = sum(1 for h in lines_of[i] if h != g and unknown[h] == 1)
                return (-helps, vals[i], i == margin, i)

            pick = min(cands, key=score)
            st[pick], rule[pick] = SUPPRESSED, RULE_SECONDARY
            for h in lines_of[pick]:
                unknown[h] += 1
            changed = True


def _determined_cells(
    groups: list[tuple[list[int], int | None]], vals: list[float], st: list[str], cells: list[int]
) -> list[int]:
    """The suppressed ``cells`` whose value an attacker could pin down exactly.

    Worst case: the attacker knows every published cell exactly (in truth they are rounded) and
    that counts are non-negative; each line with a total gives ``total = sum(cells)``. A cell
    is determined when the least and greatest values it can take under those equations agree.
    This is the linear-programming audit: for two-way tables the equations are totally
    unimodular, so a cell that can move at all has at least two whole-number values; for
    larger tables it is the usual LP relaxation of the attacker's problem.
    """
    from scipy.optimize import linprog  # scipy is already required by great_expectations

    unknown = [i for i in range(len(st)) if st[i] == SUPPRESSED]
    col = {i: k for k, i in enumerate(unknown)}
    a_eq, b_eq = [], []
    for members, margin in groups:
        if margin is None or not any(i in col for i in members):
            continue
        row, rhs = [0.0] * len(unknown), 0.0
        for i in members:
            coef = -1.0 if i == margin else 1.0
            if i in col:
                row[col[i]] += coef
            else:
                rhs -= coef * (0.0 if st[i] == STRUCTURAL else float(vals[i]))
        a_eq.append(row)
        b_eq.append(rhs)
    if not a_eq:
        return []
    import numpy as np

    a = np.array(a_eq)
    k = len(unknown)
    # Step 1, one LP: which unknowns are 0 in every solution (pinned by non-negativity, e.g.
    # two suppressed zeros in a line)? Maximise sum(y) with y_j <= x_j and y_j <= eps: averaging
    # one solution per unknown that can be positive gives a solution positive in all of them,
    # so at the optimum y_j = eps exactly for those, and y_j = 0 for the pinned ones.
    eps = 1.0 / (1000.0 * (k + 1))
    res = linprog(
        np.concatenate([np.zeros(k), -np.ones(k)]),
        A_ub=np.hstack([-np.eye(k), np.eye(k)]),
        b_ub=np.zeros(k),
        A_eq=np.hstack([a, np.zeros_like(a)]),
        b_eq=b_eq,
        bounds=[(0, None)] * k + [(0, eps)] * k,
        method="highs",
    )
    if res.status != 0:  # the true table is a solution, so this means a numerical failure
        raise RuntimeError("disclosure audit: linear programme failed")
    zero = {j for j in range(k) if res.x[k + j] < eps / 2}
    # Step 2: with those fixed at 0 there is a solution with every other unknown positive, so
    # an unknown can move both ways (is not determined) exactly when some direction of the null
    # space of the remaining equations moves it.
    keep = [j for j in range(k) if j not in zero]
    free: set[int] = set()
    if keep:
        sub = a[:, keep]
        # null space of sub = eigenvectors of sub'sub with eigenvalue 0 (k x k, far cheaper than
        # a full SVD of the tall equation matrix); entries are 0/+-1, so it is well conditioned.
        evals, evecs = np.linalg.eigh(sub.T @ sub)
        null = evecs[:, evals < 1e-8 * max(1.0, float(evals.max(initial=0.0)))]
        if null.shape[1]:
            norms = np.sqrt((null**2).sum(axis=1))
            free = {keep[r] for r in range(len(keep)) if norms[r] > 1e-6}
    return [i for i in cells if col[i] not in free]


def _audit(
    groups: list[tuple[list[int], int | None]], vals: list[float], st: list[str], rule: list[str]
) -> None:
    """Suppress more until no suppressed cell is determined by the published cells.

    Two unknowns in every line is not always enough: two suppressed zeros in a line sum to a
    known 0, and in three-way tables the lines can interlock so that one cell is still fixed.
    Suppressing can only widen what an attacker can infer, so a cell found safe stays safe and
    only the determined ones are re-checked.
    """
    lines_of: dict[int, list[int]] = {}
    margins = {m for _, m in groups if m is not None}
    for members, margin in groups:
        if margin is None:
            continue
        for i in members:
            lines_of.setdefault(i, []).append(members)
    safe: set[int] = set()
    while True:
        todo = [i for i in range(len(st)) if st[i] == SUPPRESSED and i not in safe]
        if not todo:
            return
        determined = _determined_cells(groups, vals, st, todo)
        safe |= set(todo) - set(determined)
        # One new suppression per determined cell per round, skipping cells whose lines already
        # gained one this round (it may already free them); the LP then re-checks.
        touched: set[int] = set()
        added = False
        for target in determined:
            lines = lines_of.get(target, [])
            if any(j in touched for members in lines for j in members):
                continue
            cands = sorted(
                {j for members in lines for j in members if st[j] == PUBLISHED},
                key=lambda j: (vals[j], j in margins, j),
            )
            if cands:
                st[cands[0]], rule[cands[0]] = SUPPRESSED, RULE_SECONDARY
                touched.add(cands[0])
                added = True
        if not added:
            return  # nothing determined, or nothing left to suppress beside what is determined
        _secondary(groups, vals, st, rule)


def _publish_derived(
    df: pl.DataFrame,
    col: str,
    extras: Iterable[str],
    st: list[str],
    out_cols: dict[str, pl.Series],
    log: list,
    col_order: dict[str, int],
) -> None:
    keep = [s == PUBLISHED for s in st]
    for c in [col, *extras]:
        vals = df[c].to_list()
        out_cols[c] = pl.Series(c, [v if k else None for v, k in zip(vals, keep)], dtype=df.schema[c])
    out_cols[f"{col}_flag"] = pl.Series(
        f"{col}_flag", [PUBLISHED if k else SUPPRESSED for k in keep], dtype=pl.String
    )
    log += [(i, col_order[col], col, s) for i, s in enumerate(st) if s != PUBLISHED]


# --------------------------------------------------------------------------- scan


def scan_published(table: pl.DataFrame, spec: SdcSpec) -> list[Violation]:
    """Every way the published ``table`` breaks the rules of ``spec`` (empty when safe).

    Works from the published values alone, so it can run as a check on what is on disk. It
    checks the line rule (no line with exactly one suppressed cell), not the LP audit of
    ``apply_sdc``, because the published values are rounded and no longer satisfy the line
    equations exactly.
    """
    out: list[Violation] = []
    expected = spec.published_columns()
    for c in expected:
        if c not in table.columns:
            out.append(Violation("missing_column", c, ""))
    for c in table.columns:
        if c not in expected:
            out.append(Violation("undeclared_column", c, ""))
    if any(v.rule == "missing_column" and v.column in (*spec.by, *spec.dims) for v in out):
        return out
    df = table.with_columns([pl.col(d).cast(pl.String) for d in spec.dims])
    keys = _row_keys(df, [*spec.by, *spec.dims])
    structural = _structural_mask(df, spec.structural_zero)
    groups = _groups(df, spec)
    t = spec.threshold

    def published(col: str) -> list | None:
        return df[col].to_list() if col in df.columns else None

    for c in spec.count_cols:
        vals = published(c)
        if vals is None:
            continue
        for i, v in enumerate(vals):
            if v is None:
                continue
            if v < 0:
                out.append(Violation("negative_count", c, keys[i]))
            elif v == 0 and not structural[i] and spec.zeros_disclosive:
                out.append(Violation("zero_not_structural", c, keys[i]))
            elif 0 < v < t:
                out.append(Violation("count_lt_threshold", c, keys[i]))
            if v % spec.round_base != 0:
                out.append(Violation("count_not_rounded", c, keys[i]))
        for members, margin in groups:
            if margin is None or len(members) < 2:
                continue
            unknown = [i for i in members if vals[i] is None]
            if len(unknown) == 1:
                out.append(Violation("single_suppressed_in_line", c, keys[unknown[0]]))

    def small(vals: list | None, i: int, allow_structural_zero: bool) -> bool:
        if vals is None:
            return False  # not published: the check can only use what is on disk
        v = vals[i]
        if v == 0 and allow_structural_zero and structural[i]:
            return False
        return v is None or v < t

    for r in spec.rate_specs:
        rates, num, den = published(r.rate_col), published(r.numerator_col), published(r.denominator_col)
        if rates is None:
            continue
        for i, v in enumerate(rates):
            if v is None:
                continue
            if small(den, i, False):
                out.append(Violation(RULE_RATE_DEN, r.rate_col, keys[i]))
            elif small(num, i, True):
                out.append(Violation(RULE_RATE_NUM, r.rate_col, keys[i]))
    for m in spec.mean_specs:
        means, cnt = published(m.mean_col), published(m.n_col)
        if means is None:
            continue
        for i, v in enumerate(means):
            if v is not None and small(cnt, i, False):
                out.append(Violation(RULE_MEAN_N, m.mean_col, keys[i]))
    return out


def violation_counts(violations: Iterable[Violation]) -> dict[str, int]:
    """Violations per rule: the summary an asset check reports."""
    counts: dict[str, int] = {}
    for v in violations:
        counts[v.rule] = counts.get(v.rule, 0) + 1
    return dict(sorted(counts.items()))
