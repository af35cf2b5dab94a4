"""What became of each member's code: sent, bounced, returned (REQUIREMENTS.md 18, 22)."""
