"""Output: rich tables for people, CSV/JSON/JSONL for programs. The only layer that imports rich."""
