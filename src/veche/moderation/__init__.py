"""Local moderation: text normalising, lexicons, spam and embedding scorers; nothing leaves the box."""
