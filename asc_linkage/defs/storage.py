"""Where assets live: a zone-aware, versioned parquet IO manager over core.store.

Written here rather than taken from dagster-polars because that package fails on polars 2
(``scan_parquet(rechunk=...)``) and writes sample rows and ``describe()`` statistics into the
event log by default, which would put personal data in the Dagster instance. This one records
only row counts, the column schema, the version number and the path.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl

from asc_linkage.core.home import Home
from asc_linkage.core.ingest import manifest_digest
from asc_linkage.core.output_specs import contract_faults, load_output_specs
from asc_linkage.core.rules import rules_fingerprint
from asc_linkage.core.store import VersionedStore
from asc_linkage.defs.common import frame_schema


class HomeResource(dg.ConfigurableResource):
    """The platform's home folder: zones, landing folder, secret and linkage settings."""

    home: str

    @property
    def resolved(self) -> Home:
        return Home.resolve(self.home)

    def store(self) -> VersionedStore:
        return VersionedStore(self.resolved.root)

    def landing(self) -> Path:
        landing = self.resolved.landing()
        if landing is None:
            raise dg.Failure(
                "no landing folder configured: run `asc-linkage run --landing DIR` or set ASC_LINKAGE_LANDING"
            )
        return landing

    def drop_dir(self, quarter: str) -> Path:
        return self.landing() / quarter

    def secret(self) -> bytes:
        return self.resolved.linkage_secret()


def _zone(metadata) -> str:
    zone = metadata.get("zone")
    if zone is None:
        raise dg.Failure("asset has no zone in its metadata; every stored asset must declare one")
    return zone.value if hasattr(zone, "value") else zone


class ZoneParquetIOManager(dg.ConfigurableIOManager):
    """Stores each polars DataFrame as a new immutable parquet version in its asset's zone."""

    home: str

    def _store(self) -> VersionedStore:
        return VersionedStore(Home.resolve(self.home).root)

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if obj is None:
            return
        zone = _zone(context.definition_metadata)
        table = context.asset_key.path[-1]
        quarter = context.partition_key if context.has_partition_key else None
        provenance = {
            "asset": table,
            "run_id": context.run_id,
            **_drop_provenance(Home.resolve(self.home), quarter),
            **self._model_provenance(zone, quarter),
        }
        rules = rules_fingerprint(table)
        if rules is not None:  # a cumulative table: the next quarter builds on it only under the same rules
            provenance["rules"] = rules
        spec = load_output_specs().get(table)
        if spec is not None:
            faults = contract_faults(spec, obj)
            if faults:
                # Names and types only: a contract fault never quotes the data.
                raise dg.Failure(description=f"{table}: output breaks its contract in data_specs/outputs/{table}.yaml: "
                                 + "; ".join(faults[:5]))
        info = self._store().write(zone, table, obj, quarter, provenance)
        context.add_output_metadata(
            {
                "dagster/row_count": dg.MetadataValue.int(info.rows),
                "zone": zone,
                "version": dg.MetadataValue.int(info.version),
                "path": dg.MetadataValue.path(str(info.path)),
                **({"rules": rules} if rules is not None else {}),
                **({} if "dagster/column_schema" in context.definition_metadata
                   else {"dagster/column_schema": frame_schema(obj)}),
            }
        )

    def _model_provenance(self, zone: str, quarter: str | None) -> dict:
        """Which linkage model version research and published tables rest on."""
        if zone == "identifiable" or quarter is None:
            return {}
        versions = self._store().versions("identifiable", "linkage_model", quarter)
        return {"linkage_model_version": versions[-1].version} if versions else {}

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        zone = _zone(context.upstream_output.definition_metadata)
        table = context.asset_key.path[-1]
        quarter = context.partition_key if context.has_partition_key else None
        return self._store().read(zone, table, quarter=quarter)


def _drop_provenance(home: Home, quarter: str | None) -> dict:
    """The checksums of the drop a table came from, so a version can be traced to its inputs."""
    landing = home.landing()
    if quarter is None or landing is None:
        return {}
    digest = manifest_digest(landing, quarter)
    if digest is None:
        return {}
    files = json.loads((landing / quarter / "manifest.json").read_text()).get("files", {})
    return {
        "drop_quarter": quarter,
        "manifest_sha256": digest,
        "input_sha256": {name: entry.get("sha256") for name, entry in files.items()},
    }
