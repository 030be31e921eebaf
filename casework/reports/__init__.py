"""Reports and exports: aggregation with small-cell suppression, and CSV/XLSX writers."""
