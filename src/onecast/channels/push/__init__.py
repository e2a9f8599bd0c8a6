"""Native push: one provider fans a message out to the profile's registered devices over FCM,
APNs and Web Push (the platform clients live in push_fcm/, push_apns/ and webpush/)."""
