"""The Flask web layer: Twilio webhooks in, TwiML out."""
