"""Indicators and the three research questions (research zone, person level and aggregates
not yet disclosure-controlled): service use per person per quarter, institutionalisation,
service use before crises, and inequalities."""

import dagster as dg
import polars as pl

from asc_linkage.core import crisis, indicators, inequalities, institutionalisation
from asc_linkage.core.quarters import quarter_end, quarter_start
from asc_linkage.defs.common import (
    INDICATORS, RESEARCH_ZONE, asset_out, chart_metadata, quarter_partitions, rows_metadata, zone_asset,
)

MH_EVENTS = ("research_mh_referrals", "research_mh_care_contacts", "research_mh_hospital_spells",
             "research_mh_mha_episodes")
PREDICTOR_COHORTS = {
    "smi": "adults (18+) with severe mental illness, followed from their first SMI diagnosis",
    "dementia": "older adults (65+) with dementia, followed from their first dementia diagnosis",
    "older_asc_clients": "everyone known to social care from 65, the cohort in which dementia varies",
}
CRISIS_SEED = 20240601


def _asset(name: str, description: str, **kwargs):
    return zone_asset(name, INDICATORS, RESEARCH_ZONE, description, **kwargs)


@_asset("person_quarter_indicators",
        "Service use of every research person in the quarter, one row each: social care requests, "
        "assessments, reviews, services open by setting, new long-term support, cost per week and in the "
        "quarter, wait to first service; mental health referrals, contacts attended and missed, crisis-team "
        "contacts, admissions, bed days, readmissions within 30 days, detentions, 72-hour follow-up.")
def person_quarter_indicators(context: dg.AssetExecutionContext, research_population: pl.DataFrame,
                              research_asc_events: pl.DataFrame, research_mh_referrals: pl.DataFrame,
                              research_mh_care_contacts: pl.DataFrame, research_mh_hospital_spells: pl.DataFrame,
                              research_mh_mha_episodes: pl.DataFrame):
    q = context.partition_key
    table = indicators.person_quarter_indicators(
        research_population, research_asc_events, research_mh_referrals, research_mh_care_contacts,
        research_mh_hospital_spells, research_mh_mha_episodes, quarter_start(q), quarter_end(q))
    return dg.Output(table, metadata=rows_metadata(table))


@_asset("crisis_episodes",
        "Mental-health crisis episodes of every research person: psychiatric admission, civil or "
        "place-of-safety detention, crisis-team contact or a referral in crisis (reason 18); events within "
        "7 days of an episode are one episode.")
def crisis_episodes(research_mh_referrals: pl.DataFrame, research_mh_care_contacts: pl.DataFrame,
                    research_mh_hospital_spells: pl.DataFrame, research_mh_mha_episodes: pl.DataFrame):
    table = crisis.crisis_events(research_mh_referrals, research_mh_care_contacts,
                                 research_mh_hospital_spells, research_mh_mha_episodes)
    return dg.Output(table, metadata=rows_metadata(table))


@_asset("pre_crisis_service_use",
        "Both systems' service use in the 0-30, 31-90, 91-180 and 181-365 days before each person's first "
        "crisis, and before a matched pseudo index date for people known to mental health services without one.")
def pre_crisis_service_use(crisis_episodes: pl.DataFrame, research_asc_events: pl.DataFrame,
                           research_mh_referrals: pl.DataFrame, research_mh_care_contacts: pl.DataFrame,
                           research_population: pl.DataFrame):
    # Windows reaching back before the trust's extract begins would undercount: start there.
    data_start = research_mh_referrals["referral_received_date"].min()
    table = crisis.pre_crisis_service_use(crisis_episodes, research_asc_events, research_mh_referrals,
                                          research_mh_care_contacts, research_population, seed=CRISIS_SEED,
                                          data_start=data_start)
    return dg.Output(table, metadata=rows_metadata(table))


@_asset("crisis_service_patterns",
        "Mean service use per person in each window before a crisis, cases against comparisons, with rate "
        "ratios: the answer to 'what service use precedes a crisis'. Aggregate; published after SDC.")
