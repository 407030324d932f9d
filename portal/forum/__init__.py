"""Community Q&A: ask, answer, vote, accept, moderate, and feed the help center and the ticket queue."""
