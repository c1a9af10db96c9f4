"""WeCom (企业微信) self-built app: callback crypto and message parsing."""
