"""Every HTTP router of the app, one module per line (each module has a `router`).
Order matters only where paths overlap: fixed paths before parametrised ones."""
ROUTER_MODULES = [
    "onecast.spaces.endpoints",
    "onecast.profiles.imports.endpoints",
    "onecast.profiles.exports.endpoints",
    "onecast.profiles.audiences.endpoints",
    "onecast.profiles.endpoints",
    "onecast.messages.endpoints",
    "onecast.channels.endpoints",
    "onecast.channels.sandbox.endpoints",
    "onecast.templates.endpoints",
    "onecast.content.endpoints",
    "onecast.links.endpoints",
    "onecast.devices.endpoints",
    "onecast.observability.endpoints",
    "onecast.billing.endpoints",
    "onecast.retention.endpoints",
    "onecast.inbound_email.endpoints",
    "onecast.channels.whatsapp.endpoints",
    "onecast.channels.messenger.endpoints",
    "onecast.channels.telegram.endpoints",
    "onecast.compat.bird.endpoints",
]
