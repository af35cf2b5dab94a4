"""The voter pages of the Tellers site."""
