"""Routing's retention: its copy of the applicant (put in each status change) pseudonymised like intake's."""

from shared.kernel.pseudonymisation import ApplicantRows

DOSSIER_APPLICANTS = ApplicantRows("dossiers")
