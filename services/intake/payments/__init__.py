"""Payments of a dossier: its fees at receipt and the financial obligations a unit notifies.

A payment is recorded due (``rules``), created at the national payment platform by a polling
worker (``creator``; one payment per merchant_ref, the row's id), and paid when the platform's
signed callback says so (``callback_api`` → ``paying``): the e-receipt is kept as a document of the
dossier, then the fees are marked paid and the dossier received if complete, or ``DossierPaid``
tells routing the obligation is met. ``following`` records an obligation when routing moves the
dossier to ``paying``; ``views`` shows them on the dossier and its lookup.
"""
