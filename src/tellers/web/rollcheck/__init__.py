"""The roll's imports and their check reports (REQUIREMENTS.md 4, 18, 22): models and service."""
