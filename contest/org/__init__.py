"""The organisation tree: province → district → school → class."""
