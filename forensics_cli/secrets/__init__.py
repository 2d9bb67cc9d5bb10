"""scan-secrets: credentials and card data in logs, found field-aware and never printed in full."""
