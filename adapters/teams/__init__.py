"""The Microsoft Teams adapter, on the Microsoft 365 Agents SDK (the Bot Framework protocol)."""
