"""Django's SQLite backend with the database file private (``ENGINE = "tellers.web.sqlite"``)."""

__all__: list[str] = []