def crisis_service_patterns(pre_crisis_service_use: pl.DataFrame):
    table = crisis.pattern_table(pre_crisis_service_use)
    return dg.Output(table, metadata=rows_metadata(table, **chart_metadata({"service_patterns": crisis.pattern_chart(table)})))


@_asset("first_permanent_placements",
        "Each person's first new permanent residential or nursing placement (CLD method for ASCOF 2B/2C): "
        "the index date of the institutionalisation question.")
def first_permanent_placements(research_asc_events: pl.DataFrame, research_population: pl.DataFrame):
    table = institutionalisation.first_permanent_placements(research_asc_events, research_population)
    return dg.Output(table, metadata=rows_metadata(table))


@dg.multi_asset(
    outs={f"placement_predictors_{cohort}": asset_out(
        INDICATORS, RESEARCH_ZONE,
        f"Analysis-ready predictors of a first permanent care-home placement for {who}: predictors measured "
        "before entry, the event flag and time at risk (censored at death or the quarter end), ready for a "
        "survival or logistic model.", name=f"placement_predictors_{cohort}")
        for cohort, who in PREDICTOR_COHORTS.items()},
    partitions_def=quarter_partitions,
    can_subset=False,
)
def placement_predictors(context: dg.AssetExecutionContext, research_population: pl.DataFrame,
                         first_permanent_placements: pl.DataFrame, research_asc_events: pl.DataFrame,
                         research_mh_hospital_spells: pl.DataFrame, research_mh_mha_episodes: pl.DataFrame,
                         research_mh_diagnoses: pl.DataFrame):
    for cohort in PREDICTOR_COHORTS:
        table = institutionalisation.predictor_table(
            research_population, first_permanent_placements, research_asc_events, research_mh_hospital_spells,
            research_mh_mha_episodes, research_mh_diagnoses, cohort=cohort,
            study_end=quarter_end(context.partition_key))
        yield dg.Output(table, output_name=f"placement_predictors_{cohort}",
                        metadata=rows_metadata(table, placements=int(table["placement"].sum())))


@_asset("placement_rates",
        "Crude rates of first permanent placement per 1,000 person-years and rate ratios by dementia, age "
        "group and living situation, for each predictor cohort. Aggregate; published after SDC.")
def placement_rates(placement_predictors_smi: pl.DataFrame, placement_predictors_dementia: pl.DataFrame,
                    placement_predictors_older_asc_clients: pl.DataFrame):
    tables = []
    for cohort, predictors in (("smi", placement_predictors_smi), ("dementia", placement_predictors_dementia),
                               ("older_asc_clients", placement_predictors_older_asc_clients)):
        reference = {"age_group": "18-64"} if cohort == "smi" else None
        rates = institutionalisation.placement_rates(predictors, reference_levels=reference)
        tables.append(rates.select(pl.lit(cohort).alias("cohort"), pl.all()))
    table = pl.concat(tables, how="vertical_relaxed")
    return dg.Output(table, metadata=rows_metadata(table))


@_asset("inequality_rates",
        "Rates of the key indicators (any social care, care-home placement, crisis, detention, admission, "
        "attended contacts) per 1,000 persons or per person-year with 95% confidence intervals, by ethnic "
        "group, sex, age band and IMD quintile. Aggregate; published after SDC.")
def inequality_rates(research_population: pl.DataFrame, person_quarter_indicators: pl.DataFrame):
    table = inequalities.indicator_rates(research_population, person_quarter_indicators)
    return dg.Output(table, metadata=rows_metadata(table))


@_asset("cohort_vs_single_system",
        "The linked cohort against each single-system population: for example people known to mental "
        "health services with severe illness who receive no social care. Aggregate; published after SDC.")
def cohort_vs_single_system(research_population: pl.DataFrame, person_quarter_indicators: pl.DataFrame):
    table = inequalities.cohort_vs_single_system(research_population, person_quarter_indicators)
    return dg.Output(table, metadata=rows_metadata(table))


ASSETS = [person_quarter_indicators, crisis_episodes, pre_crisis_service_use, crisis_service_patterns,
          first_permanent_placements, placement_predictors, placement_rates, inequality_rates,
          cohort_vs_single_system]
CHECKS: list = []
