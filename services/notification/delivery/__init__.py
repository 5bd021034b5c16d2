"""Sending what was planned: the delivery worker and its metrics."""
