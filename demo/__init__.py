"""``make demo``: the whole yc pipeline on the bundled sample channel, offline."""
