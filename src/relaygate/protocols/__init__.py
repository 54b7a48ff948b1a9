"""Pure wire formats, the internal representation and codecs; no I/O framework imports."""
