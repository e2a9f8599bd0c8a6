"""Data retention per API space: how long messages, events and content are kept, and a periodic
job that deletes or anonymises what is older."""
