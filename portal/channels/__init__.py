"""Channels that feed the one ticket queue: email, and later SMS, messaging and chat."""
