"""Accounts: users and roles, login, sign-up, email links, passwords and the staff team."""
