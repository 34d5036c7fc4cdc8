"""Helpers shared by test modules (fixtures' building blocks; no test module imports another)."""
