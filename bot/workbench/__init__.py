"""The staff workbench (工作台): web pages for the office and the directors, signed in from chat.

Sign-in links and sessions live here (``signin``), with the check of a Telegram Mini App's
``initData`` (``initdata``); the pages themselves are an adapter in ``bot/platforms/workbench/``
(Starlette and Jinja2), calling the same services and role rules as the chat. In chat, ``/web``
(handlers/workbench.py) gives a one-time link; there is no multi-step flow, so there is no
conversations/workbench.py. Texts: bot/locales/{zh,en}/workbench.py.
"""
