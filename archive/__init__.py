"""Syndication Archive: capture, extract and index news syndication."""
__version__ = "0.1.0"
