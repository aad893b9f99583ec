"""Running the contracts: the engine-independent chain surface (`chain`), the in-process
pyrevm engine (`engine`) and Ape's provider (`ape_chain`) behind it, the ABI and log codec
(`codec`), Ape's compiled artifacts (`artifacts`), the suite's one deployment (`suite`) and
the `ape run` command base (`cli`). Tests, scripts and the simulation use it.
"""
