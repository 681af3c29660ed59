"""Accounts, roles, logins, sessions and the guards every route uses."""
