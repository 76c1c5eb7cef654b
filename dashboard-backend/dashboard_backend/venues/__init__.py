"""Venue adapters: each turns one venue's wire formats into the domain models."""
