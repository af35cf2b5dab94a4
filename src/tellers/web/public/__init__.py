"""The public pages of the Tellers site."""
