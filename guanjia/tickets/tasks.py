"""Requests have no background jobs of their own: their notifications are written in the
transaction of the change (``services._announce``) and sent by the notifications outbox."""
