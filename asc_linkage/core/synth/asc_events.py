"""The council's adult social care history: requests, assessments, services, reviews (CLD).

Journeys are built per stage with numpy draws (no per-person loops): requests first (entry,
repeats, placement-driven, crisis-driven), their sequels (assessment or ST-Max), services after an
assessment, and reviews of long-term services. Codes are CLD Release 2 here; the writer decides
which rows still carry Release 1 spellings. Days are day numbers; open ends are ``NEVER``.

Built-in signals (sizes are the generator's parameters):

* placement (signal b): time to a new residential/nursing placement is exponential with hazard
  ``0.04/yr x 3.0^dementia x 1.05^(age - 75) x 1.8^lives_alone`` from ASC entry; 35% nursing
  (50% over 85); 15% are preceded by a short-term residential stay; 5% end after 12 weeks as
  self-funded ("NFA: Self-funded client or under 12wk disregard"). Measured on 200,000 persons
  (placements per person-year from ASC entry, ages 70-80): dementia x2.9, living alone x1.73,
  age x1.6-1.7 per 10 years (1.05^10 = 1.63). Living alone reaches the files as the extra column
  ``Lives Alone`` (10% blank).
* community support (signal c): after an assessment, P(progress to services) is 0.65, x0.70 for
  Black residents (the difference goes to "NFA: Support declined" / information and advice), and
  30% of long-known Black users are known through a request that leads nowhere rather than through
  ongoing support. Measured in the files (seed 42, 20,000 persons, 8 drops): 44.7% of Black
  service users have long-term community support vs 56.2% of White (x0.80).
* crisis escalation (signal a, both systems): for people known to both, 30% of MH crises are
  preceded by an ASC request 0-90 days before (Beta(1, 2.5) skewed towards the crisis), and 35%
  of psychiatric discharges are followed by a request with route "Discharge from hospital".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .calendar import NEVER
from .draws import choose, repeat_rank

PLACEMENT_BASE_HAZARD = 0.04
PLACEMENT_DEMENTIA_HR = 3.0
PLACEMENT_AGE_HR_PER_YEAR = 1.05
PLACEMENT_ALONE_HR = 1.8
COMMUNITY_SERVICES_PROBABILITY = 0.65
BLACK_COMMUNITY_MULTIPLIER = 0.70
REPEAT_REQUEST_RATE = 0.5
CRISIS_REQUEST_PROBABILITY = 0.30
DISCHARGE_REQUEST_PROBABILITY = 0.35
CARER_SHARE = 0.05
PLANNED_REVIEW = "Planned review of long term support"
UNPLANNED_REVIEW = "Unplanned review of long term support"

ROUTES = (["Community/other route", "Discharge from hospital", "Diversion from hospital services",
           "Planned entry (transition)", "Self-funder with depleted funds", "Prison"],
          [0.62, 0.25, 0.05, 0.03, 0.045, 0.005])
REQUEST_OUTCOMES = (["Progress to assessment, review or reassessment", "Progress to reablement/ST-Max",
                     "NFA: Information and advice or signposting", "NFA: Referral to other service within the local authority",
                     "NFA: Support declined", "NFA: Self-funded client or under 12wk disregard",
                     "NFA: Referral to NHS services or NHS funded social care", "NFA: Other"],
                    [0.45, 0.15, 0.25, 0.04, 0.04, 0.03, 0.03, 0.01])
ASSESSMENT_NFA = (["NFA: Information and advice or signposting", "NFA: Support declined",
                   "NFA: Self-funded client or under 12wk disregard", "NFA: No services offered for other reason"],
                  [0.35, 0.25, 0.22, 0.18])
COMMUNITY_COMPONENTS = (["Home support or domiciliary care", "Direct payment", "Day support", "Extra care housing",
                         "Community supported living", "Professional support: Social worker", "Meals", "Transport",
                         "Equipment"],
                        [0.55, 0.15, 0.08, 0.04, 0.04, 0.05, 0.03, 0.02, 0.04])
SERVICE_END_OUTCOMES = (["NFA: Support ended as planned", "NFA: Support ended for other reason",
                         "Progress to assessment, review or reassessment", "NFA: Responsibility moved to another local authority",
                         "Admitted to hospital"], [0.5, 0.2, 0.2, 0.05, 0.05])
ACCOMMODATION_OLDER = (["Owner occupier or shared ownership scheme", "Tenant: Local authority or other social housing provider",
                        "Tenant: Private landlord", "Settled mainstream housing with family or friends",
                        "Sheltered housing, extra care housing or other sheltered housing", "Unknown"],
                       [0.33, 0.38, 0.10, 0.10, 0.06, 0.03])
ACCOMMODATION_LD = (["Supported accommodation, supported lodgings or supported group home",
                     "Settled mainstream housing with family or friends", "Shared Lives scheme",
                     "Tenant: Local authority or other social housing provider"], [0.40, 0.40, 0.08, 0.12])
ACCOMMODATION_SMI = (["Tenant: Local authority or other social housing provider",
                      "Supported accommodation, supported lodgings or supported group home", "Tenant: Private landlord",
                      "Placed in temporary accommodation by the council (inc. homelessness resettlement)",
                      "Rough sleeper or squatting", "Night shelter, emergency hostel or direct access hostel", "Unknown"],
                     [0.50, 0.22, 0.12, 0.07, 0.03, 0.02, 0.04])
PHYSICAL_PSR = (["Physical support: Personal care support", "Physical support: Access and mobility only",
                 "Sensory support: Support for visual impairment", "Sensory support: Support for hearing impairment",
                 "Social support: Support for social isolation or other", "Social support: Substance misuse support"],
                [0.70, 0.15, 0.04, 0.03, 0.05, 0.03])
CARER_COMPONENTS = (["Unpaid carer respite", "Other unpaid carer support", "Unpaid carer universal services",
                     "Unpaid carer sitting service"], [0.30, 0.35, 0.25, 0.10])



@dataclass(frozen=True)
class AscHistory:
    events: pl.DataFrame          # one row per event (columns of _frame) plus event_seq
    person_fields: pl.DataFrame   # person_index, psr, accommodation, placement_day, care_home_status, flags


def _frame(person_index, client_type, event_type, start, end, outcome=None, **optional) -> pl.DataFrame:
    n = len(person_index)

    def col(values, dtype):
        if values is None:
            return pl.Series([None] * n, dtype=dtype)
        if isinstance(values, str):
            return pl.Series([values] * n, dtype=dtype)
        if dtype == pl.String:
            return pl.Series(np.asarray(values, dtype=object).tolist(), dtype=pl.String)
        series = pl.Series(np.asarray(values), dtype=dtype)
        # A cost that does not apply is blank in the file, never the text "NaN".
        return series.fill_nan(None) if dtype == pl.Float64 else series

    data = {
        "person_index": col(person_index, pl.Int64), "client_type": col(client_type, pl.String),
        "event_type": col(event_type, pl.String), "start": col(start, pl.Int64), "end": col(end, pl.Int64),
        "outcome": col(outcome, pl.String),
    }
    for name, dtype in [("route", pl.String), ("assessment_type", pl.String), ("eligible", pl.String),
                        ("service_type", pl.String), ("component", pl.String), ("mechanism", pl.String),
                        ("review_reason", pl.String), ("unit_cost", pl.Float64), ("cost_frequency", pl.String),
                        ("planned_units", pl.Float64)]:
        data[name] = col(optional.get(name), dtype)
    return pl.DataFrame(data)


def _costs(rng: np.random.Generator, component: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit cost, cost frequency and planned units per week for each service component."""
    n = len(component)
    cost = np.full(n, np.nan)
    freq = np.full(n, None, dtype=object)
    units = np.full(n, np.nan)

    def put(name, low, high, frequency, unit_draw):
        m = component == name
        k = int(m.sum())
        cost[m] = np.round(rng.uniform(low, high, k), 2)
        freq[m] = frequency
        units[m] = unit_draw(k)

    put("Home support or domiciliary care", 20.0, 30.0, "Hourly", lambda k: np.round(np.clip(rng.gamma(2.2, 5.0, k), 1.0, 56.0) * 4) / 4)
    put("Reablement", 26.0, 34.0, "Hourly", lambda k: np.round(rng.uniform(5, 14, k) * 2) / 2)
    put("Direct payment", 120.0, 700.0, "Weekly", lambda k: np.ones(k))
    put("Day support", 45.0, 75.0, "Per session", lambda k: rng.integers(1, 6, k).astype(float))
    put("Extra care housing", 250.0, 450.0, "Weekly", lambda k: np.ones(k))
    put("Community supported living", 800.0, 1800.0, "Weekly", lambda k: np.ones(k))
    put("Meals", 5.0, 7.5, "Per session", lambda k: np.full(k, 7.0))
    put("Transport", 15.0, 30.0, "Per session", lambda k: rng.integers(2, 7, k).astype(float))
    put("Equipment", 50.0, 900.0, "One-off", lambda k: np.full(k, np.nan))
    put("Long term residential care", 800.0, 1200.0, "Weekly", lambda k: np.ones(k))
    put("Long term nursing care", 1000.0, 1500.0, "Weekly", lambda k: np.ones(k))
    put("Short term residential care", 750.0, 1100.0, "Weekly", lambda k: np.ones(k))
    put("Unpaid carer respite", 150.0, 500.0, "One-off", lambda k: np.full(k, np.nan))
    put("Unpaid carer sitting service", 18.0, 25.0, "Hourly", lambda k: rng.integers(2, 8, k).astype(float))
    return cost, freq, units


