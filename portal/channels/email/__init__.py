"""The email channel: parse, thread and store inbound mail; compose outbound replies."""
