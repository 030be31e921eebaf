"""Authentication (sessions, API tokens) and the single permission map."""
