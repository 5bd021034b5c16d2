"""The public board: a unit's early, on-time and late completions over a period.

``figures`` holds the rules (plain Python), ``store`` the SQL, ``subscribers`` keeps the
record of Form 04 extensions, ``page`` renders the HTML and ``api`` serves both forms.
"""
