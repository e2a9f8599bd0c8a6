"""E-mail over SMTP (aiosmtplib): config, MIME composition, attachments, a connection pool."""
