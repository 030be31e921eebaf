"""Individual-level exports for supervisors and admins (issue 6)."""
