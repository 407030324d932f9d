"""Accounts: users and roles, login (with two-factor login), sign-up, email links, passwords, sessions and
the staff team."""
