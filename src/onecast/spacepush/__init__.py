"""An API space's own push credentials (Comapi `/apispaces/{id}/push`): FCM service accounts per
Android package, an APNs token key, APNs certificates per bundle id and environment. They serve
`nativePush` when the space has no push channel of its own."""
