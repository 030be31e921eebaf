"""Every change of state: one function per use case.

A service checks permission (casework.auth.permissions), applies the rules
(casework.domain), changes the models, flushes, and writes the audit event. It never
commits: the view or command that called it commits once, so a failure leaves nothing
half-done.
"""
