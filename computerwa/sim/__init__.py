"""The fleet simulation (`fleet`: nodes, customers, investors and attestors driven through
epochs on a chain, reconciled with the models to the wei), its regional demand and hardware
data (`regions`) and the cost projection of a fleet at scale (`scale`). Used by `ape run simulate`
and `ape run scale`; `basket`: the fleet's ComputeBasket.
"""


class ReconciliationError(Exception):
    """The chain and the models disagree; the message lists every difference."""
