"""The scrutiny pages of the Tellers site."""
