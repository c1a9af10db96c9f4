"""WeCom (企业微信): a self-built app's callback, crypto and server API, and group robots."""
