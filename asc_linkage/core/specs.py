"""The landing-zone contract, loaded from ``data_specs/`` into small frozen dataclasses.

Everything downstream (ingest, pandera contracts, Dagster column schemas, generated docs) reads the
contract through :func:`load_contract`, so a column or a code is written down once, in YAML.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

# The package is installed editable, so the YAML sits at the repo root next to the package.
DEFAULT_SPEC_DIR = Path(__file__).resolve().parents[2] / "data_specs"

COLUMN_TYPES = ("string", "date", "code", "decimal", "integer")
FILE_SCOPES = ("quarterly", "reference")

# Code matching ignores case and treats runs of white space, hyphens, colons and en/em dashes as
# one separator, so "NFA - Deceased", "nfa:deceased" and "NFA: Deceased" meet at one key.
# ingest.py applies the same pattern as a polars expression; both read it from here.
CODE_KEY_SEPARATORS = r"[\s:\-\u2013\u2014]+"
_separators = re.compile(CODE_KEY_SEPARATORS)
_non_alphanumeric = re.compile(r"[^0-9a-z]+")


class SpecError(ValueError):
    """The YAML contract itself is malformed (a platform fault, not a data fault)."""


def snake_case(header: str) -> str:
    """Column name rule from internals.md: lower case, non-alphanumeric runs -> ``_``, ends stripped."""
    return _non_alphanumeric.sub("_", header.strip().lower()).strip("_")


def code_key(value: str, pad_digits: int | None = None) -> str:
    """The matching key of a code value (see ``CODE_KEY_SEPARATORS``)."""
    key = _separators.sub(" ", value.lower()).strip()
    if pad_digits and key.isdigit() and len(key) < pad_digits:
        key = key.zfill(pad_digits)
    return key


@dataclass(frozen=True)
class CodeList:
    name: str
    title: str
    standard: str
    source: str
    statement: str
    verified: bool
    codes: tuple[str, ...]
    attributes: Mapping[str, Mapping[str, Any]]
    release1: Mapping[str, str]
    release1_verified: bool = True
    pad_digits: int | None = None
    pattern: str | None = None
    # Derived at load: matching key -> canonical code, and the keys only Release 1 uses.
    lookup: Mapping[str, str] = field(default_factory=dict, repr=False)
    release1_keys: frozenset[str] = field(default_factory=frozenset, repr=False)

    @property
    def is_pattern(self) -> bool:
        return self.pattern is not None

    def canonical(self, value: str | None) -> str | None:
        """The Release 2 / canonical spelling of ``value``, or None when it is not an accepted code."""
        if value is None:
            return None
        if self.pattern is not None:
            candidate = value.strip().upper()
            return candidate if re.fullmatch(self.pattern, candidate) else None
        return self.lookup.get(code_key(value, self.pad_digits))

    def attribute(self, code: str, name: str, default: Any = None) -> Any:
        return self.attributes.get(code, {}).get(name, default)


@dataclass(frozen=True)
class ColumnSpec:
    header: str
    name: str
    type: str
    description: str
    required: bool = True
    nullable: bool = True
    unique: bool = False
    pii: bool = False
    codelist: str | None = None
    not_after_quarter_end: bool = False
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class FileSpec:
    table: str
    landing_path: str
    scope: str
    required_file: bool
    description: str
    columns: tuple[ColumnSpec, ...]
    person_id: str | None
    unique_key: tuple[str, ...]
    statements: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@dataclass(frozen=True)
class Rule:
    name: str
    statement: str


@dataclass(frozen=True)
class Contract:
    files: Mapping[str, FileSpec]
    codelists: Mapping[str, CodeList]
    row_rules: tuple[Rule, ...]
    field_rules: tuple[Rule, ...]

    def file(self, table: str) -> FileSpec:
        return self.files[table]

    def codelist(self, name: str) -> CodeList:
        return self.codelists[name]

    def file_for_path(self, landing_path: str) -> FileSpec:
        for spec in self.files.values():
            if spec.landing_path == landing_path:
                return spec
        raise KeyError(landing_path)

    @property
    def quarterly_files(self) -> tuple[FileSpec, ...]:
        return tuple(spec for spec in self.files.values() if spec.scope == "quarterly")

    @property
    def reference_files(self) -> tuple[FileSpec, ...]:
        return tuple(spec for spec in self.files.values() if spec.scope == "reference")


_CODELIST_KEYS = {
    "name", "title", "standard", "source", "statement", "verified", "codes", "release1",
    "release1_verified", "pad_digits", "kind", "pattern",
}
_FILE_KEYS = {
    "table", "landing_path", "scope", "required_file", "description", "person_id",
    "person_id_statement", "unique_key", "unique_key_statement", "columns",
}
_COLUMN_KEYS = {
    "header", "type", "description", "required", "nullable", "unique", "pii", "codelist",
    "not_after_quarter_end", "minimum", "maximum",
}


def _check_keys(where: str, mapping: Any, allowed: set[str], needed: set[str]) -> None:
    if not isinstance(mapping, dict):
        raise SpecError(f"{where}: expected a mapping")
    unknown = set(mapping) - allowed
    if unknown:
        raise SpecError(f"{where}: unknown keys {sorted(unknown)}")
    missing = needed - set(mapping)
    if missing:
        raise SpecError(f"{where}: missing keys {sorted(missing)}")


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        # libyaml's loader when installed: the pure-Python one took most of a second per process.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise SpecError(f"{path.name}: not valid YAML ({type(error).__name__})") from None


def _load_codelist(path: Path) -> CodeList:
    raw = _read_yaml(path)
    where = f"codelists/{path.name}"
    _check_keys(where, raw, _CODELIST_KEYS, {"name", "title", "source", "statement", "verified", "codes"})
    if raw["name"] != path.stem:
        raise SpecError(f"{where}: name must equal the file name")
    pad_digits = raw.get("pad_digits")
    pattern = raw.get("pattern") if raw.get("kind") == "pattern" else None
    if raw.get("kind") == "pattern" and not pattern:
        raise SpecError(f"{where}: a pattern list needs a pattern")

    codes: list[str] = []
    attributes: dict[str, Mapping[str, Any]] = {}
    for item in raw["codes"] or []:
        if isinstance(item, dict):
            if "code" not in item:
                raise SpecError(f"{where}: a code entry has no code")
            code = str(item["code"])
            attributes[code] = MappingProxyType({k: v for k, v in item.items() if k != "code"})
        else:
            code = str(item)
        codes.append(code)

    lookup: dict[str, str] = {}
    for code in codes:
        key = code_key(code, pad_digits)
        if key in lookup:
            raise SpecError(f"{where}: codes '{lookup[key]}' and '{code}' share a matching key")
        lookup[key] = code
    release1 = {str(k): str(v) for k, v in (raw.get("release1") or {}).items()}
    release1_keys = set()
    for old, new in release1.items():
        if new not in codes:
            raise SpecError(f"{where}: Release 1 value '{old}' maps to '{new}', which is not a code")
        key = code_key(old, pad_digits)
        if lookup.get(key, new) != new:
            raise SpecError(f"{where}: Release 1 value '{old}' collides with code '{lookup[key]}'")
        if key not in lookup:
            release1_keys.add(key)
        lookup[key] = new

    return CodeList(
        name=raw["name"],
        title=str(raw["title"]),
        standard=str(raw.get("standard", "")),
        source=str(raw["source"]),
        statement=str(raw["statement"]).strip(),
        verified=bool(raw["verified"]),
        codes=tuple(codes),
        attributes=MappingProxyType(attributes),
        release1=MappingProxyType(release1),
        release1_verified=bool(raw.get("release1_verified", True)),
        pad_digits=pad_digits,
        pattern=pattern,
        lookup=MappingProxyType(lookup),
        release1_keys=frozenset(release1_keys),
    )


def _load_file_spec(path: Path, codelists: Mapping[str, CodeList]) -> FileSpec:
    raw = _read_yaml(path)
    where = f"files/{path.name}"
    _check_keys(where, raw, _FILE_KEYS, {"table", "landing_path", "scope", "required_file", "description", "columns"})
    if raw["table"] != path.stem:
        raise SpecError(f"{where}: table must equal the file name")
    if raw["scope"] not in FILE_SCOPES:
        raise SpecError(f"{where}: scope must be one of {FILE_SCOPES}")

    columns: list[ColumnSpec] = []
    for index, item in enumerate(raw["columns"]):
        column_where = f"{where} column {index + 1}"
        _check_keys(column_where, item, _COLUMN_KEYS, {"header", "type", "description"})
        if item["type"] not in COLUMN_TYPES:
            raise SpecError(f"{column_where}: type must be one of {COLUMN_TYPES}")
        if not str(item["description"]).strip():
            raise SpecError(f"{column_where}: empty description")
        codelist = item.get("codelist")
        if (item["type"] == "code") != (codelist is not None):
            raise SpecError(f"{column_where}: a code column needs a codelist, and only a code column has one")
        if codelist is not None and codelist not in codelists:
            raise SpecError(f"{column_where}: unknown codelist '{codelist}'")
        columns.append(
            ColumnSpec(
                header=str(item["header"]),
                name=snake_case(str(item["header"])),
                type=item["type"],
                description=str(item["description"]).strip(),
                required=bool(item.get("required", True)),
                nullable=bool(item.get("nullable", True)),
                unique=bool(item.get("unique", False)),
                pii=bool(item.get("pii", False)),
                codelist=codelist,
                not_after_quarter_end=bool(item.get("not_after_quarter_end", False)),
                minimum=item.get("minimum"),
                maximum=item.get("maximum"),
            )
        )
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        raise SpecError(f"{where}: two headers give the same column name")

    person_id = snake_case(raw["person_id"]) if raw.get("person_id") else None
    unique_key = tuple(raw.get("unique_key") or ())
    for name in (person_id, *unique_key):
        if name is not None and name not in names:
            raise SpecError(f"{where}: key column '{name}' is not a column")
    statements = {
        key: str(raw[key]).strip()
        for key in ("person_id_statement", "unique_key_statement")
        if raw.get(key)
    }
    return FileSpec(
        table=raw["table"],
        landing_path=raw["landing_path"],
        scope=raw["scope"],
        required_file=bool(raw["required_file"]),
        description=str(raw["description"]).strip(),
        columns=tuple(columns),
        person_id=person_id,
        unique_key=unique_key,
        statements=MappingProxyType(statements),
    )


def _load_rules(path: Path) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    raw = _read_yaml(path)
    _check_keys("rules.yaml", raw, {"row_rules", "field_rules"}, {"row_rules", "field_rules"})
    row_rules = tuple(Rule(str(r["name"]), str(r["statement"])) for r in raw["row_rules"])
    field_rules = tuple(Rule(str(r["name"]), str(r["statement"])) for r in raw["field_rules"])
    return row_rules, field_rules


def load_contract_from(spec_dir: Path) -> Contract:
    """Load and cross-check a contract directory (uncached; tests use it on edited copies)."""
    codelists = {
        path.stem: _load_codelist(path) for path in sorted((spec_dir / "codelists").glob("*.yaml"))
    }
    files = {
        path.stem: _load_file_spec(path, codelists) for path in sorted((spec_dir / "files").glob("*.yaml"))
    }
    if not files:
        raise SpecError(f"no file specs under {spec_dir / 'files'}")
    row_rules, field_rules = _load_rules(spec_dir / "rules.yaml")
    return Contract(
        files=MappingProxyType(files),
        codelists=MappingProxyType(codelists),
        row_rules=row_rules,
        field_rules=field_rules,
    )


@functools.lru_cache(maxsize=1)
def load_contract() -> Contract:
    """The project's contract (``data_specs/`` at the repo root), loaded once per process."""
    return load_contract_from(DEFAULT_SPEC_DIR)


def file_spec(table: str) -> FileSpec:
    return load_contract().file(table)


def codelist(name: str) -> CodeList:
    return load_contract().codelist(name)
