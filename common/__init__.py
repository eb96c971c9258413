"""Shared plumbing: the settings table, the SQLite connection and text normalisation."""
