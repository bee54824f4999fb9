"""The reference SDK's `crypto` package path, kept so its imports run unchanged.

Everything here is `aegis_governance`'s; see docs/DECISIONS.md ("Python") for why this top-level
name exists and how it can clash with an unrelated package called `crypto`.
"""
