"""Escalation of overdue tasks along the province's ladder (``shared/reference/escalation.yaml``).

``timing`` decides which steps are due when (plain Python), ``store`` is the SQL, ``escalator``
the pass a polling worker runs: each step once per task, recorded with its event and history entry.
"""
