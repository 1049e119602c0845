"""Discord's OpenAPI subset and the script that cuts it (run ``extract.py`` directly)."""
