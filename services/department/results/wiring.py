"""The issuer the department runs with, from its settings: the local signer when a signing authority is given."""

import logging

from services.department.results.issuing import Issuer
from services.department.results.local_ca import LocalCertificateAuthority
from services.department.results.signing import LocalPadesSigner
from services.department.settings import DepartmentSettings
from shared.kernel.object_store import ObjectStore

log = logging.getLogger(__name__)


def issuer_from(settings: DepartmentSettings, objects: ObjectStore) -> Issuer:
    """The issuer of ``settings``; its authority's files are read now, so a wrong path stops the start.

    Without ``LIENTHONG_SIGNING_CA_CERT_FILE`` and ``_KEY_FILE`` the department starts but cannot sign: it says
    so now, and each result request is dead-lettered (final) until an operator replays it under a signer.
    """
    certificate, key = settings.signing_ca_cert_file, settings.signing_ca_key_file
    if certificate is None or key is None:
        log.warning("no signing authority (LIENTHONG_SIGNING_CA_CERT_FILE, _KEY_FILE): results cannot be issued")
        return Issuer(None, objects, settings.lookup_url_base)
    authority = LocalCertificateAuthority.from_files(certificate, key)
    return Issuer(LocalPadesSigner(authority), objects, settings.lookup_url_base)
