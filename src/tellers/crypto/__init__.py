"""Tellers' cryptography over secp256k1 (docs/spec/protocol.md).

``group`` is the only module that touches the native binding; everything
else builds on its ``Scalar`` and ``Point``.
"""
