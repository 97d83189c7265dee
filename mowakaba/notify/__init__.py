"""Notifications: rendering (one Jinja2 environment) and transports (console, SMTP)."""
