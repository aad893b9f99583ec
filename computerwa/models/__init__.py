"""The exact reference models of the contracts' money: revenue streaming (`revenue`; and
`exact_revenue`, REV-2's independent yardstick in Fractions, written from DESIGN),
Settlement's balances and splits (`settlement`), the oracle's acceptance rules (`oracle`)
and slashes (`registry`). Integers or Fractions, never floats; the property suite and the simulation check the
chain against them. Models import nothing else of the package.
"""
