"""Webhooks for publishers: signed HTTP POSTs about comments, sent through the outbox.

guard (where we may send: the SSRF rules), signing (the `Veche-Signature` header), payloads
(what an event says), sender (one HTTP attempt), follow (events table → outbox rows),
handler (the outbox worker's "webhook" kind).
"""
