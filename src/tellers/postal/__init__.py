"""The postal and hybrid channel: numbered, pre-encrypted voting papers (docs/spec/postal.md).

``content`` is what is printed on a paper; ``preencrypt`` the print
authority's pre-encryptions, short codes and confirmation codes; ``paper``
and ``layout`` the printed PDF; ``scan`` reads returned papers; ``returns``
turns a read or keyed paper into the opening house's board event.
"""
