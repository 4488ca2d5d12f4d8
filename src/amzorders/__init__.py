"""amzorders: imports Amazon marketplace orders into online shops and never loses one."""

__version__ = "0.1.0"
