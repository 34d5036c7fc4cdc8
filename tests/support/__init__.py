"""Helpers shared by test modules (no test module imports another: shared pieces live here)."""
