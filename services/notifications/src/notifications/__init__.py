"""unionfed notifications service."""
