"""Built-in providers: name -> "module:factory", factory(config: dict, db) -> Provider.
One entry per line; modules are imported only when a channel uses them."""
PROVIDERS = {
    "sandbox": "onecast.channels.sandbox.provider:create",
    "sms_smpp": "onecast.channels.sms_smpp.provider:create",
}
