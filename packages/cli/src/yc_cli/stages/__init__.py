"""CLI glue that `yc curate` chains: one module per stage, each with `run(store, ..., console)`."""
