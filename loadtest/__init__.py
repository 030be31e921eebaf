"""Load test: simulated staff against gunicorn, and a check that no write was lost."""
