"""Which unit handles a dossier: the skeleton's single-task rule.

Unit codes are stable: ``<commune code>.<section>`` for a commune section
(``17179.VP``) and ``<province code>.<department>`` for a provincial department
(``40.SNNMT``). The full multi-stage plans replace this rule later.
"""

from shared.reference_data import Procedure


def unit_for(procedure: Procedure, *, commune_code: str, province_code: str) -> str:
    """The unit competent for ``procedure`` on a dossier concerning ``commune_code``."""
    if procedure.level == "commune":
        return f"{commune_code}.{procedure.unit_kind}"
    return f"{province_code}.{procedure.unit_kind}"
