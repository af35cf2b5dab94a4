"""The trustee pages of the Tellers site."""
