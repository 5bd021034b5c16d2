"""Traces, metrics and logs: what operators see of every service."""
