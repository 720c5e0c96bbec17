"""The demo story served by `veche serve --demo`."""
