"""Slack: slack-bolt listeners, Block Kit rendering and Web API delivery for Yhdessä."""
