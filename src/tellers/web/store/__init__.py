"""State of the web service: models only, plus the board's append service."""
