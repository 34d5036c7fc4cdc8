"""Helpers shared by test modules (imported as ``support.<module>``; tests/ is on sys.path)."""
