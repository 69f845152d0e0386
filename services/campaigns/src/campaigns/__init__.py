"""unionfed campaigns service."""
