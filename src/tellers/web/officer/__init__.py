"""The officer pages of the Tellers site."""
