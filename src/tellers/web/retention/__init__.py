"""Retention of an election's data and the scrutineer's legal holds (REQUIREMENTS.md 9)."""
