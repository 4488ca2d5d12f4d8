"""The HTTP service: cron trigger URLs, health, metrics and the dashboard (`amzorders serve`)."""
