"""What veche owes the outside world after a commit: mail, webhooks, notifications."""
