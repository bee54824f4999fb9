"""`from crypto.bip322_provider import BIP322Provider`, as the reference SDK writes it."""
from aegis_governance import BIP322Provider

__all__ = ["BIP322Provider"]
