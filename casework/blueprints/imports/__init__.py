"""Pages to import beneficiaries from CSV or XLSX files (issue 10)."""
