"""The home folder: one place holding the three data zones and the Dagster instance.

A home is resolved from ``--home``, else ``$ASC_LINKAGE_HOME``, else ``./.asc_linkage_home``.
Its ``asc_linkage.json`` remembers the landing folder and linkage settings used with it, so that
``asc-linkage ui --home DIR`` and the landing sensor see the same drops as ``asc-linkage run``.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

ZONES = ("identifiable", "research", "published")
DEFAULT_HOME = Path(".asc_linkage_home")
CONFIG_NAME = "asc_linkage.json"
DEMO_SECRET_NAME = "demo_secret"


class SecretMissing(RuntimeError):
    """No linkage secret was configured for a run that needs one."""


@dataclass
class HomeConfig:
    """What a home remembers between commands (no personal data, no secret)."""

    landing: str | None = None
    ground_truth: str | None = None
    linkage_mode: str = "tokens"
    demo: bool = False
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Home:
    root: Path

    @staticmethod
    def resolve(home: str | os.PathLike | None = None) -> "Home":
        chosen = home or os.environ.get("ASC_LINKAGE_HOME") or DEFAULT_HOME
        return Home(Path(chosen).expanduser().resolve())

    def zone(self, name: str) -> Path:
        if name not in ZONES:
            raise ValueError(f"unknown zone {name!r}; zones are {', '.join(ZONES)}")
        return self.root / name

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    def ensure(self) -> "Home":
        for zone in ZONES:
            self.zone(zone).mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        dagster_yaml = self.dagster_home / "dagster.yaml"
        if not dagster_yaml.exists():
            # nux and telemetry off: the sign-up pop-up would cover the UI, and nothing leaves the machine
            # One run at a time: staging and linkage of a quarter read the quarter before, so a
            # backfill or a sensor tick with several drops must run them in order, not together.
            dagster_yaml.write_text(
                "telemetry:\n  enabled: false\nnux:\n  enabled: false\n"
                "run_queue:\n  max_concurrent_runs: 1\n"
            )
        return self

    def load_config(self) -> HomeConfig:
        if not self.config_path.exists():
            return HomeConfig()
        raw = json.loads(self.config_path.read_text())
        known = {k: raw.pop(k) for k in list(raw) if k in HomeConfig.__dataclass_fields__}
        return HomeConfig(**known, extra=raw)

    def save_config(self, config: HomeConfig) -> None:
        self.ensure()
        data = asdict(config)
        data.update(data.pop("extra"))
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
        tmp.replace(self.config_path)

    def landing(self) -> Path | None:
        env = os.environ.get("ASC_LINKAGE_LANDING")
        if env:
            return Path(env).expanduser().resolve()
        configured = self.load_config().landing
        return Path(configured) if configured else None

    @property
    def demo_secret_path(self) -> Path:
        return self.zone("identifiable") / DEMO_SECRET_NAME

    def write_demo_secret(self) -> Path:
        """Create the demo secret once; the same home keeps the same secret (stable ids)."""
        path = self.demo_secret_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path

    def linkage_secret(self) -> bytes:
        """The keyed-hash secret: $ASC_LINKAGE_SECRET, else the file $ASC_LINKAGE_SECRET_FILE names,
        else the demo secret of a demo home. Never logged or written to outputs."""
        value = os.environ.get("ASC_LINKAGE_SECRET")
        if value:
            return value.encode()
        secret_file = os.environ.get("ASC_LINKAGE_SECRET_FILE")
        if secret_file:
            path = Path(secret_file)
            if not path.is_file():
                raise SecretMissing(f"{secret_file}: ASC_LINKAGE_SECRET_FILE names no readable file")
            return path.read_text().strip().encode()
        if self.load_config().demo and self.demo_secret_path.exists():
            return self.demo_secret_path.read_text().strip().encode()
        raise SecretMissing(
            "no linkage secret: set ASC_LINKAGE_SECRET or ASC_LINKAGE_SECRET_FILE "
            "(only `asc-linkage demo` makes a demo secret)"
        )
