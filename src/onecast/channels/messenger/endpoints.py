"""Messenger webhook: /webhooks/messenger/{apiSpaceId}/{channelId} (GET verify, POST notify)."""
from onecast.channels.messenger.webhook import process
from onecast.channels.webhook_http import meta_router

router = meta_router("messenger", {"messenger"}, process, "Messenger webhook")
