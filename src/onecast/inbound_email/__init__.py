"""Inbound e-mail: an SMTP listener (aiosmtpd) in the worker process that turns received mail
into inbound messages, and the Email2SMS adaptor (mail to <number>@<domain> goes on as an SMS)."""
