"""apiforensics: offline forensics over rotated JSON API audit logs."""

__version__ = "0.1.0"
