"""Pure domain core: no I/O, no framework imports."""
