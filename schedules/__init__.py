"""Jobs, the quarterly schedule and the inbox sensor."""
