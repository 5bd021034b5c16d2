"""Deadline marks of tasks: a warning when a share of the allowance is used, and overdue.

``office_time`` measures working time on the calendar, ``marks`` decides which mark is
due when (plain Python), ``store`` is the SQL, ``scheduler`` the loop that emits
``TaskDeadlineReached`` through the outbox.
"""
