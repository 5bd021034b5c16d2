"""Real local servers that play the national systems and message providers lienthong talks to.

Their real endpoints are out of reach here, so tests and ``make demo`` run these instead. Each
is an HTTP server (SMTP for e-mail) whose behaviour operators and tests switch at run time
(latency, errors, outage) and which records what it received.
"""
