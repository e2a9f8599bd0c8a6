"""Built-in providers: name -> "module:factory", factory(config: dict, db) -> Provider.
One entry per line; modules are imported only when a channel uses them."""
PROVIDERS = {
    "sandbox": "onecast.channels.sandbox.provider:create",
    "push": "onecast.channels.push.provider:create",
    "fcm": "onecast.channels.push_fcm:create",
    "apns": "onecast.channels.push_apns:create",
    "webpush": "onecast.channels.webpush:create",
    "email_smtp": "onecast.channels.email_smtp.provider:create",
    "whatsapp_cloud": "onecast.channels.whatsapp.provider:create",
    "messenger": "onecast.channels.messenger.provider:create",
    "telegram": "onecast.channels.telegram.provider:create",
    "custom_http": "onecast.channels.custom.provider:create",
    "sms_smpp": "onecast.channels.sms_smpp.provider:create",
}
