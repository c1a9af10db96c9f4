"""Message catalogues, one per language, with the same keys (a test checks they match)."""
