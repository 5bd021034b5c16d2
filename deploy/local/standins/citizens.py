"""The stand-in population register: citizens by id, and how their details are compared."""

import unicodedata
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, TypeAdapter

CITIZENS_FILE = Path(__file__).with_name("citizens.yaml")

Detail = Literal["full_name", "date_of_birth"]


class Citizen(BaseModel):
    """A person the register knows, or the details a caller claims for one."""

    citizen_id: str
    full_name: str
    date_of_birth: date


def load_citizens(path: Path = CITIZENS_FILE) -> dict[str, Citizen]:
    """The register in ``path`` (a YAML list of citizens), by citizen id."""
    listed = TypeAdapter(list[Citizen]).validate_python(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return {citizen.citizen_id: citizen for citizen in listed}


def same_name(left: str, right: str) -> bool:
    """Equal after NFC normalisation, casefolding and collapsing whitespace; diacritics count."""

    def canonical(name: str) -> str:
        return " ".join(unicodedata.normalize("NFC", name).casefold().split())

    return canonical(left) == canonical(right)


def mismatches(claimed: Citizen, known: Citizen) -> list[Detail]:
    """The details of ``claimed`` that differ from the register's ``known`` record."""
    differing: list[Detail] = []
    if not same_name(claimed.full_name, known.full_name):
        differing.append("full_name")
    if claimed.date_of_birth != known.date_of_birth:
        differing.append("date_of_birth")
    return differing
