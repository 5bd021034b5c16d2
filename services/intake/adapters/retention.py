"""Intake's retention: the applicant of a dossier that ended long ago is pseudonymised.

The rest of intake's personal data (the submission in the outbox, the stored answer to an
``Idempotency-Key``) is in kernel tables the kernel prunes.
"""

from shared.kernel.pseudonymisation import ApplicantRows

DOSSIER_APPLICANTS = ApplicantRows("dossiers", also_set="identity_next_check_at = NULL, postal_address = NULL")
"""A pending identity check has nothing left to check once the applicant is a pseudonym: it is never due again;
the address the result was posted to goes with the applicant."""
