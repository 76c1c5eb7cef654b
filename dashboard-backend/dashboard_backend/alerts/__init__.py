"""Alerts: which opportunities and relations deserve a message, its text, and its delivery."""