def nursing_of(pid: np.ndarray, placed_rows: np.ndarray, nursing: np.ndarray) -> np.ndarray:
    """Per ASC person: whether their placement (if any) is nursing rather than residential."""
    out = np.zeros(len(pid), dtype=bool)
    out[placed_rows] = nursing
    return out


def build_asc_history(rng: np.random.Generator, persons: pl.DataFrame, crises: pl.DataFrame, window) -> AscHistory:
    """``window``: population.SimWindow; people known before ``window.visible_from`` have ongoing support then."""
    window_end = window.end
    asc = persons.filter(pl.col("in_asc"))
    pid = asc["person_index"].to_numpy()
    n = len(pid)
    entry = asc["asc_entry_day"].to_numpy()
    death = asc["death_day"].to_numpy()
    horizon = np.minimum(death, window_end)
    age_end = asc["age_at_end"].to_numpy()
    age_entry = age_end - (window_end - entry) / 365.25
    dementia = asc["dementia"].to_numpy()
    smi = asc["smi"].to_numpy()
    ld = asc["learning_disability"].to_numpy()
    alone = asc["lives_alone"].to_numpy()
    black = (asc["ethnic_broad"] == "Black").to_numpy()
    profile = asc["profile"].to_numpy().astype(object)
    carer = (rng.random(n) < CARER_SHARE) & ~dementia & ~ld & (age_entry < 85) & np.isin(profile, ["asc_older", "asc_younger"])
    client_type = np.where(carer, "Unpaid carer", "Service user").astype(object)
    # People known before the first drop's window mostly are because their support is ongoing; the
    # community-support gap for Black residents (signal c) applies to them too: 30% of them
    # are instead known through a fresh request in the window that leads nowhere.
    known_before = entry < window.visible_from
    long_known = known_before & ~(black & (rng.random(n) < 1.0 - BLACK_COMMUNITY_MULTIPLIER))
    known_without_support = np.flatnonzero(known_before & ~long_known & (horizon > window.visible_from))
    index_of = np.full(int(persons["person_index"].max()) + 1, -1)
    index_of[pid] = np.arange(n)

    # Primary support reason and accommodation (before any placement).
    psr = choose(rng, PHYSICAL_PSR, n)
    psr = np.where(profile == "both_other", np.where(rng.random(n) < 0.6, "Mental health support", psr), psr)
    psr = np.where(smi, "Mental health support", psr)
    psr = np.where(ld, "Learning disability support", psr)
    psr = np.where(dementia, "Support with memory and cognition", psr)
    psr = np.where(carer, "Social support: Support to unpaid carer", psr)
    accommodation = choose(rng, ACCOMMODATION_OLDER, n)
    accommodation = np.where(smi, choose(rng, ACCOMMODATION_SMI, n), accommodation)
    accommodation = np.where(ld, choose(rng, ACCOMMODATION_LD, n), accommodation)

    # --- placements (signal b) -------------------------------------------------------------------
    hazard = (PLACEMENT_BASE_HAZARD * np.where(dementia, PLACEMENT_DEMENTIA_HR, 1.0)
              * PLACEMENT_AGE_HR_PER_YEAR ** (age_entry - 75.0) * np.where(alone, PLACEMENT_ALONE_HR, 1.0))
    placement_day = entry + 30 + (rng.exponential(1.0 / hazard) * 365.25).astype(np.int64)
    placed = (placement_day < horizon) & ~carer
    placement_day = np.where(placed, placement_day, NEVER)

    # --- requests ---------------------------------------------------------------------------------
    years = np.maximum(horizon - entry, 1) / 365.25
    n_repeat = rng.poisson(REPEAT_REQUEST_RATE * years * np.where(carer, 0.4, 1.0))
    owner, rank = repeat_rank(1 + n_repeat)
    req_day = np.where(rank == 0, entry[owner], entry[owner] + (rng.random(len(owner)) * (horizon[owner] - entry[owner])).astype(np.int64))
    # After a placement, repeat requests are rare: drop most of them.
    after = (req_day > placement_day[owner]) & (rng.random(len(owner)) < 0.8)
    owner, req_day, rank = owner[~after], req_day[~after], rank[~after]
    owner = np.concatenate([owner, known_without_support])
    rank = np.concatenate([rank, np.ones(len(known_without_support), dtype=rank.dtype)])
    req_day = np.concatenate([req_day, window.visible_from + (rng.random(len(known_without_support))
                                                              * (horizon[known_without_support] - window.visible_from)).astype(np.int64)])
    req_kind = np.where(rank == 0, "entry", "repeat").astype(object)
    req_route = choose(rng, ROUTES, len(owner))

    # Placement journeys start with their own request 3-8 weeks before the move.
    p_owner = np.flatnonzero(placed)
    p_req = placement_day[p_owner] - rng.integers(21, 57, len(p_owner))
    p_route = np.where(rng.random(len(p_owner)) < 0.5, "Discharge from hospital", "Community/other route")

    # Crisis-driven requests for people known to both systems.
    cr = crises.with_columns(asc_row=pl.Series(index_of[crises["person_index"].to_numpy()]))
    cr = cr.filter(pl.col("asc_row") >= 0)
    cr_row = cr["asc_row"].to_numpy()
    cr_day = cr["crisis_day"].to_numpy()
    pre = (rng.random(len(cr_row)) < CRISIS_REQUEST_PROBABILITY)
    pre_day = cr_day - (90 * rng.beta(1.0, 2.5, len(cr_row))).astype(np.int64)
    pre &= (pre_day >= entry[cr_row]) & (pre_day < horizon[cr_row]) & ~carer[cr_row]
    disc = cr["discharge_day"].fill_null(NEVER).to_numpy()
    post = (rng.random(len(cr_row)) < DISCHARGE_REQUEST_PROBABILITY) & (disc < horizon[cr_row]) & (disc >= entry[cr_row]) & ~carer[cr_row]

    all_owner = np.concatenate([owner, p_owner, cr_row[pre], cr_row[post]])
    all_day = np.concatenate([req_day, p_req, pre_day[pre], disc[post]])
    all_route = np.concatenate([req_route, p_route, np.full(pre.sum(), "Community/other route"), np.full(post.sum(), "Discharge from hospital")]).astype(object)
    all_kind = np.concatenate([req_kind, np.full(len(p_owner), "placement"), np.full(pre.sum(), "crisis"), np.full(post.sum(), "discharge")]).astype(object)
    r = len(all_owner)
    req_end = all_day + np.minimum(rng.geometric(0.25, r) - 1, 28)
    outcome = choose(rng, REQUEST_OUTCOMES, r)
    long_known_entry = long_known[all_owner] & (all_kind == "entry")
    outcome = np.where((all_kind == "placement") | long_known_entry, "Progress to assessment, review or reassessment", outcome)
    # Hospital discharges go to reablement more often.
    to_reablement = (all_route == "Discharge from hospital") & (all_kind != "placement") & (rng.random(r) < 0.35)
    outcome = np.where(to_reablement, "Progress to reablement/ST-Max", outcome)
    outcome = np.where(carer[all_owner] & (outcome == "Progress to reablement/ST-Max"), "Progress to assessment, review or reassessment", outcome)
    requests = _frame(pid[all_owner], client_type[all_owner], "Request", all_day, req_end, outcome, route=all_route)

    # --- reablement (ST-Max) ------------------------------------------------------------------------
    st = np.flatnonzero(outcome == "Progress to reablement/ST-Max")
    st_start = req_end[st] + rng.integers(0, 8, len(st))
    st_end = st_start + rng.integers(14, 43, len(st))
    st_outcome = choose(rng, (["NFA: Support ended as planned", "Progress to assessment, review or reassessment",
                               "Admitted to hospital", "NFA: Support declined"], [0.55, 0.35, 0.06, 0.04]), len(st))
    st_owner = all_owner[st]
    st_outcome = np.where(st_end >= death[st_owner], "NFA: Deceased", st_outcome)
    st_end = np.minimum(st_end, death[st_owner])
    st_cost, st_freq, st_units = _costs(rng, np.full(len(st), "Reablement", dtype=object))
    reablement = _frame(pid[st_owner], "Service user", "Service", st_start, st_end, st_outcome,
                        service_type="Short term support: ST-Max", component="Reablement",
                        mechanism="CASSR commissioned support", unit_cost=st_cost, cost_frequency=st_freq, planned_units=st_units)

    # --- assessments --------------------------------------------------------------------------------
    from_request = np.flatnonzero(outcome == "Progress to assessment, review or reassessment")
    from_st = np.flatnonzero(st_outcome == "Progress to assessment, review or reassessment")
    as_owner = np.concatenate([all_owner[from_request], st_owner[from_st]])
    as_kind = np.concatenate([all_kind[from_request], np.full(len(from_st), "after_st")]).astype(object)
    as_start = np.concatenate([req_end[from_request], st_end[from_st]]) + rng.integers(0, 29, len(as_owner))
    request_end = np.concatenate([req_end[from_request], st_end[from_st]])
    # A placement's assessment fits between its request and the move.
    as_start = np.where(as_kind == "placement", np.maximum(request_end, np.minimum(as_start, placement_day[as_owner] - 7)), as_start)
    as_end = as_start + rng.integers(5, 57, len(as_owner))
    as_end = np.where(as_kind == "placement", np.maximum(as_start, np.minimum(as_end, placement_day[as_owner] - 1)), as_end)
    a = len(as_owner)
    p_services = COMMUNITY_SERVICES_PROBABILITY * np.where(black[as_owner], BLACK_COMMUNITY_MULTIPLIER, 1.0)
    progresses = (rng.random(a) < p_services) | (as_kind == "placement") | (long_known[as_owner] & (as_kind == "entry"))
    nfa = choose(rng, ASSESSMENT_NFA, a)
    # The services forgone by Black residents show up as declined support or signposting.
    nfa = np.where(black[as_owner] & (rng.random(a) < 0.5),
                   np.where(rng.random(a) < 0.5, "NFA: Support declined", "NFA: Information and advice or signposting"), nfa)
    as_outcome = np.where(progresses, "Progress to support planning or services", nfa)
    dies_first = as_end >= death[as_owner]
    as_outcome = np.where(dies_first, "NFA: Deceased", as_outcome)
    as_end = np.minimum(as_end, death[as_owner])
    as_type = np.where((as_kind == "after_st") | (rng.random(a) < 0.15), "Short term assessment", "Long term assessment")
    as_type = np.where(as_kind == "placement", "Long term assessment", as_type)
    as_type = np.where(carer[as_owner], "Unpaid carer assessment", as_type)
    eligible = np.where(as_outcome == "Progress to support planning or services", "Yes",
                        np.where(rng.random(a) < 0.6, "No", "Yes"))
    assessments = _frame(pid[as_owner], client_type[as_owner], "Assessment", as_start, as_end, as_outcome,
                         assessment_type=as_type, eligible=eligible)

    # --- services after assessment --------------------------------------------------------------------
    go = (as_outcome == "Progress to support planning or services")
    community = np.flatnonzero(go & (as_kind != "placement") & ~carer[as_owner])
    cm_owner = as_owner[community]
    cm_start = as_end[community] + rng.integers(0, 22, len(community))
    component = choose(rng, COMMUNITY_COMPONENTS, len(community))
    component = np.where(ld[cm_owner] & (rng.random(len(community)) < 0.4), "Community supported living", component)
    cm_length = (rng.exponential(900, len(community)) + 14).astype(np.int64)
    # Long-known users are known because their support is still running when the first window opens.
    ongoing = long_known[cm_owner] & (as_kind[community] == "entry")
    component = np.where(ongoing & (component == "Equipment"), "Home support or domiciliary care", component)
    cm_length = np.where(ongoing, np.maximum(cm_length, window.visible_from - cm_start + cm_length // 2), cm_length)
    cm_length = np.where(component == "Equipment", 0, cm_length)
    cm_end = cm_start + cm_length
    cm_outcome = choose(rng, SERVICE_END_OUTCOMES, len(community))
    # Community support stops at a placement or at death.
    stop_place = (placement_day[cm_owner] > cm_start) & (placement_day[cm_owner] <= cm_end)
    cm_end = np.where(stop_place, placement_day[cm_owner] - 1, cm_end)
    cm_outcome = np.where(stop_place, "NFA: Support ended for other reason", cm_outcome)
    stop_death = death[cm_owner] <= cm_end
    cm_end = np.where(stop_death, death[cm_owner], cm_end)
    cm_outcome = np.where(stop_death, "NFA: Deceased", cm_outcome)
    cm_outcome = np.where(component == "Equipment", "NFA: Support ended as planned", cm_outcome)
    open_ = cm_end > window_end
    cm_end = np.where(open_, NEVER, cm_end)
    cm_outcome = np.where(open_, None, cm_outcome)
    keep = cm_start <= np.minimum(horizon[cm_owner], window_end)
    mechanism = np.where(component == "Direct payment", "Direct payment",
                         np.where(rng.random(len(community)) < 0.1, "CASSR managed personal budget", "CASSR commissioned support"))
    cost, freq, units = _costs(rng, component)
    community_services = _frame(pid[cm_owner][keep], "Service user", "Service", cm_start[keep], cm_end[keep], cm_outcome[keep],
                                service_type="Long term support: Community", component=component[keep],
                                mechanism=mechanism[keep], unit_cost=cost[keep], cost_frequency=freq[keep], planned_units=units[keep])

    # Carers' support.
    carer_go = np.flatnonzero(go & carer[as_owner])
    cg_owner = as_owner[carer_go]
    cg_start = as_end[carer_go] + rng.integers(0, 22, len(carer_go))
    cg_component = choose(rng, CARER_COMPONENTS, len(carer_go))
    cg_end = cg_start + np.where(np.isin(cg_component, ["Unpaid carer respite"]), 0, rng.integers(30, 365, len(carer_go)))
    cg_open = cg_end > window_end
    cg_cost, cg_freq, cg_units = _costs(rng, cg_component)
    carer_services = _frame(pid[cg_owner], "Unpaid carer", "Service", cg_start, np.where(cg_open, NEVER, cg_end),
                            np.where(cg_open, None, "NFA: Support ended as planned"),
                            service_type=np.where(rng.random(len(carer_go)) < 0.8, "Unpaid carer support: Direct to unpaid carer",
                                                  "Unpaid carer support: Support involving the person cared-for"),
                            component=cg_component,
                            mechanism=np.where(cg_component == "Unpaid carer respite", "Direct payment", "CASSR commissioned support"),
                            unit_cost=cg_cost, cost_frequency=cg_freq, planned_units=cg_units)

    # --- residential and nursing placements -----------------------------------------------------------
    pl_owner = p_owner
    age_at_place = age_end[pl_owner] - (window_end - placement_day[pl_owner]) / 365.25
    nursing = rng.random(len(pl_owner)) < np.where(age_at_place > 85, 0.5, 0.35)
    pl_component = np.where(nursing, "Long term nursing care", "Long term residential care").astype(object)
    pl_type = np.where(nursing, "Long term support: Nursing care", "Long term support: Residential care")
    pl_start = placement_day[pl_owner]
    pl_end = np.full(len(pl_owner), NEVER)
    pl_outcome = np.full(len(pl_owner), None, dtype=object)
    self_funded = rng.random(len(pl_owner)) < 0.05
    pl_end = np.where(self_funded, pl_start + 84, pl_end)
    pl_outcome = np.where(self_funded, "NFA: Self-funded client or under 12wk disregard", pl_outcome)
    moved = ~self_funded & (rng.random(len(pl_owner)) < 0.04)
    pl_end = np.where(moved, pl_start + rng.integers(60, 900, len(pl_owner)), pl_end)
    pl_outcome = np.where(moved, "NFA: Responsibility moved to another local authority", pl_outcome)
    dies = death[pl_owner] <= pl_end
    pl_end = np.where(dies, death[pl_owner], pl_end)
    pl_outcome = np.where(dies, "NFA: Deceased", pl_outcome)
    open_ = pl_end > window_end
    pl_end = np.where(open_, NEVER, pl_end)
    pl_outcome = np.where(open_, None, pl_outcome)
    pl_cost, pl_freq, pl_units = _costs(rng, pl_component)
    placements = _frame(pid[pl_owner], "Service user", "Service", pl_start, pl_end, pl_outcome, service_type=pl_type,
                        component=pl_component, mechanism="CASSR commissioned support",
                        unit_cost=pl_cost, cost_frequency=pl_freq, planned_units=pl_units)
    # Some placements start with a short stay (trial or step-down), which 2B/2C must not count.
    short = np.flatnonzero(rng.random(len(pl_owner)) < 0.15)
    sh_len = rng.integers(14, 57, len(short))
    sh_start = pl_start[short] - sh_len
    sh_cost, sh_freq, sh_units = _costs(rng, np.full(len(short), "Short term residential care", dtype=object))
    short_stays = _frame(pid[pl_owner[short]], "Service user", "Service", sh_start, pl_start[short] - 1,
                         "Progress to support planning or services", service_type="Short term support: Other short term",
                         component="Short term residential care", mechanism="CASSR commissioned support",
                         unit_cost=sh_cost, cost_frequency=sh_freq, planned_units=sh_units)

    services = pl.concat([reablement, community_services, carer_services, placements, short_stays])

    # --- reviews of long-term services ---------------------------------------------------------------------
    lts = services.filter(pl.col("service_type").str.starts_with("Long term") | pl.col("service_type").str.starts_with("Unpaid carer"))
    s_pid = lts["person_index"].to_numpy()
    s_start = lts["start"].to_numpy()
    s_stop = np.minimum(lts["end"].to_numpy(), window_end)
    s_stop = np.minimum(s_stop, death[index_of[s_pid]])
    n_planned = np.maximum((s_stop - s_start) // 365, 0)
    rv_owner, rv_rank = repeat_rank(n_planned)
    rv_start = s_start[rv_owner] + 365 * (rv_rank + 1) + rng.integers(-30, 61, len(rv_owner))
    n_unplanned = rng.poisson(0.25 * np.maximum(s_stop - s_start, 0) / 365.25)
    un_owner, _ = repeat_rank(n_unplanned)
    un_start = s_start[un_owner] + (rng.random(len(un_owner)) * (s_stop - s_start)[un_owner]).astype(np.int64)
    # Early first review 6-12 weeks in for half the new services.
    early = np.flatnonzero((rng.random(len(s_pid)) < 0.5) & (s_stop - s_start > 90))
    ea_start = s_start[early] + rng.integers(42, 85, len(early))
    rv_pid = np.concatenate([s_pid[rv_owner], s_pid[un_owner], s_pid[early]])
    rv_day = np.concatenate([rv_start, un_start, ea_start])
    rv_reason = np.concatenate([np.full(len(rv_owner), PLANNED_REVIEW), np.full(len(un_owner), UNPLANNED_REVIEW),
                                np.full(len(early), PLANNED_REVIEW)]).astype(object)
    v = len(rv_pid)
    rv_end = rv_day + np.minimum(rng.geometric(0.2, v) - 1, 30)
    rv_outcome = np.where(rv_reason == PLANNED_REVIEW,
                          choose(rng, (["Continuation of support or services", "Progress to support planning or services", "NFA: Other"], [0.85, 0.10, 0.05]), v),
                          choose(rng, (["Continuation of support or services", "Progress to support planning or services", "Admitted to hospital"], [0.6, 0.3, 0.1]), v))
    rv_ok = (rv_end < death[index_of[rv_pid]]) & (rv_end <= window_end)
    client = np.where(carer[index_of[rv_pid]], "Unpaid carer", "Service user")
    st_rv = np.flatnonzero(rng.random(len(st)) < 0.5)
    reviews = pl.concat([
        _frame(rv_pid[rv_ok], client[rv_ok], "Review", rv_day[rv_ok], rv_end[rv_ok], rv_outcome[rv_ok], review_reason=rv_reason[rv_ok]),
        _frame(pid[st_owner[st_rv]], "Service user", "Review", st_end[st_rv] - 3, st_end[st_rv],
               np.where(st_outcome[st_rv] == "Progress to assessment, review or reassessment", "Progress to support planning or services",
                        "NFA: Support ended as planned"), review_reason="Review of short term support"),
    ])

    events = pl.concat([requests, assessments, services, reviews])
    # Journeys that would start after death or after the last quarter are never recorded.
    death_of = pl.Series(death).gather(pl.Series(index_of).gather(events["person_index"]))
    events = events.with_columns(_death=death_of).filter(
        (pl.col("start") <= window_end) & (pl.col("start") <= pl.col("_death")) & (pl.col("start") <= pl.col("end"))
    ).drop("_death")
    events = events.sort("person_index", "start", "event_type", "service_type", "component", nulls_last=True, maintain_order=True)
    events = events.with_columns(event_seq=pl.int_range(pl.len()).cast(pl.Int64))

    # Person flags the council records: dementia (85% of people with it have it recorded), who has
    # an unpaid carer, funding, and (an extra, non-CLD column) whether the person lives alone.
    u = rng.random((4, n))
    dementia_flag = np.where(dementia & (u[0] < 0.85), "Yes", np.where(u[0] < 0.9, "No", "Unknown"))
    has_carer = np.where(u[1] < 0.05, "Unknown", np.where(~alone & (u[1] < 0.6), "Yes", np.where(u[1] < 0.2, "Yes", "No")))
    funding = choose(rng, (["Fully social care funded", "Joint client and social care funded", "Fully client funded", "Unknown"],
                           [0.68, 0.22, 0.05, 0.05]), n)
    lives_alone_recorded = np.where(u[2] < 0.10, None, np.where(alone, "Yes", "No"))
    person_fields = pl.DataFrame({
        "person_index": pid, "psr": pl.Series(psr.tolist(), dtype=pl.String),
        "is_carer": carer,
        "dementia_flag": pl.Series(np.where(carer, None, dementia_flag).tolist(), dtype=pl.String),
        "has_unpaid_carer": pl.Series(np.where(carer, None, has_carer).tolist(), dtype=pl.String),
        "funding": pl.Series(np.where(carer, None, funding).tolist(), dtype=pl.String),
        "lives_alone_recorded": pl.Series(lives_alone_recorded.tolist(), dtype=pl.String),
        "accommodation": pl.Series(accommodation.tolist(), dtype=pl.String),
        "placement_day": placement_day.astype(np.int64),
        "care_home_status": pl.Series(np.where(nursing_of(pid, pl_owner, nursing), "Registered nursing home", "Registered care home").tolist(), dtype=pl.String),
    })
    return AscHistory(events=events, person_fields=person_fields)

