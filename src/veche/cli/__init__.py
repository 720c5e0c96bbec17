"""The `veche` command: serve by default, like datasette."""
