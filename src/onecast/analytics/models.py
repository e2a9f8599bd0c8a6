"""Indexes the analytics queries need on tables other domains own (declared here so those
domains' models stay untouched): every report reads one space's rows in a time range."""
from __future__ import annotations

from sqlalchemy import Index

from onecast.kit.models import Event
from onecast.messages.models import Message

messages_by_time = Index("ix_messages_space_created", Message.space_id, Message.created_on)
events_by_name_time = Index("ix_events_space_name_timestamp", Event.space_id, Event.name, Event.timestamp)
