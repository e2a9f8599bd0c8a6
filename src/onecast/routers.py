"""Every HTTP router of the app, one module per line (each module has a `router`).
Order matters only where paths overlap: fixed paths before parametrised ones."""
ROUTER_MODULES = [
    "onecast.spaces.endpoints",
    "onecast.profiles.endpoints",
    "onecast.messages.endpoints",
    "onecast.channels.endpoints",
    "onecast.channels.sandbox.endpoints",
    "onecast.appusers.endpoints",
    "onecast.conversations.endpoints",
    "onecast.chat.endpoints",
    "onecast.realtime.endpoints",
    "onecast.chat.widget",
]
