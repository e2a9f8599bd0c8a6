"""Opt-out keywords that apply on phone channels while a space has configured none of its own
(the usual carrier set: CTIA for English, and common French, German and Spanish words)."""
from __future__ import annotations

HELP_TEXT = "Reply STOP to unsubscribe, START to subscribe again."

# (locale, opt, keywords)
DEFAULT_KEYWORDS: list[tuple[str, str, str]] = [
    ("en", "out", "STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT,OPTOUT"),
    ("en", "in", "START,UNSTOP,SUBSCRIBE"),
    ("en", "help", "HELP,INFO"),
    ("fr", "out", "ARRET,ARRÊT,STOP"),
    ("de", "out", "STOPP,ABMELDEN"),
    ("es", "out", "BAJA,PARAR,ALTO"),
]
