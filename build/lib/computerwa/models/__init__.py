"""The exact reference models of the contracts' money: revenue streaming (`revenue`),
Settlement's balances and splits (`settlement`), the oracle's acceptance rules (`oracle`)
and slashes (`registry`). Integers only; the property suite and the simulation check the
chain against them. Models import nothing else of the package.
"""
