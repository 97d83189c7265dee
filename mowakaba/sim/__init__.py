"""Simulation, demo and benchmark machinery: simulated people and cohorts, not the domain.

The domain (services, models, pathway) never imports this package; the
`mowakaba` command (the composition root) and the tests do.
"""
