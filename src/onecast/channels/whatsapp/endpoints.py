"""WhatsApp Cloud API webhook: /webhooks/whatsapp/{apiSpaceId}/{channelId} (GET verify, POST notify)."""
from onecast.channels.webhook_http import meta_router
from onecast.channels.whatsapp.webhook import process

router = meta_router("whatsapp", {"whatsapp_cloud"}, process, "WhatsApp webhook")
