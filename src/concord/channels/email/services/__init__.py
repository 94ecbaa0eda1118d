"""Writes of the email channel: inbound storage and processing, outbound queueing and sending."""
