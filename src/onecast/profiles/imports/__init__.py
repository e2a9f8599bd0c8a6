"""Profile import jobs: create -> upload a CSV/JSON file -> (inspect duplicates) -> start ->
the worker applies the rows in chunks, so progress survives a restart."""
