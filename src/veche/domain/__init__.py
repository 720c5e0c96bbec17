"""Pure rules of a discussion: no I/O, so they are cheap to test and reuse on every path."""
