"""Messenger webhook: /webhooks/messenger/{apiSpaceId}/{channelId} (GET verify, POST notify)."""
from onecast.channels.webhook_http import meta_router
from onecast.channels.messenger.webhook import process

router = meta_router("messenger", {"messenger"}, process, "Messenger webhook")
