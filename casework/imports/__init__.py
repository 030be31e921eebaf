"""Bulk import of beneficiaries from files: reading, column mapping, rows, duplicates.

The use cases (dry run, apply, batches) are in casework.services.imports.
"""
