"""Dossier codes of Circular 01/2018/TT-VPCP art. 19: ``<agency id>-<YYMMDD>-<NNNN>``."""

import re
from datetime import date

DOSSIER_CODE = re.compile(r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<day>\d{6})-(?P<seq>\d{4,})$")


def format_dossier_code(agency_id: str, received_on: date, sequence: int) -> str:
    """The code of the ``sequence``-th dossier received by ``agency_id`` on ``received_on``."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{agency_id}-{received_on:%y%m%d}-{sequence:04d}"


def is_dossier_code(text: str) -> bool:
    return DOSSIER_CODE.match(text) is not None
