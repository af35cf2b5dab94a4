"""Nominations on the site: the officer runs them, everyone reads the published log."""
