"""juwei: the residents' committee bot."""

__version__ = "0.1.0"
