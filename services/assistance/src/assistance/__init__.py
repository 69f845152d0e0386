"""unionfed assistance service: hardship registry, aid cases, multi-level approval, funds, rights appeals."""
