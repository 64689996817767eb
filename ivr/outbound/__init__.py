"""What the IVR sends out on its own: texts (and soon calls) through Twilio's REST API."""
