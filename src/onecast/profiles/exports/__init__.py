"""Profile export: the result of a profile query as a downloadable JSON, JSON Lines or CSV file."""
