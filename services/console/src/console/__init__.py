"""unionfed operator console."""
