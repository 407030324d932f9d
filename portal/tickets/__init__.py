"""The ticket queue: every channel lands here; customers follow, agents work it."""
