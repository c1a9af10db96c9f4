"""Frequently asked questions: a reviewed knowledge base (YAML, one file per topic) and the
Chinese-aware search that finds the entry answering a resident's free-text question."""
