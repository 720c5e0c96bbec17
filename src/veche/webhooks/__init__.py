"""Webhooks for publishers: signed HTTP POSTs about comments, sent through the outbox.

guard (where we may send: the SSRF rules), signing (the `Veche-Signature` header), payloads
(what an event says), sender (one HTTP attempt), delivery (the events follower that queues
outbox rows, and the outbox worker's "webhook" handler).
"""
