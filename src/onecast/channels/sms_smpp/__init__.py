"""SMS over SMPP 3.4: `pdu` (wire codec), `session` (one bind), `link` (a channel's binds),
`receipts` (receipt text and ids), `provider` (sends), `store` (the database side) and
`service` (keeps the binds of every enabled channel up)."""
