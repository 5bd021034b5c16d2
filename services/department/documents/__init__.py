"""The dossier's documents as a task's clerks read them: listed, downloaded through the API or lent by a
short-lived pre-signed link, each download journalled.

``store`` keeps the references routing sends with a task (``TaskAssigned.documents``,
``TaskResumed.documents``), ``lending`` is the use case (who may, the journal), ``api`` the routes.
"""
