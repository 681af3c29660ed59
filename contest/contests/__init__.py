"""Contests and rounds: setup, eligibility and the organiser's pages."""
