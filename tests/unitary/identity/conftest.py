"""The IdentityRegistry suite: a registry of its own, owned by the issuer."""

import pytest


@pytest.fixture(scope="session")
def identity(backend, issuer):
    """A fresh registry: the issuer owns it and is its only registrar; nobody is verified."""
    return backend.deploy("IdentityRegistry", sender=issuer)
