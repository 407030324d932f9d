"""Orders from the shop: store connections, webhook sync, backfill, and the order beside every ticket."""
